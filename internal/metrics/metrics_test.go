package metrics_test

import (
	"testing"
	"time"

	"github.com/tritiumhq/tritium/internal/metrics"
)

// TestHotPathAllocatesNothing: once a label set has been seen, recording a
// request or a commit allocates nothing, so metrics add no garbage to the
// paths every request takes.
func TestHotPathAllocatesNothing(t *testing.T) {
	m := metrics.New(metrics.BuildInfo{Version: "t", Database: "sqlite"}, nil)
	m.ObserveRequest("GET", "/api/v1/forms/{code}/records/{id}", "", 200, time.Millisecond)
	if n := testing.AllocsPerRun(1000, func() {
		m.ObserveRequest("GET", "/api/v1/forms/{code}/records/{id}", "", 200, time.Millisecond)
	}); n != 0 {
		t.Errorf("ObserveRequest: %v allocations per call", n)
	}
	if n := testing.AllocsPerRun(1000, func() { m.ObserveCommit(8, time.Millisecond, 2*time.Millisecond) }); n != 0 {
		t.Errorf("ObserveCommit: %v allocations per call", n)
	}
}

func BenchmarkObserveRequest(b *testing.B) {
	m := metrics.New(metrics.BuildInfo{Version: "t", Database: "sqlite"}, nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveRequest("POST", "/OpenApi/Invoke", "LoadBizObject", 200, time.Millisecond)
		}
	})
}

func BenchmarkObserveCommit(b *testing.B) {
	m := metrics.New(metrics.BuildInfo{Version: "t", Database: "sqlite"}, nil)
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveCommit(8, time.Millisecond, 2*time.Millisecond)
	}
}
