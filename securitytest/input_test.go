package securitytest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"speaksafe/internal/harness"
)

// Item 8: client JSON never reaches a MongoDB filter as an operator.
func TestSecurity08NoClientJSONReachesAMongoFilter(t *testing.T) {
	t.Parallel()
	s := startServer(t, harness.ServerConfig{})
	ctx := context.Background()
	before, err := s.c.Queue(ctx, s.force.Officer.Token, "")
	if err != nil {
		t.Fatal(err)
	}
	hostile := []struct {
		name string
		r    harness.Request
	}{
		{"session with operators", harness.Request{Method: http.MethodPost, Path: "/v1/reports/session",
			Body: map[string]any{"reference": map[string]string{"$ne": ""}, "receipt": map[string]string{"$gt": ""}}}},
		{"report with an operator for the force", harness.Request{Method: http.MethodPost, Path: "/v1/reports", Headers: key(),
			Body: map[string]any{"forceCode": map[string]string{"$ne": ""}, "category": "something_else", "whatHappened": "x"}}},
		{"report with an operator for the category", harness.Request{Method: http.MethodPost, Path: "/v1/reports", Headers: key(),
			Body: map[string]any{"forceCode": s.force.Code, "category": map[string]string{"$exists": "true"}, "whatHappened": "x"}}},
		{"login with operators", harness.Request{Method: http.MethodPost, Path: "/v1/auth/login",
			Body: map[string]any{"email": map[string]string{"$ne": ""}, "password": map[string]string{"$ne": ""}}}},
		{"refresh with an operator", harness.Request{Method: http.MethodPost, Path: "/v1/auth/refresh",
			Body: map[string]any{"refreshToken": map[string]string{"$ne": ""}}}},
		{"invite with an operator", harness.Request{Method: http.MethodPost, Path: "/v1/auth/invite/accept",
			Body: map[string]any{"inviteToken": map[string]string{"$ne": ""}, "password": "long-enough-password"}}},
	}
	for _, h := range hostile {
		if h.r.Headers == nil {
			h.r.Headers = map[string]string{"X-Forwarded-For": harness.ClientAddr()}
		}
		res := do(t, s.c, h.r)
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400: %s", h.name, res.Status, fmtBody(res.Body))
		}
	}
	for _, q := range []string{"status[$ne]=closed", "category[$ne]=x", "cursor[$gt]="} {
		res := do(t, s.c, harness.Request{Method: http.MethodGet, Path: "/v1/cases?" + q, Token: s.force.Officer.Token})
		if res.Status != http.StatusBadRequest && res.Status != http.StatusOK {
			t.Errorf("queue ?%s: got %d, want 400 (or the operator ignored as an unknown parameter)", q, res.Status)
		}
	}
	after, err := s.c.Queue(ctx, s.force.Officer.Token, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("hostile requests opened cases: %d before, %d after", len(before), len(after))
	}
}

// Item 10: a small body limit, field caps and page limits ≤ 100.
func TestSecurity10BodyFieldAndPageLimits(t *testing.T) {
	t.Parallel()
	s := startServer(t, harness.ServerConfig{})
	// A 70 kB report is refused from its Content-Length, before the body is
	// read; a client writing the body regardless may see the connection
	// closed under it, so this asks with the headers alone.
	if status := oversizedStatus(t, s.c.Base, "/v1/reports", 70_000); status != http.StatusRequestEntityTooLarge {
		t.Errorf("70 kB report: got %d, want 413", status)
	}
	long := harness.ReportBody(s.force.Code, false, "")
	long["whatHappened"] = strings.Repeat("y", 5001)
	res := do(t, s.c, harness.Request{Method: http.MethodPost, Path: "/v1/reports", Headers: key(), Body: long})
	if res.Status != http.StatusBadRequest || !bytes.Contains(res.Body, []byte("whatHappened")) {
		t.Errorf("5001-character report: got %d %s, want 400 naming whatHappened", res.Status, fmtBody(res.Body))
	}
	for _, p := range []struct{ path, token string }{
		{"/v1/cases?limit=101", s.force.Officer.Token},
		{"/v1/content?limit=101", ""},
		{"/v1/users?limit=101", s.admin},
		{"/v1/organisations?limit=101", s.admin},
	} {
		res := do(t, s.c, harness.Request{Method: http.MethodGet, Path: p.path, Token: p.token})
		if res.Status != http.StatusBadRequest {
			t.Errorf("GET %s: got %d, want 400", p.path, res.Status)
		}
	}
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// Item 11: every operation that takes a JSON body answers hostile bodies
// with a clear 4xx problem, never a 500.
func TestSecurity11HostileBodiesGetClear4xxOnEveryRoute(t *testing.T) {
	t.Parallel()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join(root, "mobile-api.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := startServer(t, harness.ServerConfig{})
	deep := strings.Repeat(`{"a":`, 200) + "1" + strings.Repeat("}", 200)
	bodies := []struct{ name, contentType, body string }{
		{"invalid UTF-8", "application/json", "{\"name\":\"\xff\xfe\"}"},
		{"duplicate keys", "application/json", `{"name":"a","name":"b"}`},
		{"deep nesting", "application/json", deep},
		{"truncated", "application/json", `{"name":`},
		{"wrong content type", "text/plain", `{"name":"a"}`},
		{"array", "application/json", `[1,2,3]`},
	}
	paths := doc.Paths.Map()
	keys := make([]string, 0, len(paths))
	for k := range paths {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tokens := map[string]string{"admin": s.admin, "officer": s.force.Officer.Token, "supervisor": s.force.Supervisor.Token}
	checked := 0
	for _, p := range keys {
		for method, op := range paths[p].Operations() {
			if op.RequestBody == nil {
				continue
			}
			path := pathParam.ReplaceAllString(p, "0123456789abcdef0123456789abcdef")
			for who, tok := range tokens {
				for _, b := range bodies {
					req, _ := http.NewRequest(method, s.c.Base+path, strings.NewReader(b.body))
					req.Header.Set("Content-Type", b.contentType)
					req.Header.Set("Authorization", "Bearer "+tok)
					req.Header.Set("Idempotency-Key", "sec-"+harness.RandomHex(16))
					req.Header.Set("X-Forwarded-For", harness.ClientAddr())
					res, err := s.c.HTTP.Do(req)
					if err != nil {
						t.Fatalf("%s %s: %v", method, path, err)
					}
					res.Body.Close()
					checked++
					if res.StatusCode >= 500 || res.StatusCode < 400 {
						t.Errorf("%s %s as %s with %s: got %d, want a 4xx", method, p, who, b.name, res.StatusCode)
					}
					if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
						t.Errorf("%s %s as %s with %s: content type %q, want problem+json", method, p, who, b.name, ct)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("the contract lists no operation with a request body")
	}
	t.Logf("%d hostile requests over every operation with a body", checked)
}

// Item 18: no uploads of images; the answer points to Report Remove.
func TestSecurity18NoImageUploadsAndReportRemoveGuidance(t *testing.T) {
	t.Parallel()
	s := startServer(t, harness.ServerConfig{})
	for _, ct := range []string{"multipart/form-data; boundary=x", "image/jpeg", "application/octet-stream", "video/mp4"} {
		req, _ := http.NewRequest(http.MethodPost, s.c.Base+"/v1/reports", strings.NewReader("--x\r\nContent-Type: image/jpeg\r\n\r\n\xff\xd8\xff\r\n--x--"))
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Idempotency-Key", "sec-"+harness.RandomHex(16))
		res, err := s.c.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnsupportedMediaType {
			t.Errorf("report as %s: got %d, want 415", ct, res.StatusCode)
		}
	}
	res := do(t, s.c, harness.Request{Method: http.MethodPost, Path: "/v1/reports", Headers: key(),
		Body: harness.ReportBody(s.force.Code, false, "")})
	must(t, res, http.StatusCreated, "report")
	if !bytes.Contains(res.Body, []byte(`"images"`)) || !bytes.Contains(bytes.ToLower(res.Body), []byte("report-remove")) &&
		!bytes.Contains(bytes.ToLower(res.Body), []byte("report remove")) {
		t.Errorf("the report's answer does not point to Report Remove: %s", fmtBody(res.Body))
	}
}

// oversizedStatus announces a JSON body of n bytes to path on base and
// returns the status the server answers before any of it is sent.
func oversizedStatus(t *testing.T, base, path string, n int) int {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nIdempotency-Key: sec-%s\r\nContent-Length: %d\r\n\r\n",
		path, u.Host, harness.RandomHex(16), n)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
