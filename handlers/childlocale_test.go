package handlers_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"speaksafe/apptest"
	"speaksafe/handlers"
	"speaksafe/reports"
)

type guidanceAnswer struct {
	Urgent   bool `json:"urgent"`
	Guidance struct {
		CallEmergencyNow bool   `json:"callEmergencyNow"`
		WhatHappensNext  string `json:"whatHappensNext"`
		Helplines        []struct {
			Name string `json:"name"`
			When string `json:"when"`
		} `json:"helplines"`
		Images struct {
			Text string `json:"text"`
		} `json:"images"`
	} `json:"guidance"`
}

const (
	welshDanger   = "Os wyt ti mewn perygl nawr"
	englishDanger = "If you are in danger now"
)

// Guidance comes back in the language the child asked for: a `locale`
// field first, then Accept-Language by weight, else English.
func TestReportGuidanceInTheChildsLanguage(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	tests := []struct {
		name, locale, acceptLanguage, want string
	}{
		{"locale cy", "cy", "", "cy"},
		{"Accept-Language cy-GB", "", "cy-GB, en;q=0.5", "cy"},
		{"unsupported first, cy weighted", "", "fr-FR, cy;q=0.3", "cy"},
		{"en weighted above cy", "", "cy;q=0.4, en;q=0.9", "en"},
		{"locale wins over the header", "en", "cy", "en"},
		{"unsupported locale answers in English", "de", "", "en"},
		{"nothing said", "", "", "en"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := routineReport(force.Code, "he keeps sending me gifts")
			if tt.locale != "" {
				body["locale"] = tt.locale
			}
			headers := map[string]string{}
			if tt.acceptLanguage != "" {
				headers["Accept-Language"] = tt.acceptLanguage
			}
			res := postReport(t, app, freshKey(), body, headers)
			if res.Status != http.StatusCreated {
				t.Fatalf("got %d; %s", res.Status, res.Body)
			}
			var ans guidanceAnswer
			res.Decode(t, &ans)
			g := ans.Guidance
			welsh := strings.Contains(g.WhatHappensNext, welshDanger) && strings.Contains(g.Images.Text, "lluniau") &&
				g.Helplines[0].When == "Os wyt ti mewn perygl nawr"
			english := strings.Contains(g.WhatHappensNext, englishDanger) && strings.Contains(g.Images.Text, "photos")
			if (tt.want == "cy" && !welsh) || (tt.want == "en" && !english) {
				t.Errorf("want %s guidance, got %+v", tt.want, g)
			}
			if cl := res.Header.Get("Content-Language"); cl != tt.want {
				t.Errorf("Content-Language: got %q, want %q", cl, tt.want)
			}
		})
	}
}

// Anonymous urgent guidance is honest: the police do not know who or where
// the child is, so in danger now they must call 999. A child who gave
// contact details is told the police may contact them instead. Routine
// guidance says when the team reads reports.
func TestGuidanceIsHonestAboutAnonymityAndHours(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	urgent := routineReport(force.Code, "he is outside my house now")
	urgent["answers"] = map[string]any{"inDangerNow": true}
	var anon guidanceAnswer
	postReport(t, app, freshKey(), urgent, nil).Decode(t, &anon)
	next := anon.Guidance.WhatHappensNext
	if !anon.Urgent || !strings.Contains(next, "do not know who you are or where you are") || !strings.Contains(next, "call 999") {
		t.Errorf("anonymous urgent guidance: got %q, want it to say the police do not know who or where and to call 999", next)
	}
	urgent["contact"] = map[string]any{"phone": "07700 900123", "mayContact": true}
	var known guidanceAnswer
	postReport(t, app, freshKey(), urgent, nil).Decode(t, &known)
	if next := known.Guidance.WhatHappensNext; strings.Contains(next, "do not know who you are") || !strings.Contains(next, "may contact you") {
		t.Errorf("identified urgent guidance: got %q", next)
	}
	var routine guidanceAnswer
	postReport(t, app, freshKey(), routineReport(force.Code, "gifts"), map[string]string{"Accept-Language": "cy"}).Decode(t, &routine)
	if next := routine.Guidance.WhatHappensNext; !strings.Contains(next, "oriau gwaith") {
		t.Errorf("routine guidance in Welsh: got %q, want when the team reads reports", next)
	}
}

func problemOf(t *testing.T, res *apptest.Response) handlers.Problem {
	t.Helper()
	var p handlers.Problem
	res.Decode(t, &p)
	return p
}

// A wrong receipt never tells a child to "sign in": it says what to do
// when the receipt is lost, in their language, with a stable code.
func TestWrongReceiptTellsTheChildWhatToDo(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	var ans reportAnswer
	postReport(t, app, freshKey(), routineReport(force.Code, "x"), nil).Decode(t, &ans)
	for _, tt := range []struct {
		locale string
		want   []string
	}{
		{"", []string{"lost your receipt", "new report", "old reference", "0800 1111"}},
		{"cy", []string{"colli dy dderbynneb", "adroddiad newydd", "hen gyfeirnod", "0800 1111"}},
	} {
		body := map[string]string{"reference": ans.Reference, "receipt": "2222-3333-4444-5555"}
		if tt.locale != "" {
			body["locale"] = tt.locale
		}
		res := app.Post(t, "/v1/reports/session", "", body)
		p := problemOf(t, res)
		if res.Status != http.StatusUnauthorized || p.Code != reports.CodeReceiptNotRecognised {
			t.Fatalf("locale %q: got %d code %q, want 401 %s", tt.locale, res.Status, p.Code, reports.CodeReceiptNotRecognised)
		}
		for _, w := range tt.want {
			if !strings.Contains(p.Detail, w) {
				t.Errorf("locale %q: detail %q does not say %q", tt.locale, p.Detail, w)
			}
		}
		if strings.Contains(strings.ToLower(p.Detail), "sign in") {
			t.Errorf("locale %q: detail tells a child to sign in: %q", tt.locale, p.Detail)
		}
	}
}

// Every error on the reporter routes carries a code and comes back in the
// child's language; a missing session is "session ended", never "sign in".
func TestReporterRouteErrorsAreChildFriendly(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	w := app.NewWorld(t)
	officer := w.Who(t, "forceA/officer")
	var ans reportAnswer
	postReport(t, app, freshKey(), routineReport(w.ForceA.Code, "x"), nil).Decode(t, &ans)

	noSession := app.Do(t, apptest.Request{Method: http.MethodGet, Path: "/v1/reporter/case?locale=cy"})
	p := problemOf(t, noSession)
	if noSession.Status != http.StatusUnauthorized || p.Code != reports.CodeSessionEnded ||
		!strings.Contains(p.Detail, "dderbynneb") || strings.Contains(strings.ToLower(p.Detail), "sign in") {
		t.Errorf("no session: got %d %q %q, want 401 session_ended in Welsh", noSession.Status, p.Code, p.Detail)
	}
	token := reporterToken(t, app, ans)
	view := app.Do(t, apptest.Request{Method: http.MethodGet, Path: "/v1/reporter/case", Token: token,
		Header: map[string]string{"Accept-Language": "cy"}})
	var v struct {
		WhatHappensNext string `json:"whatHappensNext"`
	}
	view.Decode(t, &v)
	if !strings.Contains(v.WhatHappensNext, "aros i swyddog heddlu") {
		t.Errorf("case text in Welsh: got %q", v.WhatHappensNext)
	}
	empty := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reporter/case/messages?locale=cy", Token: token,
		Body: map[string]string{"body": ""}})
	if p := problemOf(t, empty); empty.Status != http.StatusBadRequest || p.Code != reports.CodeInvalidInput ||
		!strings.Contains(p.Detail, welshDanger) || len(p.Errors) != 1 || p.Errors[0].Message != "rhaid ei lenwi" {
		t.Errorf("empty message: got %d %q %q %+v, want 400 invalid_input in Welsh", empty.Status, p.Code, p.Detail, p.Errors)
	}
	id := caseOf(t, app, ans.Reference)
	if res := app.Post(t, "/v1/cases/"+id+"/status", officer.Token, map[string]string{"status": "closed", "disposition": "advice_given"}); res.Status != http.StatusOK {
		t.Fatalf("close: got %d; %s", res.Status, res.Body)
	}
	closed := app.Do(t, apptest.Request{Method: http.MethodPost, Path: "/v1/reporter/case/messages", Token: token,
		Body: map[string]string{"body": "one more thing"}})
	if p := problemOf(t, closed); closed.Status != http.StatusConflict || p.Code != reports.CodeCaseClosed || !strings.Contains(p.Detail, "new report") {
		t.Errorf("message to a closed case: got %d %q %q, want 409 case_closed", closed.Status, p.Code, p.Detail)
	}
	bad := postReport(t, app, freshKey(), map[string]any{"forceCode": w.ForceA.Code, "category": "nope", "whatHappened": "x", "locale": "cy"}, nil)
	p = problemOf(t, bad)
	if bad.Status != http.StatusBadRequest || p.Code != reports.CodeInvalidInput || !strings.Contains(p.Detail, welshDanger) {
		t.Errorf("invalid report: got %d %q %q, want 400 invalid_input in Welsh", bad.Status, p.Code, p.Detail)
	}
	if len(p.Errors) != 1 || p.Errors[0].Field != "category" || p.Errors[0].Message != "rhaid iddo fod yn un o'r categorïau ar y rhestr" {
		t.Errorf("invalid report's field errors: got %+v, want category in Welsh", p.Errors)
	}
	staff := app.Get(t, "/v1/cases/not-a-case", officer.Token)
	if p := problemOf(t, staff); p.Code != "" {
		t.Errorf("a staff route's problem carries a child code %q", p.Code)
	}
}

// Every child error code has a text in each language and is listed in the
// contract's Problem.code.
func TestEveryChildErrorCodeIsWrittenAndListed(t *testing.T) {
	t.Parallel()
	schema := apptest.Document(t).Components.Schemas["Problem"].Value.Properties["code"].Value
	var listed []string
	for _, e := range schema.Enum {
		listed = append(listed, e.(string))
	}
	for _, code := range reports.ErrorCodes() {
		if !slices.Contains(listed, code) {
			t.Errorf("code %s is not listed in the contract's Problem.code", code)
		}
		en, cy := reports.ErrorText(code, reports.LocaleEN), reports.ErrorText(code, reports.LocaleCY)
		if en == "" || cy == "" || en == cy {
			t.Errorf("code %s: want distinct English and Welsh texts, got %q and %q", code, en, cy)
		}
	}
	if len(listed) != len(reports.ErrorCodes()) {
		t.Errorf("contract lists %d codes, the server has %d", len(listed), len(reports.ErrorCodes()))
	}
}
