// Package fcmfake is a local HTTP server that speaks the Firebase Cloud
// Messaging HTTP v1 API (POST /v1/projects/{project}/messages:send). Tests
// and local runs point the real Firebase SDK at it (FCM_ENDPOINT) to see
// exactly what would be pushed, and to make FCM fail the ways it fails in
// production: 503 UNAVAILABLE, 429 QUOTA_EXCEEDED with Retry-After, and
// 404 UNREGISTERED for a given token.
package fcmfake

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Request is one send request as the server received it.
type Request struct {
	Project string
	// Token is message.token from the body.
	Token string
	// Body is the raw JSON body, to check what a push carries.
	Body []byte
	// Message is the decoded "message" object of the body.
	Message map[string]any
	// Status is the HTTP status the server answered.
	Status int
	// At is when the request arrived (server clock).
	At time.Time
}

// Delivered reports whether the server accepted the message.
func (r Request) Delivered() bool { return r.Status == http.StatusOK }

// Server is a fake FCM endpoint. Its zero value is not usable: call New.
type Server struct {
	ts *httptest.Server

	mu           sync.Mutex
	requests     []Request
	changed      chan struct{}
	unavailable  bool
	failNext     int
	failStatus   int
	retryAfter   time.Duration
	unregistered map[string]bool
	onRequest    func(Request)
	seq          int
	hold         chan struct{} // while non-nil, requests wait for it to close
	inFlight     int
}

// New starts a server on a loopback port. It stops when Close is called.
func New() *Server {
	s := &Server{changed: make(chan struct{}), unregistered: map[string]bool{}}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Handler returns the server's handler, to mount it elsewhere.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serve) }

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// Endpoint is the value for FCM_ENDPOINT / option.WithEndpoint: the base
// under which the SDK appends /projects/{p}/messages:send.
func (s *Server) Endpoint() string { return s.ts.URL + "/v1" }

// SetUnavailable makes every request fail with 503 UNAVAILABLE until it is
// called again with false.
func (s *Server) SetUnavailable(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unavailable = on
}

// FailNext makes the next n requests fail with status (503 → UNAVAILABLE,
// 429 → QUOTA_EXCEEDED, 500 → INTERNAL), sending Retry-After when
// retryAfter > 0.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext, s.failStatus, s.retryAfter = n, status, retryAfter
}

// Hold makes every new request wait, unanswered, until Hold(false) or
// until its client gives up: a push service that hangs.
func (s *Server) Hold(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case on && s.hold == nil:
		s.hold = make(chan struct{})
	case !on && s.hold != nil:
		close(s.hold)
		s.hold = nil
	}
}

// InFlight returns how many requests are being held whose client is still
// waiting for the answer.
func (s *Server) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inFlight
}

// WaitInFlight blocks until at least n requests are held at once, or ctx
// ends.
func (s *Server) WaitInFlight(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		ok := s.inFlight >= n
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("fcmfake: %w", ctx.Err())
		case <-ch:
		}
	}
}

// wait holds a request while Hold is on; false when its client went away.
func (s *Server) wait(r *http.Request) bool {
	s.mu.Lock()
	hold := s.hold
	if hold != nil {
		s.inFlight++
		close(s.changed)
		s.changed = make(chan struct{})
	}
	s.mu.Unlock()
	if hold == nil {
		return true
	}
	defer func() {
		s.mu.Lock()
		s.inFlight--
		s.mu.Unlock()
	}()
	select {
	case <-hold:
		return true
	case <-r.Context().Done():
		return false
	}
}

// Unregister makes every request for token fail with UNREGISTERED, as FCM
// does after an app is uninstalled.
func (s *Server) Unregister(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unregistered[token] = true
}

// OnRequest sets a function called (outside the lock) for every request
// after it is recorded; benchmarks use it to timestamp arrivals.
func (s *Server) OnRequest(f func(Request)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onRequest = f
}

// Requests returns a copy of every request received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// DeliveredTo returns the accepted requests for token.
func (s *Server) DeliveredTo(token string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Token == token && r.Delivered() {
			out = append(out, r)
		}
	}
	return out
}

// Wait blocks until cond holds for the recorded requests or ctx ends. It
// wakes on every new request, so tests need no sleeps.
func (s *Server) Wait(ctx context.Context, cond func([]Request) bool) error {
	for {
		s.mu.Lock()
		ok := cond(s.requests)
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("fcmfake: %w", ctx.Err())
		case <-ch:
		}
	}
}

// WaitDelivered blocks until at least n requests were accepted or ctx ends.
func (s *Server) WaitDelivered(ctx context.Context, n int) error {
	return s.Wait(ctx, func(rs []Request) bool {
		c := 0
		for _, r := range rs {
			if r.Delivered() {
				c++
			}
		}
		return c >= n
	})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	project, ok := parsePath(r.URL.Path)
	if r.Method != http.MethodPost || !ok {
		writeError(w, http.StatusNotFound, "NOT_FOUND", "", 0)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "", 0)
		return
	}
	var envelope struct {
		Message map[string]any `json:"message"`
	}
	if err := json.Unmarshal(body, &envelope); err != nil || envelope.Message == nil {
		writeError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "", 0)
		return
	}
	token, _ := envelope.Message["token"].(string)
	if !s.wait(r) {
		return
	}
	req := Request{Project: project, Token: token, Body: body, Message: envelope.Message, At: time.Now()}

	s.mu.Lock()
	status, fcmCode, retryAfter := s.decide(token)
	req.Status = status
	s.requests = append(s.requests, req)
	s.seq++
	seq := s.seq
	close(s.changed)
	s.changed = make(chan struct{})
	hook := s.onRequest
	s.mu.Unlock()
	if hook != nil {
		hook(req)
	}

	if status != http.StatusOK {
		writeError(w, status, grpcStatus(status), fcmCode, retryAfter)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"name": fmt.Sprintf("projects/%s/messages/%d", project, seq)})
}

// decide picks the answer for one request; the caller holds s.mu.
func (s *Server) decide(token string) (status int, fcmCode string, retryAfter time.Duration) {
	switch {
	case s.unregistered[token]:
		return http.StatusNotFound, "UNREGISTERED", 0
	case s.unavailable:
		return http.StatusServiceUnavailable, "UNAVAILABLE", 0
	case s.failNext > 0:
		s.failNext--
		code := map[int]string{429: "QUOTA_EXCEEDED", 503: "UNAVAILABLE", 500: "INTERNAL"}[s.failStatus]
		return s.failStatus, code, s.retryAfter
	}
	return http.StatusOK, "", 0
}

func parsePath(p string) (string, bool) {
	rest, ok := strings.CutPrefix(p, "/v1/projects/")
	if !ok {
		return "", false
	}
	project, ok := strings.CutSuffix(rest, "/messages:send")
	return project, ok && project != "" && !strings.Contains(project, "/")
}

func grpcStatus(status int) string {
	switch status {
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	case http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	case http.StatusInternalServerError:
		return "INTERNAL"
	}
	return "INVALID_ARGUMENT"
}

// writeError answers in the FCM v1 error format, with the FcmError detail the
// SDK reads to classify the failure.
func writeError(w http.ResponseWriter, status int, grpc, fcmCode string, retryAfter time.Duration) {
	e := map[string]any{"code": status, "message": "fcmfake: " + strings.ToLower(grpc), "status": grpc}
	if fcmCode != "" {
		e["details"] = []map[string]string{{
			"@type":     "type.googleapis.com/google.firebase.fcm.v1.FcmError",
			"errorCode": fcmCode,
		}}
	}
	if retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((retryAfter+time.Second-1)/time.Second)))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": e})
}
