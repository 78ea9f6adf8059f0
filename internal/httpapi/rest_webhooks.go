package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/auth"
	"github.com/tritiumhq/tritium/internal/delivery"
	"github.com/tritiumhq/tritium/internal/record"
)

// Webhook subscriptions (administrator; scope admin) and the delivery log
// of every signed delivery — webhook events, batch callbacks, external
// approval requests (docs/webhooks.md). A bearer token without scope admin
// sees only its own client's deliveries (its batch callbacks).

const (
	webhooksPath   = "/api/v1/webhooks"
	deliveriesPath = "/api/v1/deliveries"
)

var deliveryStatuses = []string{delivery.StatusPending, delivery.StatusDelivered, delivery.StatusFailed}

func (s *Server) webhookRoutes() []route {
	if s.deps.Deliveries == nil {
		return nil
	}
	const tag = "Webhooks"
	logQuery := []param{{"status", "string", "pending, delivered or failed"},
		{"before", "string", "A delivery id: only older ones (the next page)"}, {"limit", "integer", "Rows to return, 1–500 (default 50)"}}
	all := append([]param{{"ref", "string", "What caused them: a batch id, a webhook id, a task id"},
		{"kind", "string", "The event (X-Tritium-Event), e.g. batch.completed or record.created"}}, logQuery...)
	enums := map[string][]string{"status": deliveryStatuses}
	hooks := adminRoutes(s, []route{
		{"POST", webhooksPath, s.createWebhook, opDoc{tag: tag, summary: "Subscribe a URL to events; the signing secret is in this answer only. A URL to a private address is refused unless the server allows it", body: "WebhookInput", status: 201, resp: "Webhook"}},
		{"GET", webhooksPath, s.listWebhooks, opDoc{tag: tag, summary: "List the subscriptions (never their secrets)", status: 200, resp: "WebhookList"}},
		{"GET", webhooksPath + "/{id}", s.getWebhook, opDoc{tag: tag, summary: "Get a subscription (never its secret); disabledReason says why it was turned off", status: 200, resp: "Webhook", errors: []int{404}}},
		{"PATCH", webhooksPath + "/{id}", s.patchWebhook, opDoc{tag: tag, summary: "Change a subscription; enabled=true turns an auto-disabled one back on and clears its failures", body: "WebhookInput", status: 200, resp: "Webhook", errors: []int{404}}},
		{"DELETE", webhooksPath + "/{id}", s.deleteWebhook, opDoc{tag: tag, summary: "Delete a subscription (its pending deliveries then fail)", status: 204, errors: []int{404}}},
		{"POST", webhooksPath + "/{id}/rotate-secret", s.rotateWebhookSecret, opDoc{tag: tag, summary: "Give the subscription a new secret, in this answer only; deliveries not yet sent are signed with it", status: 200, resp: "Webhook", errors: []int{404}}},
		{"GET", webhooksPath + "/{id}/deliveries", s.webhookDeliveries, opDoc{tag: tag, summary: "The subscription's deliveries, newest first", query: logQuery, status: 200, resp: "DeliveryList", errors: []int{404}, enums: enums}},
	})
	return append(hooks, []route{
		{"GET", deliveriesPath, s.listDeliveries, opDoc{tag: tag, summary: "Deliveries, newest first: everyone's for the administrator, a client's own for its token", query: all, status: 200, resp: "DeliveryList", errors: []int{403}, enums: enums}},
		{"GET", deliveriesPath + "/{id}", s.getDelivery, opDoc{tag: tag, summary: "One delivery: status, last response code, latency, attempts, next attempt, last error", status: 200, resp: "Delivery", errors: []int{403, 404}}},
		{"GET", deliveriesPath + "/{id}/attempts", s.deliveryAttempts, opDoc{tag: tag, summary: "Every attempt of a delivery, oldest first", status: 200, resp: "DeliveryAttemptList", errors: []int{403, 404}}},
		{"POST", deliveriesPath + "/{id}/resend", s.resendDelivery, opDoc{tag: tag, summary: "Send a delivery again with the same id and a full schedule of retries", status: 200, resp: "Delivery", errors: []int{403, 404}}},
	}...)
}

func (z zone) webhook(w delivery.Webhook) delivery.Webhook {
	w.CreatedTime, w.ModifiedTime = z.at(w.CreatedTime), z.at(w.ModifiedTime)
	return w
}

func (z zone) delivery(d delivery.Delivery) delivery.Delivery {
	d.CreatedTime, d.ModifiedTime = z.at(d.CreatedTime), z.at(d.ModifiedTime)
	for _, t := range []**time.Time{&d.NextAttemptTime, &d.DeliveredTime} {
		if *t != nil {
			v := z.at(**t)
			*t = &v
		}
	}
	return d
}

func (z zone) attempt(a delivery.Attempt) delivery.Attempt {
	a.StartedTime = z.at(a.StartedTime)
	return a
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	var in delivery.WebhookInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	h, err := s.deps.Deliveries.CreateWebhook(r.Context(), in)
	return writeZoned(w, http.StatusCreated, s.zone.webhook)(&h, err)
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	hs, err := s.deps.Deliveries.Webhooks(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[delivery.Webhook]{Items: zoneAll(hs, s.zone.webhook), Total: len(hs), Limit: len(hs)})
	return nil
}

func (s *Server) getWebhook(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	h, err := s.deps.Deliveries.GetWebhook(r.Context(), r.PathValue("id"))
	return writeZoned(w, http.StatusOK, s.zone.webhook)(&h, err)
}

func (s *Server) patchWebhook(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	var in delivery.WebhookInput
	if err := decodeBody(r, &in); err != nil {
		return err
	}
	h, err := s.deps.Deliveries.UpdateWebhook(r.Context(), r.PathValue("id"), in)
	return writeZoned(w, http.StatusOK, s.zone.webhook)(&h, err)
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	if err := s.deps.Deliveries.DeleteWebhook(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) rotateWebhookSecret(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	h, err := s.deps.Deliveries.RotateWebhookSecret(r.Context(), r.PathValue("id"))
	return writeZoned(w, http.StatusOK, s.zone.webhook)(&h, err)
}

func (s *Server) webhookDeliveries(w http.ResponseWriter, r *http.Request, _ record.Actor) error {
	id := r.PathValue("id")
	if _, err := s.deps.Deliveries.GetWebhook(r.Context(), id); err != nil {
		return err
	}
	f, err := deliveryFilter(r)
	if err != nil {
		return err
	}
	f.Ref = id
	return s.writeDeliveries(w, r, f)
}

// deliveryOwner is whose deliveries the caller may see: nil (everyone's)
// for the administrator, a bearer token's client without scope admin.
func (s *Server) deliveryOwner(r *http.Request, a record.Actor) (*string, error) {
	if c := callerOf(r); c != nil && !c.token.Has(auth.ScopeAdmin) {
		return &c.token.ClientID, nil
	}
	if err := s.adminOnly(r, a); err != nil {
		return nil, err
	}
	return nil, nil
}

func deliveryFilter(r *http.Request) (delivery.Filter, error) {
	q := r.URL.Query()
	f := delivery.Filter{Ref: q.Get("ref"), Kind: q.Get("kind"), Status: q.Get("status"), Before: q.Get("before")}
	if f.Status != "" && !slices.Contains(deliveryStatuses, f.Status) {
		return f, apperr.Field("status", "status 须为 pending、delivered 或 failed, 收到 %q (status must be pending, delivered or failed)", clipText(f.Status))
	}
	for name, v := range map[string]string{"ref": f.Ref, "kind": f.Kind, "before": f.Before} {
		if len(v) > 200 {
			return f, apperr.Field(name, "参数 %s 过长 (%s is too long)", name, name)
		}
	}
	var err error
	f.Limit, err = limitParam(r)
	return f, err
}

func (s *Server) listDeliveries(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	owner, err := s.deliveryOwner(r, a)
	if err != nil {
		return err
	}
	f, err := deliveryFilter(r)
	if err != nil {
		return err
	}
	f.Owner = owner
	return s.writeDeliveries(w, r, f)
}

func (s *Server) writeDeliveries(w http.ResponseWriter, r *http.Request, f delivery.Filter) error {
	ds, err := s.deps.Deliveries.List(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[delivery.Delivery]{Items: zoneAll(ds, s.zone.delivery), Total: len(ds), Limit: f.Limit})
	return nil
}

func (s *Server) getDelivery(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	owner, err := s.deliveryOwner(r, a)
	if err != nil {
		return err
	}
	d, err := s.deps.Deliveries.Get(r.Context(), r.PathValue("id"), owner)
	return writeZoned(w, http.StatusOK, s.zone.delivery)(&d, err)
}

func (s *Server) deliveryAttempts(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	owner, err := s.deliveryOwner(r, a)
	if err != nil {
		return err
	}
	as, err := s.deps.Deliveries.AttemptLog(r.Context(), r.PathValue("id"), owner)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list[delivery.Attempt]{Items: zoneAll(as, s.zone.attempt), Total: len(as), Limit: len(as)})
	return nil
}

func (s *Server) resendDelivery(w http.ResponseWriter, r *http.Request, a record.Actor) error {
	owner, err := s.deliveryOwner(r, a)
	if err != nil {
		return err
	}
	d, err := s.deps.Deliveries.Resend(r.Context(), r.PathValue("id"), owner)
	return writeZoned(w, http.StatusOK, s.zone.delivery)(&d, err)
}

// clipText shortens a value echoed in a message.
func clipText(v string) string {
	if len(v) > 64 {
		v = v[:64] + "…"
	}
	return strings.ToValidUTF8(v, "?")
}
