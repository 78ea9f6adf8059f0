// Package metrics collects Tritium's Prometheus metrics in a registry of
// its own (never the process-wide default one) and serves them. The
// packages that produce the figures do not import it: each declares a
// small observer interface that *Metrics implements, so the database
// writer, the job queue, the workflow engine and the HTTP layer stay free
// of Prometheus and cost nothing when metrics are off.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// BuildInfo labels tritium_build_info.
type BuildInfo struct {
	Version  string // the binary's version (main.version)
	Database string // sqlite or postgres
}

// Metrics is one process's collectors and their registry.
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger

	httpDur *prometheus.HistogramVec
	httpMu  sync.RWMutex
	httpObs map[requestKey]prometheus.Observer

	batchSize prometheus.Histogram
	commitDur prometheus.Histogram
	txDur     prometheus.Histogram

	jobsDone   *prometheus.CounterVec
	jobsFailed *prometheus.CounterVec

	wfStarted  prometheus.Counter
	wfFinished *prometheus.CounterVec
}

// requestKey is one label set of the HTTP histogram. Looking it up in a map
// keyed by value allocates nothing, unlike building the label slice.
type requestKey struct {
	method, route, action string
	status                int
}

// New returns metrics with the Go runtime, process and build collectors
// registered.
func New(info BuildInfo, log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{reg: prometheus.NewRegistry(), log: log, httpObs: map[requestKey]prometheus.Observer{}}
	m.httpDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "tritium_http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by method, route pattern, status and (for /OpenApi/Invoke) H3Yun ActionName; _count is the number of requests.",
		Buckets: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"method", "route", "status", "action"})
	m.batchSize = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "tritium_db_write_batch_size",
		Help:    "Writes committed together in one database transaction (SQLite group commit; always 1 on PostgreSQL).",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
	})
	m.commitDur = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "tritium_db_commit_duration_seconds",
		Help:    "Time of the COMMIT of a write transaction (on SQLite with --sqlite-sync full, mostly the fsync).",
		Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1},
	})
	m.txDur = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "tritium_db_write_transaction_duration_seconds",
		Help:    "Time from BEGIN to the end of COMMIT of a committed write transaction.",
		Buckets: []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1},
	})
	m.jobsDone = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tritium_jobs_completed_total", Help: "Background jobs that ran and committed, by job name.",
	}, []string{"job"})
	m.jobsFailed = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tritium_jobs_failed_total", Help: "Background job runs that failed (each is retried with backoff), by job name.",
	}, []string{"job"})
	m.wfStarted = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "tritium_workflow_instances_started_total", Help: "Workflow instances started (committed).",
	})
	m.wfFinished = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tritium_workflow_instances_finished_total", Help: "Workflow instances that ended (committed), by result.",
	}, []string{"result"})
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "tritium_build_info", Help: "Always 1; the labels say which build runs on which database.",
		ConstLabels: prometheus.Labels{"version": info.Version, "goversion": runtime.Version(), "database": info.Database},
	})
	build.Set(1)
	m.reg.MustRegister(m.httpDur, m.batchSize, m.commitDur, m.txDur, m.jobsDone, m.jobsFailed, m.wfStarted, m.wfFinished, build,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is the registry the metrics live in (for tests and extra
// collectors).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format. A collector
// that fails (the queue depth when the database is down) leaves its
// figures out instead of failing the whole scrape.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		ErrorLog:      slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
	})
}

// ObserveRequest records one answered HTTP request. route is the matched
// pattern without its method ("/api/v1/forms/{code}/records/{id}"), never
// the raw path.
func (m *Metrics) ObserveRequest(method, route, action string, status int, d time.Duration) {
	k := requestKey{method, route, action, status}
	m.httpMu.RLock()
	o := m.httpObs[k]
	m.httpMu.RUnlock()
	if o == nil {
		o = m.requestObserver(k)
	}
	o.Observe(d.Seconds())
}

func (m *Metrics) requestObserver(k requestKey) prometheus.Observer {
	m.httpMu.Lock()
	defer m.httpMu.Unlock()
	if o := m.httpObs[k]; o != nil {
		return o
	}
	o := m.httpDur.WithLabelValues(k.method, k.route, strconv.Itoa(k.status), k.action)
	m.httpObs[k] = o
	return o
}

// ObserveCommit records one committed write transaction of writes writes:
// how long its COMMIT took and how long the whole transaction did.
func (m *Metrics) ObserveCommit(writes int, commit, tx time.Duration) {
	m.batchSize.Observe(float64(writes))
	m.commitDur.Observe(commit.Seconds())
	m.txDur.Observe(tx.Seconds())
}

// ObserveJob records one run of the job named name.
func (m *Metrics) ObserveJob(name string, err error) {
	if err != nil {
		m.jobsFailed.WithLabelValues(name).Inc()
		return
	}
	m.jobsDone.WithLabelValues(name).Inc()
}

// InstanceStarted counts a started workflow instance.
func (m *Metrics) InstanceStarted() { m.wfStarted.Inc() }

// InstanceFinished counts an ended workflow instance by its result
// (approved, rejected, canceled, terminated).
func (m *Metrics) InstanceFinished(result string) { m.wfFinished.WithLabelValues(result).Inc() }

// WatchQueue registers tritium_job_queue_depth, read from depth at each
// scrape: the jobs waiting or running, by state (depth should report
// every state it knows, 0 included, so a series never disappears).
func (m *Metrics) WatchQueue(depth func(context.Context) (map[string]int64, error)) {
	m.reg.MustRegister(&queueCollector{depth: depth, desc: prometheus.NewDesc("tritium_job_queue_depth",
		"Background jobs by state: available (due, waiting for a worker), scheduled (due later), retryable (failed, to be retried), running.",
		[]string{"state"}, nil)})
}

type queueCollector struct {
	depth func(context.Context) (map[string]int64, error)
	desc  *prometheus.Desc
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	n, err := c.depth(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	for state, v := range n {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(v), state)
	}
}
