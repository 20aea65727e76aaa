package handlers

import (
	"net"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// ClientAddrs finds the address of the client behind trusted proxies. It is
// used only as rate-limit input (hashed with a rotating key), never stored.
type ClientAddrs struct {
	trusted []*net.IPNet
}

// NewClientAddrs trusts X-Forwarded-For only from the given IPs or CIDRs.
func NewClientAddrs(trusted []string) *ClientAddrs {
	ca := &ClientAddrs{}
	for _, t := range trusted {
		if !strings.Contains(t, "/") {
			if ip := net.ParseIP(t); ip != nil && ip.To4() != nil {
				t += "/32"
			} else {
				t += "/128"
			}
		}
		if _, n, err := net.ParseCIDR(t); err == nil {
			ca.trusted = append(ca.trusted, n)
		}
	}
	return ca
}

func (ca *ClientAddrs) isTrusted(ip net.IP) bool {
	for _, n := range ca.trusted {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

// Of returns the client address of c. Proxies append the address they saw
// to X-Forwarded-For, so the list is read from the right, skipping our own
// proxies: the first untrusted entry is the client. Entries to its left are
// whatever the client sent and are ignored, so rotating them does not
// escape a rate limit.
func (ca *ClientAddrs) Of(c *fiber.Ctx) string {
	remote := c.Context().RemoteIP()
	if len(ca.trusted) == 0 || !ca.isTrusted(remote) {
		return remote.String()
	}
	return ca.fromForwarded(remote, c.Request().Header.Peek(fiber.HeaderXForwardedFor))
}

func (ca *ClientAddrs) fromForwarded(remote net.IP, header []byte) string {
	parts := strings.Split(string(header), ",")
	for i := len(parts) - 1; i >= 0; i-- {
		ip := net.ParseIP(strings.TrimSpace(parts[i]))
		if ip == nil {
			// A malformed hop: stop trusting the chain here.
			break
		}
		if !ca.isTrusted(ip) {
			return ip.String()
		}
	}
	return remote.String()
}
