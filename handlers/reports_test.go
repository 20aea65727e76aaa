package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/apptest"
	"speaksafe/dbtest"
	"speaksafe/server"
)

type reportAnswer struct {
	Reference string `json:"reference"`
	Receipt   string `json:"receipt"`
	Urgent    bool   `json:"urgent"`
	Guidance  struct {
		CallEmergencyNow bool `json:"callEmergencyNow"`
		Images           struct {
			URL string `json:"url"`
		} `json:"images"`
	} `json:"guidance"`
}

var reportKeys struct {
	mu sync.Mutex
	n  int
}

func freshKey() string {
	reportKeys.mu.Lock()
	defer reportKeys.mu.Unlock()
	reportKeys.n++
	return fmt.Sprintf("0b1e-key-%08d-5c2a", reportKeys.n)
}

func postReport(t testing.TB, app *apptest.App, key string, body any, headers map[string]string) *apptest.Response {
	t.Helper()
	h := map[string]string{"Idempotency-Key": key}
	for k, v := range headers {
		h[k] = v
	}
	return app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reports", Body: body, Header: h})
}

func routineReport(forceCode, text string) map[string]any {
	return map[string]any{"forceCode": forceCode, "category": "gifts_or_money", "whatHappened": text}
}

// dumpCollections returns every document of every collection of the app's
// database as extended JSON.
func dumpCollections(t *testing.T, app *apptest.App) string {
	t.Helper()
	return dbtest.Dump(t, app.DB)
}

func countDocs(t *testing.T, app *apptest.App, coll string) int64 {
	t.Helper()
	n, err := app.DB.Collection(coll).CountDocuments(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// An anonymous report, a return visit and a message, all sent with marker
// values in every identifying header and from a marker address: no marker
// is in any collection or any log line, and neither is the report text or
// the receipt.
func TestAnonymousReportLeavesNoTrace(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithConfig(func(c *server.Config) {
		// Fiber's test connection is 0.0.0.0: trusting it makes the
		// X-Forwarded-For marker the client address the rate limiter sees.
		c.TrustedProxies = []string{"0.0.0.0"}
	}))
	force := app.CreateForce(t, "")
	markers := map[string]string{
		"X-Forwarded-For": "203.0.113.199", "User-Agent": "MarkerAgent/7.7.7-ua",
		"X-Real-IP": "203.0.113.198", "Forwarded": "for=203.0.113.197", "X-Device-Id": "device-marker-42",
		"X-Request-ID": "reqid-marker-43", "Referer": "https://referer-marker.example/", "Cookie": "sid=cookie-marker-44",
		"X-Firebase-Token": "fcm-marker-45", "Accept-Language": "xx-MARKERLANG",
	}
	const text = "TEXT-MARKER-8812 he asked me for photos"
	res := postReport(t, app, freshKey(), routineReport(force.Code, text), markers)
	if res.Status != http.StatusCreated {
		t.Fatalf("report: got %d, want 201; %s", res.Status, res.Body)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("report Cache-Control: got %q, want no-store", cc)
	}
	var ans reportAnswer
	res.Decode(t, &ans)
	sess := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reports/session", Header: markers,
		Body: map[string]string{"reference": ans.Reference, "receipt": ans.Receipt}})
	if sess.Status != http.StatusCreated {
		t.Fatalf("session: got %d; %s", sess.Status, sess.Body)
	}
	var s struct{ Token string }
	sess.Decode(t, &s)
	msg := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reporter/case/messages", Token: s.Token,
		Header: markers, Body: map[string]string{"body": "MSG-MARKER-9921 he did it again"}})
	if msg.Status != http.StatusCreated {
		t.Fatalf("message: got %d; %s", msg.Status, msg.Body)
	}
	view := app.Do(t, apptest.Request{Method: http.MethodGet, Path: "/v1/reporter/case", Token: s.Token, Header: markers})
	if view.Status != http.StatusOK || view.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("reporter case: got %d Cache-Control %q, want 200 no-store", view.Status, view.Header.Get("Cache-Control"))
	}

	dump, logs := dumpCollections(t, app), app.Logs.String()
	if !strings.Contains(dump, ans.Reference) {
		t.Fatal("the dump does not hold the reference: is it reading every collection?")
	}
	if !strings.Contains(logs, "/v1/reporter/case/messages") {
		t.Fatal("no access log line for the message: are the logs captured?")
	}
	secrets := []string{"TEXT-MARKER-8812", "MSG-MARKER-9921", ans.Receipt, strings.ReplaceAll(ans.Receipt, "-", ""), s.Token}
	for _, v := range markers {
		secrets = append(secrets, v)
	}
	secrets = append(secrets, "203.0.113.199", "203.0.113.198", "203.0.113.197", "MarkerAgent", "device-marker", "reqid-marker",
		"referer-marker", "cookie-marker", "fcm-marker", "MARKERLANG")
	for _, m := range secrets {
		if strings.Contains(dump, m) {
			t.Errorf("the database holds %q", m)
		}
		if strings.Contains(logs, m) {
			t.Errorf("the logs hold %q", m)
		}
	}
}

func TestReportIdempotencyOverHTTP(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	key := freshKey()
	body := routineReport(force.Code, "twenty taps on send")
	const n = 20
	answers := make([]reportAnswer, n)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := postReport(t, app, key, body, nil)
			statuses[i] = res.Status
			if res.Status == http.StatusCreated {
				res.Decode(t, &answers[i])
			}
		}()
	}
	wg.Wait()
	for i := range n {
		if statuses[i] != http.StatusCreated || answers[i].Reference != answers[0].Reference || answers[i].Receipt != answers[0].Receipt {
			t.Errorf("submission %d: got %d %s, want 201 %s", i, statuses[i], answers[i].Reference, answers[0].Reference)
		}
	}
	if got := countDocs(t, app, "cases"); got != 1 {
		t.Errorf("cases after 20 submissions with one key: got %d, want 1", got)
	}
	other := postReport(t, app, key, routineReport(force.Code, "a different report"), nil)
	if other.Status != http.StatusConflict {
		t.Errorf("same key, other body: got %d, want 409", other.Status)
	}
	if res := postReport(t, app, "", body, nil); res.Status != http.StatusBadRequest {
		t.Errorf("no Idempotency-Key: got %d, want 400", res.Status)
	}
}

func TestReportRejectsInjectionAndUploads(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	res := postReport(t, app, freshKey(), routineReport(force.Code, "x"), nil)
	var ans reportAnswer
	res.Decode(t, &ans)
	sessionBodies := []string{
		`{"reference":{"$ne":""},"receipt":{"$gt":""}}`,
		`{"reference":"` + ans.Reference + `","receipt":{"$ne":""}}`,
		`{"reference":{"$regex":".*"},"receipt":"x"}`,
		`{"reference":["` + ans.Reference + `"],"receipt":"x"}`,
		`{"reference":"a","reference":"b","receipt":"x"}`,
	}
	for _, b := range sessionBodies {
		r := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reports/session", Body: b})
		if r.Status != http.StatusBadRequest {
			t.Errorf("session %s: got %d, want 400", b, r.Status)
		}
	}
	if n := countDocs(t, app, "reporter_sessions"); n != 0 {
		t.Errorf("sessions opened by injection bodies: %d", n)
	}
	reportBodies := []string{
		`{"forceCode":{"$ne":""},"category":"something_else","whatHappened":"x"}`,
		`{"forceCode":"` + force.Code + `","category":{"$in":["x"]},"whatHappened":"x"}`,
		`{"forceCode":"` + force.Code + `","category":"something_else","whatHappened":"x","answers":{"image":"iVBORw0KGgo="}}`,
		`{"forceCode":"` + force.Code + `","category":"something_else","whatHappened":"x","Category":"images_shared"}`,
		`{"forceCode":"` + force.Code + `","category":"something_else","whatHappened":"x","answers":{"handles":[{"handle":{"$gt":""}}]}}`,
	}
	for _, b := range reportBodies {
		if r := postReport(t, app, freshKey(), b, nil); r.Status != http.StatusBadRequest {
			t.Errorf("report %s: got %d, want 400", b, r.Status)
		}
	}
	upload := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reports",
		Header: map[string]string{"Idempotency-Key": freshKey(), "Content-Type": "multipart/form-data; boundary=x"},
		Body:   []byte("--x\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n\r\n\xff\xd8\xff\r\n--x--\r\n")})
	if upload.Status != http.StatusUnsupportedMediaType {
		t.Errorf("image upload: got %d, want 415", upload.Status)
	}
	if n := countDocs(t, app, "cases"); n != 1 {
		t.Errorf("cases: got %d, want only the first report", n)
	}
}

func TestSessionWrongReceiptAndUnknownReferenceAnswerAlike(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	var ans reportAnswer
	postReport(t, app, freshKey(), routineReport(force.Code, "x"), nil).Decode(t, &ans)
	wrong := app.Post(t, "/v1/reports/session", "", map[string]string{"reference": ans.Reference, "receipt": "2222-3333-4444-5555"})
	unknown := app.Post(t, "/v1/reports/session", "", map[string]string{"reference": "SS-2222-3333", "receipt": ans.Receipt})
	if wrong.Status != http.StatusUnauthorized || unknown.Status != http.StatusUnauthorized {
		t.Fatalf("got %d and %d, want 401 and 401", wrong.Status, unknown.Status)
	}
	strip := func(b []byte) string { // the request id differs by design
		s := string(b)
		if i := strings.Index(s, `"requestId"`); i >= 0 {
			s = s[:i]
		}
		return s
	}
	if strip(wrong.Body) != strip(unknown.Body) {
		t.Errorf("answers differ:\n%s\n%s", wrong.Body, unknown.Body)
	}
}

// An urgent report answers "call 999" and leaves an open alert whose id is
// the case id; the officer's acknowledgement (moving the case on) stops it.
func TestUrgentReportOpensAlert(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	body := routineReport(w.ForceA.Code, "he is outside now")
	body["answers"] = map[string]any{"inDangerNow": true}
	res := postReport(t, app, freshKey(), body, nil)
	if res.Status != http.StatusCreated {
		t.Fatalf("urgent report: got %d; %s", res.Status, res.Body)
	}
	var ans reportAnswer
	res.Decode(t, &ans)
	if !ans.Urgent || !ans.Guidance.CallEmergencyNow {
		t.Errorf("got urgent=%v callEmergencyNow=%v, want true, true", ans.Urgent, ans.Guidance.CallEmergencyNow)
	}
	var c struct {
		ID string `bson:"_id"`
	}
	if err := app.DB.Collection("cases").FindOne(context.Background(), bson.D{{Key: "reference", Value: ans.Reference}}).Decode(&c); err != nil {
		t.Fatal(err)
	}
	if n, _ := app.DB.Collection("alerts").CountDocuments(context.Background(), bson.D{{Key: "_id", Value: c.ID}}); n != 1 {
		t.Errorf("alerts with the case's id: got %d, want 1", n)
	}
	officer := w.Who(t, "forceA/officer")
	ack := app.Post(t, "/v1/cases/"+c.ID+"/status", officer.Token, map[string]string{"status": "acknowledged"})
	if ack.Status != http.StatusOK {
		t.Fatalf("acknowledge: got %d; %s", ack.Status, ack.Body)
	}
	var alert struct {
		State string `bson:"state"`
	}
	if err := app.DB.Collection("alerts").FindOne(context.Background(), bson.D{{Key: "_id", Value: c.ID}}).Decode(&alert); err != nil {
		t.Fatal(err)
	}
	if alert.State != "acknowledged" {
		t.Errorf("alert state after the case was acknowledged: got %q, want acknowledged", alert.State)
	}
}
