package outbound

import (
	"context"
	"net"
	"net/http"
	"time"
)

// WebhookTimeout bounds one webhook attempt, as the engine bounds a push.
const WebhookTimeout = 10 * time.Second

// NewWebhookClient returns the HTTP client that posts to control rooms. It
// connects only to public addresses, checked on the resolved address of
// every connection (so DNS rebinding cannot reach an internal service),
// unless the URL's host is in allowed; it uses no proxy from the environment
// and follows no redirects: a redirect is a failed delivery.
func NewWebhookClient(timeout time.Duration, allowed AllowedHosts) *http.Client {
	guarded := &net.Dialer{Timeout: timeout, Control: refuseBlocked}
	open := &net.Dialer{Timeout: timeout}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		if host, port, err := net.SplitHostPort(addr); err == nil && allowed.Allows(host, port) {
			return open.DialContext(ctx, network, addr)
		}
		return guarded.DialContext(ctx, network, addr)
	}
	tr := &http.Transport{Proxy: nil, DialContext: dial, ForceAttemptHTTP2: true, MaxIdleConns: 20,
		IdleConnTimeout: 90 * time.Second, TLSHandshakeTimeout: timeout, ExpectContinueTimeout: time.Second}
	return &http.Client{Timeout: timeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
