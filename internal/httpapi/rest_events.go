package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/feed"
	"github.com/tritiumhq/tritium/internal/record"
)

const pathEvents = "/api/v1/events"

// eventRoutes: the change feed as Server-Sent Events.
func (s *Server) eventRoutes() []route {
	return []route{
		{"GET", pathEvents, s.streamEvents, opDoc{tag: "Events",
			summary: "Follow record and workflow changes as Server-Sent Events (text/event-stream): resume with Last-Event-ID; task and instance events need scope workflow as well; with a user context, only what that user may see",
			query: []param{{"forms", "string", "Comma-separated form codes (default: every form)"},
				{"types", "string", "Comma-separated event types (default: all): " + strings.Join(feed.Types, ", ")},
				{"lastEventId", "integer", "Resume after this event id, as the Last-Event-ID header does (for clients that cannot set headers)"}},
			status: 200, resp: "stream", errors: []int{403, 404, 503}}},
	}
}

// streamQuery is what a stream asked for.
type streamQuery struct {
	forms, types []string
	last         int64 // resume after this event id; -1: live only
}

func (s *Server) readStreamQuery(r *http.Request) (streamQuery, error) {
	q := streamQuery{last: -1}
	v := r.URL.Query()
	for _, f := range splitList(v.Get("forms")) {
		if _, err := s.deps.Forms.Lookup(r.Context(), f); err != nil {
			if apperr.Is(err, apperr.NotFound) {
				return q, apperr.Field("forms", "没有表单 %s (no form %s)", f, f)
			}
			return q, err
		}
		q.forms = append(q.forms, f)
	}
	for _, t := range splitList(v.Get("types")) {
		if !slices.Contains(feed.Types, t) {
			return q, apperr.Field("types", "未知的事件类型 %s (unknown event type %s; known: %s)", t, t, strings.Join(feed.Types, ", "))
		}
		q.types = append(q.types, t)
	}
	last := r.Header.Get("Last-Event-ID")
	field := "Last-Event-ID"
	if last == "" {
		last, field = v.Get("lastEventId"), "lastEventId"
	}
	if last != "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n < 0 {
			return q, apperr.Field(field, "%s 须为事件 id (非负整数) (%s must be an event id: a non-negative integer)", field, field)
		}
		q.last = n
	}
	// A token without scope workflow sees no task or instance events.
	if c := callerOf(r); c != nil && !c.token.Has(auth.ScopeWorkflow) {
		if slices.ContainsFunc(q.types, workflowEvent) {
			return q, errMissingScope(auth.ScopeWorkflow)
		}
		if len(q.types) == 0 {
			q.types = slices.DeleteFunc(slices.Clone(feed.Types), workflowEvent)
		}
	}
	return q, nil
}

func workflowEvent(t string) bool { return !strings.HasPrefix(t, "record.") }

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) streamEvents(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	hub := s.deps.Events
	if hub == nil {
		return apperr.New(apperr.Unavailable, "本服务器未启用事件流 (this server does not stream events)")
	}
	q, err := s.readStreamQuery(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	sub, err := hub.Subscribe(ctx, s.cfg.EventsBuffer)
	if err != nil {
		return err
	}
	defer hub.Unsubscribe(sub)
	from := sub.From
	if q.last >= 0 {
		if from, err = feed.PositionOf(ctx, s.deps.DB.Reader(), q.last); err != nil {
			return err
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // proxies: do not buffer the stream
	w.WriteHeader(http.StatusOK)
	st := &stream{s: s, w: w, rc: http.NewResponseController(w), a: a, q: q, at: from}
	st.write([]byte(": connected\nretry: 3000\n\n"))
	if err := st.catchUp(ctx, sub.From); err != nil {
		s.log.Warn("event stream: catch up", "err", err)
		return nil
	}
	beat := time.NewTicker(s.cfg.EventsHeartbeat)
	defer beat.Stop()
	for st.err == nil {
		select {
		case <-ctx.Done():
			return nil
		case <-beat.C:
			st.write([]byte(": ping\n\n"))
		case e, ok := <-sub.C:
			if !ok {
				if sub.Overflowed() {
					st.write([]byte("event: overflow\ndata: {\"message\":\"客户端读取过慢, 请用 Last-Event-ID 续读 (the stream fell behind: reconnect with Last-Event-ID to resume)\"}\n\n"))
				}
				return nil
			}
			if e.Pos.After(st.at) {
				st.send(ctx, e)
			}
		}
	}
	return nil
}

// stream is one client's event stream.
type stream struct {
	s   *Server
	w   http.ResponseWriter
	rc  *http.ResponseController
	a   record.Actor
	q   streamQuery
	at  feed.Position // sent (or skipped) up to here
	err error         // the client is gone
}

// catchUp sends the stored events after st.at up to live, where the
// hub's events start.
func (st *stream) catchUp(ctx context.Context, live feed.Position) error {
	for live.After(st.at) {
		evs, _, err := feed.Read(ctx, st.s.deps.DB.Reader(), st.at, 500, st.q.forms...)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if e.Pos.After(live) {
				return nil
			}
			st.send(ctx, e)
		}
		if len(evs) < 500 {
			return nil
		}
	}
	return nil
}

func (st *stream) send(ctx context.Context, e feed.Event) {
	st.at = e.Pos
	if !st.wants(e) || !st.s.deps.Records.Sees(ctx, st.a, e) {
		return
	}
	e.Time = st.s.zone.at(e.Time)
	data, _ := json.Marshal(e)
	b := make([]byte, 0, len(data)+64)
	b = append(b, "id: "...)
	b = strconv.AppendInt(b, e.ID, 10)
	b = append(b, "\nevent: "...)
	b = append(b, e.Type...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	b = append(b, "\n\n"...)
	st.write(b)
}

func (st *stream) wants(e feed.Event) bool {
	return (len(st.q.forms) == 0 || slices.Contains(st.q.forms, e.Form)) &&
		(len(st.q.types) == 0 || slices.Contains(st.q.types, e.Type))
}

func (st *stream) write(b []byte) {
	if st.err != nil {
		return
	}
	if _, st.err = st.w.Write(b); st.err == nil {
		st.err = st.rc.Flush()
	}
}
