// Package netpolicy decides which addresses outbound calls may dial: the
// integration hub's platforms and the deliveries (callbacks, webhooks)
// share it. Loopback, private, link-local and other special ranges are
// refused unless a host or range is allowed, or the server-wide switch for
// on-premise integrations is on; cloud metadata addresses stay refused even
// then. The check runs at dial time on the resolved address, so a name that
// resolves differently later cannot slip past.
package netpolicy

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// blockedPrefixes are the address ranges outbound calls may not reach
// unless allowed.
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

// Policy decides which addresses one caller may dial.
type Policy struct {
	hosts        map[string]bool
	prefixes     []netip.Prefix
	allowPrivate bool // the server-wide switch for on-premise integrations
}

// New returns a policy. allowPrivate is the server-wide switch; lists hold
// host names, addresses and CIDR ranges allowed on top of it.
func New(allowPrivate bool, lists ...[]string) *Policy {
	p := &Policy{hosts: map[string]bool{}, allowPrivate: allowPrivate}
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

// Check reports why ip may not be dialed, or nil.
func (p *Policy) Check(ip netip.Addr) error {
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
		return &BlockedError{IP: ip.String()}
	}
	for _, pr := range blockedPrefixes {
		if pr.Contains(ip) {
			return &BlockedError{IP: ip.String()}
		}
	}
	return nil
}

// CheckHost is the check that can be made before any dial, on a URL's
// host: an address literal is checked as Check does, "localhost" (and its
// subdomains) as loopback; other names pass here and are checked when
// dialed.
func (p *Policy) CheckHost(host string) error {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if p.hosts[host] {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return p.Check(ip)
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return p.Check(netip.MustParseAddr("127.0.0.1"))
	}
	return nil
}

// BlockedError is a dial the network policy refused.
type BlockedError struct{ IP string }

func (e *BlockedError) Error() string {
	return fmt.Sprintf("address %s is not allowed by the network policy", e.IP)
}

// DialContext dials with the policy checked on the resolved address, in
// the dialer's Control func: what is checked is what is connected to.
// Hosts allowed by name are dialed without the check.
func (p *Policy) DialContext(timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	open := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	checked := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second,
		Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("dial %s: %w", address, err)
			}
			return p.Check(ap.Addr())
		}}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, _ := net.SplitHostPort(addr)
		if p.hosts[strings.ToLower(host)] {
			return open.DialContext(ctx, network, addr)
		}
		return checked.DialContext(ctx, network, addr)
	}
}
