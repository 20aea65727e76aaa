package securitytest

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"speaksafe/internal/harness"
)

// Items 13, 15 and 16: a child uses every anonymous route with identifying
// values in every header a phone or proxy could send; then the server is
// stopped and every byte it wrote — the store's files and its whole log —
// is searched. None of the identifiers, no receipt, and none of the report
// text, handle, contact details or messages may be found in plaintext.
func TestSecurity13AnonymousRoutesStoreNoClientIdentifiers(t *testing.T) {
	t.Parallel()
	// LOG_LEVEL=debug: even the chattiest log must not carry them.
	s := startServer(t, harness.ServerConfig{Extra: []string{"LOG_LEVEL=debug"}})
	tag := strings.ToUpper(harness.RandomHex(6))
	ip := "203.0.113." + string('1'+rune(tag[0]%8))
	ipMarker := ip + "7"
	identifiers := map[string]string{
		"X-Forwarded-For":      ipMarker,
		"X-Real-Ip":            "198.51.100.77",
		"User-Agent":           "UAMARK" + tag + " SpeakSafe/1.0 (iPhone; iOS 17.1)",
		"X-Device-Id":          "DEVMARK" + tag,
		"X-Request-Id":         "REQMARK" + tag,
		"Cookie":               "fp=COOKIEMARK" + tag,
		"Referer":              "https://refmark" + strings.ToLower(tag) + ".test/",
		"X-Client-Fingerprint": "FPMARK" + tag,
	}
	with := func(extra map[string]string) map[string]string {
		h := map[string]string{}
		for k, v := range identifiers {
			h[k] = v
		}
		for k, v := range extra {
			h[k] = v
		}
		return h
	}
	secrets := []string{"TEXTMARK" + tag, "HANDLEMARK" + tag, "NAMEMARK" + tag, "07700" + digits(6), "MSGMARK" + tag}
	body := harness.ReportBody(s.force.Code, false, secrets[0])
	body["answers"].(map[string]any)["handles"] = []map[string]string{{"platform": "game", "handle": secrets[1]}}
	body["contact"] = map[string]any{"name": secrets[2], "phone": secrets[3], "mayContact": true}
	res := do(t, s.c, harness.Request{Method: http.MethodPost, Path: "/v1/reports", Body: body,
		Headers: with(map[string]string{"Idempotency-Key": "sec-" + harness.RandomHex(16)})})
	must(t, res, http.StatusCreated, "identified report with markers")
	var rc harness.Receipt
	decodeJSON(t, res.Body, &rc)
	urgent := harness.ReportBody(s.force.Code, true, secrets[0])
	res = do(t, s.c, harness.Request{Method: http.MethodPost, Path: "/v1/reports", Body: urgent,
		Headers: with(map[string]string{"Idempotency-Key": "sec-" + harness.RandomHex(16)})})
	must(t, res, http.StatusCreated, "urgent report with markers")
	var urc harness.Receipt
	decodeJSON(t, res.Body, &urc)
	res = do(t, s.c, harness.Request{Method: http.MethodPost, Path: "/v1/reports/session", Headers: with(nil),
		Body: map[string]string{"reference": rc.Reference, "receipt": rc.Receipt}})
	must(t, res, http.StatusCreated, "session")
	var sess struct {
		Token string `json:"token"`
	}
	decodeJSON(t, res.Body, &sess)
	do(t, s.c, harness.Request{Method: http.MethodPost, Path: "/v1/reports/session", Headers: with(nil),
		Body: map[string]string{"reference": rc.Reference, "receipt": "AAAA-BBBB-CCCC-DDDD"}})
	must(t, do(t, s.c, harness.Request{Method: http.MethodGet, Path: "/v1/reporter/case", Token: sess.Token, Headers: with(nil)}), http.StatusOK, "case view")
	must(t, do(t, s.c, harness.Request{Method: http.MethodPost, Path: "/v1/reporter/case/messages", Token: sess.Token, Headers: with(nil),
		Body: map[string]string{"body": secrets[4]}}), http.StatusCreated, "message")
	for _, p := range []string{"/v1/content", "/v1/helplines", "/v1/content/changes"} {
		do(t, s.c, harness.Request{Method: http.MethodGet, Path: p, Headers: with(nil)})
	}
	// The officer reads the case, so decrypting paths have run and logged.
	queue, err := s.c.Queue(context.Background(), s.force.Officer.Token, "")
	if err != nil {
		t.Fatal(err)
	}
	queued := map[string]bool{}
	for _, c := range queue {
		queued[c.Reference] = true
	}
	if !queued[rc.Reference] || !queued[urc.Reference] {
		t.Fatalf("the officer's queue (%d cases) lacks the two marked reports: the decrypting paths would not run", len(queue))
	}
	for _, c := range queue {
		must(t, do(t, s.c, harness.Request{Method: http.MethodGet, Path: "/v1/cases/" + c.ID, Token: s.force.Officer.Token}), http.StatusOK, "officer opens case")
	}
	if err := s.proc.Stop(30 * time.Second); err != nil {
		t.Fatalf("stop: %v", err)
	}

	files := readTree(t, s.dataDir)
	logs := []byte(s.proc.Logs())
	if len(files) == 0 || !bytes.Contains(files, []byte(rc.Reference)) {
		t.Fatalf("the store's files do not even hold the reference %s: the search would prove nothing", rc.Reference)
	}
	look := map[string]string{"X-Forwarded-For address": ipMarker, "X-Real-Ip address": "198.51.100.77"}
	for k, v := range identifiers {
		if k != "X-Forwarded-For" && k != "X-Real-Ip" && k != "User-Agent" && k != "Referer" {
			look[k] = v
		}
	}
	look["User-Agent"] = "UAMARK" + tag
	look["Referer"] = "refmark" + strings.ToLower(tag)
	look["receipt"] = rc.Receipt
	look["urgent receipt"] = urc.Receipt
	look["receipt without dashes"] = strings.ReplaceAll(rc.Receipt, "-", "")
	look["reporter session token"] = sess.Token
	for i, v := range secrets {
		look[[]string{"report text", "online handle", "contact name", "contact phone", "reporter message"}[i]] = v
	}
	for what, v := range look {
		if bytes.Contains(files, []byte(v)) {
			t.Errorf("the store's files hold the %s (%q) in plaintext", what, v)
		}
		if bytes.Contains(logs, []byte(v)) {
			t.Errorf("the server log holds the %s (%q)", what, v)
		}
	}
}

// readTree returns the concatenated bytes of every file under dir.
func readTree(t *testing.T, dir string) []byte {
	t.Helper()
	var all []byte
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		all = append(all, b...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

// Item 17: sensitive responses say Cache-Control: no-store.
func TestSecurity17SensitiveResponsesAreNoStore(t *testing.T) {
	t.Parallel()
	s := startServer(t, harness.ServerConfig{})
	res := do(t, s.c, harness.Request{Method: http.MethodPost, Path: "/v1/reports", Headers: key(), Body: harness.ReportBody(s.force.Code, false, "")})
	must(t, res, http.StatusCreated, "report")
	check := func(what string, res harness.Response) {
		t.Helper()
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("%s (%d): Cache-Control %q, want no-store", what, res.Status, cc)
		}
	}
	check("report answer (receipt)", res)
	var rc harness.Receipt
	decodeJSON(t, res.Body, &rc)
	res = do(t, s.c, harness.Request{Method: http.MethodPost, Path: "/v1/reports/session", Headers: map[string]string{"X-Forwarded-For": harness.ClientAddr()},
		Body: map[string]string{"reference": rc.Reference, "receipt": rc.Receipt}})
	check("reporter session", res)
	var sess struct {
		Token string `json:"token"`
	}
	decodeJSON(t, res.Body, &sess)
	check("wrong receipt", do(t, s.c, harness.Request{Method: http.MethodPost, Path: "/v1/reports/session", Headers: map[string]string{"X-Forwarded-For": harness.ClientAddr()},
		Body: map[string]string{"reference": rc.Reference, "receipt": "AAAA-BBBB-CCCC-DDDD"}}))
	check("reporter case", do(t, s.c, harness.Request{Method: http.MethodGet, Path: "/v1/reporter/case", Token: sess.Token}))
	check("case queue", do(t, s.c, harness.Request{Method: http.MethodGet, Path: "/v1/cases", Token: s.force.Officer.Token}))
	queue, err := s.c.Queue(context.Background(), s.force.Officer.Token, "")
	if err != nil || len(queue) == 0 {
		t.Fatalf("queue: %v %d", err, len(queue))
	}
	check("case detail", do(t, s.c, harness.Request{Method: http.MethodGet, Path: "/v1/cases/" + queue[0].ID, Token: s.force.Officer.Token}))
	check("sign-in", do(t, s.c, harness.Request{Method: http.MethodPost, Path: "/v1/auth/login", Headers: map[string]string{"X-Forwarded-For": harness.ClientAddr()},
		Body: map[string]string{"email": s.force.Officer.Email, "password": s.force.Officer.Password}}))
	check("me", do(t, s.c, harness.Request{Method: http.MethodGet, Path: "/v1/me", Token: s.force.Officer.Token}))
	check("alerts", do(t, s.c, harness.Request{Method: http.MethodGet, Path: "/v1/alerts", Token: s.force.Officer.Token}))
}

// digits returns n random decimal digits.
func digits(n int) string {
	h := harness.RandomHex(n)
	out := make([]byte, n)
	for i := range out {
		out[i] = '0' + h[i]%10
	}
	return string(out)
}
