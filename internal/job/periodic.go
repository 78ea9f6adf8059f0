package job

import (
	"encoding/json"
	"time"

	"github.com/riverqueue/river"
)

// Every enqueues a job named name (empty payload) every interval, and
// once when the queue starts. River's periodic enqueuer runs on the
// queue's leader alone, and each run is unique per interval, so however
// many nodes call Every the job runs about once per interval (a change of
// leader may add one run: handlers must be safe to run twice). Call it
// before Start, after registering the handler.
func (q *Queue) Every(name string, interval time.Duration) {
	pj := river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		var opts *river.InsertOpts
		if interval >= time.Second { // River's least period
			opts = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: interval}}
		}
		return args{Name: name, Payload: json.RawMessage("{}")}, opts
	}, &river.PeriodicJobOpts{ID: name, RunOnStart: true})
	if q.pg != nil {
		q.pg.PeriodicJobs().Add(pj)
	} else {
		q.lite.PeriodicJobs().Add(pj)
	}
}
