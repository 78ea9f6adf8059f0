package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
)

// A request canceled by its client is not an internal error: it is not
// logged as one and shows as 499; the same error while the client still
// waits is.
func TestClientGoneIsNotAnInternalError(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	err := fmt.Errorf("load object: %w", context.Canceled)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequest("GET", "/api/v1/instances/x", nil).WithContext(ctx)
	if ae := toAPIError(r, log, err); ae.status != statusClientClosed {
		t.Fatalf("client gone: status %d, want %d", ae.status, statusClientClosed)
	}
	if logs.Len() != 0 {
		t.Fatalf("client gone was logged: %s", logs.String())
	}

	r = httptest.NewRequest("GET", "/api/v1/instances/x", nil)
	if ae := toAPIError(r, log, err); ae.status != 500 {
		t.Fatalf("canceled while the client waits: status %d, want 500", ae.status)
	}
	if !strings.Contains(logs.String(), "internal error") {
		t.Fatalf("an unexplained cancel was not logged: %q", logs.String())
	}
}
