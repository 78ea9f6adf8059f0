package script

import "github.com/dop251/goja"

// trackRejection notes promises rejected with no handler, so a forgotten
// await that fails shows up in the console instead of vanishing.
func (rt *vmRuntime) trackRejection(p *goja.Promise, op goja.PromiseRejectionOperation) {
	ex := rt.cur
	if ex == nil {
		return
	}
	switch op {
	case goja.PromiseRejectionReject:
		if ex.rejected == nil {
			ex.rejected = make(map[*goja.Promise]goja.Value)
		}
		ex.rejected[p] = p.Result()
	case goja.PromiseRejectionHandle:
		delete(ex.rejected, p)
	}
}

func (ex *execution) reportRejections() {
	for _, reason := range ex.rejected {
		if ex.thrown != nil && reason.SameAs(ex.thrown) {
			continue // the run's own failure, reported as Output.Err
		}
		ex.appendLog("error", "未处理的 Promise 拒绝（unhandled promise rejection）: "+ex.rt.format(reason))
	}
	ex.rejected = nil
}
