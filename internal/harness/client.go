package harness

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// Client talks to one SpeakSafe base URL.
type Client struct {
	Base string
	HTTP *http.Client
}

// NewClient returns a client for base with a connection pool sized for
// conc concurrent requests.
func NewClient(base string, conc int) *Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conc * 2,
		MaxIdleConnsPerHost: conc * 2,
		IdleConnTimeout:     30 * time.Second,
	}
	return &Client{Base: base, HTTP: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// Request is one HTTP request.
type Request struct {
	Method  string
	Path    string
	Token   string
	Body    any // encoded as JSON when not nil
	Headers map[string]string
}

// Response is the status, headers and body of an answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends r and reads the whole answer.
func (c *Client) Do(ctx context.Context, r Request) (Response, error) {
	var body io.Reader
	if r.Body != nil {
		b, err := json.Marshal(r.Body)
		if err != nil {
			return Response{}, err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, c.Base+r.Path, body)
	if err != nil {
		return Response{}, err
	}
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	res, err := c.HTTP.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return Response{}, err
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: b}, nil
}

// JSON sends r, requires status want and decodes the answer into out (which
// may be nil).
func (c *Client) JSON(ctx context.Context, r Request, want int, out any) error {
	res, err := c.Do(ctx, r)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
	}
	if res.Status != want {
		return fmt.Errorf("%s %s: got %d, want %d: %s", r.Method, r.Path, res.Status, want, res.Body)
	}
	if out != nil {
		if err := json.Unmarshal(res.Body, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", r.Method, r.Path, err)
		}
	}
	return nil
}

// RandomHex returns n random bytes in hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ClientAddr returns a random address from 198.18.0.0/15, the range set
// aside for benchmarking (RFC 2544). It is only ever a header value: the
// harness sends X-Forwarded-For through a trusted loopback "proxy" so that
// every simulated child has its own rate-limit bucket. No traffic goes there.
func ClientAddr() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("198.%d.%d.%d", 18+b[0]%2, b[1], 1+b[2]%254)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
