package connector

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// blockedPrefixes are the address ranges outbound calls may not reach
// unless a platform's network policy allows them.
var blockedPrefixes = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
		"100.64.0.0/10", "169.254.0.0/16", "192.0.0.0/24", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "64:ff9b::/96",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// policy decides which addresses one platform (and instance) may dial.
type policy struct {
	hosts        map[string]bool
	prefixes     []netip.Prefix
	allowPrivate bool // the server-wide switch for on-premise integrations
}

func newPolicy(allowPrivate bool, lists ...[]string) *policy {
	p := &policy{hosts: map[string]bool{}, allowPrivate: allowPrivate}
	for _, l := range lists {
		for _, a := range l {
			if pr, err := netip.ParsePrefix(a); err == nil {
				p.prefixes = append(p.prefixes, pr.Masked())
			} else if ip, err := netip.ParseAddr(a); err == nil {
				p.prefixes = append(p.prefixes, netip.PrefixFrom(ip, ip.BitLen()))
			} else {
				p.hosts[strings.ToLower(a)] = true
			}
		}
	}
	return p
}

// check reports why ip may not be dialed, or nil.
func (p *policy) check(ip netip.Addr) error {
	ip = ip.Unmap()
	for _, pr := range p.prefixes {
		if pr.Contains(ip) {
			return nil
		}
	}
	metadata := ip == netip.MustParseAddr("169.254.169.254") || ip == netip.MustParseAddr("fd00:ec2::254")
	if p.allowPrivate && !metadata {
		return nil
	}
	if metadata {
		return &blockedError{ip: ip.String()}
	}
	for _, pr := range blockedPrefixes {
		if pr.Contains(ip) {
			return &blockedError{ip: ip.String()}
		}
	}
	return nil
}

// blockedError is a dial the network policy refused.
type blockedError struct{ ip string }

func (e *blockedError) Error() string {
	return fmt.Sprintf("address %s is not allowed by the network policy", e.ip)
}

// dialContext dials with the policy checked on the resolved address, in
// the dialer's Control func: what is checked is what is connected to, so
// a name that resolves differently later cannot slip past.
func (p *policy) dialContext(timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	open := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	checked := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("dial %s: %w", address, err)
			}
			return p.check(ap.Addr())
		}}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if p.hosts[strings.ToLower(host)] {
			return open.DialContext(ctx, network, addr)
		}
		return checked.DialContext(ctx, network, addr)
	}
}

// maxRedirects caps the redirects one call follows; each dials again
// through the policy.
const maxRedirects = 5

func newHTTPClient(p *policy) *http.Client {
	tr := &http.Transport{
		Proxy:                 nil, // an environment proxy would dial for us, past the policy
		DialContext:           p.dialContext(10 * time.Second),
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
