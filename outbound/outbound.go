package outbound

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
)

// ErrBlockedAddress is returned when a webhook would reach an address that
// is not on the public internet (loopback, private, link-local, metadata…)
// and its host is not in WEBHOOK_ALLOWED_HOSTS.
var ErrBlockedAddress = errors.New("outbound: webhook address is not public")

// AllowedHosts are the webhook hosts exempt from the public-address rule
// (WEBHOOK_ALLOWED_HOSTS): test receivers and on-premises control rooms.
// The zero value allows nothing.
type AllowedHosts struct {
	hosts map[string]bool // "host" (any port) or "host:port"; IPv6 without brackets
}

// ParseAllowedHosts reads entries of the form host or host:port (IPv6 as
// [addr]:port or a bare address) and names every malformed one.
func ParseAllowedHosts(entries []string) (AllowedHosts, error) {
	a := AllowedHosts{hosts: map[string]bool{}}
	var errs []error
	for _, e := range entries {
		host, port, err := splitEntry(e)
		if err != nil {
			errs = append(errs, fmt.Errorf("%q: %w", e, err))
			continue
		}
		a.hosts[hostKey(host, port)] = true
	}
	return a, errors.Join(errs...)
}

func splitEntry(e string) (host, port string, err error) {
	e = strings.TrimSpace(e)
	host = e
	if h, p, err := net.SplitHostPort(e); err == nil {
		host, port = h, p
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", "", errors.New("port must be 1 to 65535")
		}
	}
	host = normalHost(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if host == "" || strings.ContainsAny(host, "/@?#[] ") {
		return "", "", errors.New("must be host or host:port")
	}
	return host, port, nil
}

// normalHost lowercases a name (without a trailing dot) and writes an IP
// address in its canonical form, so that one host has one spelling.
func normalHost(h string) string {
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.WithZone("").String()
	}
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

func hostKey(host, port string) string {
	if port == "" {
		return host
	}
	return net.JoinHostPort(host, port)
}

// Allows reports whether host:port (port may be empty) is allow-listed.
func (a AllowedHosts) Allows(host, port string) bool {
	host = normalHost(host)
	return a.hosts[host] || (port != "" && a.hosts[hostKey(host, port)])
}

// CheckURL refuses a webhook URL whose host is obviously not public: an IP
// literal of a blocked class, localhost, or a numeric spelling that some
// resolvers read as an address ("2130706433", "0x7f.1"). Names are not
// resolved here: the connection itself is checked on every delivery, so a
// name that later resolves to a blocked address still reaches nothing.
func (a AllowedHosts) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("outbound: webhook url: %w", err)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "443"
	}
	if a.Allows(host, port) {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if class := blockedClass(ip); class != "" {
			return fmt.Errorf("%w: %s", ErrBlockedAddress, class)
		}
		return nil
	}
	name := normalHost(host)
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return fmt.Errorf("%w: loopback", ErrBlockedAddress)
	}
	if numericName(name) {
		return fmt.Errorf("%w: numeric host", ErrBlockedAddress)
	}
	return nil
}

// numericName reports a name whose last label is a number (decimal, octal or
// hex): no real top-level domain is, but inet_aton-style resolvers turn such
// names into addresses.
func numericName(name string) bool {
	labels := strings.Split(name, ".")
	last := labels[len(labels)-1]
	if strings.HasPrefix(last, "0x") {
		return true
	}
	_, err := strconv.ParseUint(last, 10, 64)
	return err == nil
}

// blocked ranges that netip has no predicate for.
var blockedPrefixes = []struct {
	prefix netip.Prefix
	class  string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (CGNAT)"},
	{netip.MustParsePrefix("169.254.169.254/32"), "metadata"},
	{netip.MustParsePrefix("fd00:ec2::254/128"), "metadata"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
}

// nat64 is the well-known NAT64 prefix: its last 32 bits are an IPv4
// address, which is checked as such.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// ipv4Compat holds the deprecated IPv4-compatible IPv6 addresses (::a.b.c.d).
var ipv4Compat = netip.MustParsePrefix("::/96")

// blockedClass names the class of a non-public address, or "" for a public
// one. IPv4-mapped and NAT64 IPv6 forms are judged by their IPv4 address.
func blockedClass(ip netip.Addr) string {
	ip = ip.WithZone("").Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	for _, p := range blockedPrefixes {
		if p.prefix.Contains(ip) {
			return p.class
		}
	}
	switch {
	case ip.IsUnspecified():
		return "unspecified"
	case ip.IsLoopback():
		return "loopback"
	case ip.IsPrivate():
		return "private"
	case ip.IsLinkLocalUnicast():
		return "link-local"
	case ip.IsMulticast():
		return "multicast"
	case ipv4Compat.Contains(ip):
		return "reserved"
	}
	return ""
}

// refuseBlocked is a net.Dialer Control function: it runs after name
// resolution, on the address actually being connected to, so a name that
// resolves (or is rebound) to a blocked address is refused.
func refuseBlocked(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrBlockedAddress, err)
	}
	if class := blockedClass(ap.Addr()); class != "" {
		return fmt.Errorf("%w: %s", ErrBlockedAddress, class)
	}
	return nil
}
