package connector

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"time"

	"github.com/tritiumhq/tritium/internal/netpolicy"
)

// blockedError is a dial the network policy refused.
type blockedError = netpolicy.BlockedError

// newPolicy returns the network policy of one platform (and instance):
// the server-wide switch and the allowed hosts and ranges.
func newPolicy(allowPrivate bool, lists ...[]string) *netpolicy.Policy {
	return netpolicy.New(allowPrivate, lists...)
}

// maxRedirects caps the redirects one call follows; each dials again
// through the policy.
const maxRedirects = 5

func newHTTPClient(p *netpolicy.Policy) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil, // an environment proxy would dial for us, past the policy
		DialContext:           p.DialContext(10 * time.Second),
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		return nil
	}}
}
