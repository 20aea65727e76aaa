// Command contract drives every kind of request a phone or console app makes
// through an OpenAPI-validating proxy (Stoplight Prism in proxy mode, run by
// scripts/contract-check.sh) in front of a live SpeakSafe, and fails on any
// response the proxy finds outside mobile-api.yaml, on any request meant to
// be valid that the proxy finds outside it, and on unexpected statuses.
//
//	go run ./loadtest/contract -base http://127.0.0.1:4010 -admin-email … -admin-password …
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"speaksafe/internal/harness"
)

type violation struct {
	Location []string `json:"location"`
	Severity string   `json:"severity"`
	Message  string   `json:"message"`
}

type driver struct {
	c        *harness.Client
	failures []string
	ops      map[string]bool
	steps    int
}

// step sends r (invalid = the request is deliberately outside the contract)
// and checks the status and the proxy's verdict; it returns the body.
func (d *driver) step(name string, r harness.Request, invalid bool, want ...int) []byte {
	d.steps++
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if r.Headers == nil {
		r.Headers = map[string]string{}
	}
	if _, ok := r.Headers["X-Forwarded-For"]; !ok {
		r.Headers["X-Forwarded-For"] = harness.ClientAddr()
	}
	res, err := d.c.Do(ctx, r)
	if err != nil {
		d.fail("%s: %v", name, err)
		return nil
	}
	d.ops[r.Method+" "+strings.SplitN(r.Path, "?", 2)[0]] = true
	if len(want) > 0 && !slices.Contains(want, res.Status) {
		d.fail("%s: %s %s answered %d, want %v: %.300s", name, r.Method, r.Path, res.Status, want, res.Body)
	}
	if h := res.Header.Get("sl-violations"); h != "" {
		var vs []violation
		if err := json.Unmarshal([]byte(h), &vs); err != nil {
			d.fail("%s: unreadable sl-violations header: %s", name, h)
		}
		for _, v := range vs {
			where := strings.Join(v.Location, ".")
			if strings.HasPrefix(where, "response") || !invalid {
				d.fail("%s: %s %s (%d): contract violation at %s: %s", name, r.Method, r.Path, res.Status, where, v.Message)
			}
		}
	}
	return res.Body
}

func (d *driver) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	d.failures = append(d.failures, msg)
	fmt.Fprintln(os.Stderr, "FAIL", msg)
}

func decode[T any](b []byte) T {
	var v T
	_ = json.Unmarshal(b, &v)
	return v
}

type idOnly struct {
	ID string `json:"id"`
}

func main() {
	base := flag.String("base", "http://127.0.0.1:4010", "the validating proxy in front of the server")
	email := flag.String("admin-email", "", "bootstrap admin email")
	password := flag.String("admin-password", "", "bootstrap admin password")
	flag.Parse()
	d := &driver{c: harness.NewClient(*base, 4), ops: map[string]bool{}}
	d.run(*email, *password)
	fmt.Printf("contract check: %d requests to %d distinct method+path pairs through the validating proxy\n", d.steps, len(d.ops))
	if len(d.failures) > 0 {
		fmt.Printf("%d passed, %d failed\n", d.steps-len(d.failures), len(d.failures))
		os.Exit(1)
	}
	fmt.Printf("%d passed, 0 failed\n", d.steps)
}

const get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete

func req(method, path, token string, body any) harness.Request {
	return harness.Request{Method: method, Path: path, Token: token, Body: body}
}

func (d *driver) run(email, password string) {
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/openapi.yaml"} {
		d.step("operator "+p, req(get, p, "", nil), false, 200)
	}
	d.public()
	admin := decode[struct {
		AccessToken  string `json:"accessToken"`
		RefreshToken string `json:"refreshToken"`
	}](d.step("admin signs in", req(post, "/v1/auth/login", "", map[string]string{"email": email, "password": password}), false, 200))
	d.step("wrong password", req(post, "/v1/auth/login", "", map[string]string{"email": email, "password": "not-the-password"}), false, 401)
	d.step("me", req(get, "/v1/me", admin.AccessToken, nil), false, 200)
	d.step("me without a token", req(get, "/v1/me", "", nil), true, 401)
	d.step("forged token", req(get, "/v1/me", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", nil), false, 401)

	f := d.organisations(admin.AccessToken)
	sup, off := d.staff(admin.AccessToken, f.ID)
	d.oncall(sup, off)
	d.reports(f.Code, off)
	d.alerts(f.Code, off)
	d.staffContent(admin.AccessToken)

	rotated := decode[struct {
		RefreshToken string `json:"refreshToken"`
	}](d.step("refresh", req(post, "/v1/auth/refresh", "", map[string]string{"refreshToken": admin.RefreshToken}), false, 200))
	d.step("refresh token replayed", req(post, "/v1/auth/refresh", "", map[string]string{"refreshToken": admin.RefreshToken}), false, 401)
	d.step("logout", req(post, "/v1/auth/logout", "", map[string]string{"refreshToken": rotated.RefreshToken}), false, 204, 200, 401)
}

func (d *driver) public() {
	list := d.step("content list", req(get, "/v1/content", "", nil), false, 200)
	items := decode[struct {
		Items []struct {
			Slug string `json:"slug"`
		} `json:"items"`
	}](list)
	if len(items.Items) > 0 {
		d.step("content item", req(get, "/v1/content/"+items.Items[0].Slug, "", nil), false, 200)
	}
	d.step("content item unknown", req(get, "/v1/content/no-such-item-here", "", nil), false, 404)
	d.step("content filtered", req(get, "/v1/content?ageBand=11-13&locale=en&limit=5", "", nil), false, 200)
	d.step("content bad limit", req(get, "/v1/content?limit=500", "", nil), true, 400)
	d.step("content changes", req(get, "/v1/content/changes", "", nil), false, 200)
	d.step("helplines", req(get, "/v1/helplines", "", nil), false, 200)
	d.step("unknown school collection", req(get, "/v1/schools/no-such-school/collection", "", nil), false, 404)
}

type force struct{ ID, Code string }

func (d *driver) organisations(admin string) force {
	code := "cc-" + harness.RandomHex(3)
	f := decode[idOnly](d.step("create force", req(post, "/v1/organisations", admin, map[string]string{"kind": "force", "name": "Contract Force", "code": code}), false, 201))
	d.step("create school", req(post, "/v1/organisations", admin, map[string]string{"kind": "school", "name": "Contract School", "code": code + "-s", "forceId": f.ID}), false, 201)
	d.step("duplicate code", req(post, "/v1/organisations", admin, map[string]string{"kind": "force", "name": "Again", "code": code}), false, 409)
	d.step("invalid organisation", req(post, "/v1/organisations", admin, map[string]string{"kind": "club", "name": "", "code": "NO CAPS"}), true, 400)
	d.step("list organisations", req(get, "/v1/organisations?limit=10", admin, nil), false, 200)
	d.step("get organisation", req(get, "/v1/organisations/"+f.ID, admin, nil), false, 200)
	d.step("rename organisation", req(patch, "/v1/organisations/"+f.ID, admin, map[string]string{"name": "Contract Constabulary"}), false, 200)
	d.step("unknown organisation", req(get, "/v1/organisations/000000000000000000000000", admin, nil), false, 404)
	return force{ID: f.ID, Code: code}
}

type member struct{ ID, Email, Password, Token string }

func (d *driver) staff(admin, orgID string) (sup, off member) {
	make1 := func(role string) member {
		email := role + "-" + harness.RandomHex(4) + "@speaksafe.test"
		u := decode[struct {
			ID          string `json:"id"`
			InviteToken string `json:"inviteToken"`
		}](d.step("create "+role, req(post, "/v1/users", admin, map[string]string{"email": email, "name": "Contract " + role, "role": role, "orgId": orgID}), false, 201))
		pw := "pw-" + harness.RandomHex(12)
		d.step("accept invite", req(post, "/v1/auth/invite/accept", "", map[string]string{"inviteToken": u.InviteToken, "password": pw}), false, 204)
		s := decode[struct {
			AccessToken string `json:"accessToken"`
		}](d.step(role+" signs in", req(post, "/v1/auth/login", "", map[string]string{"email": email, "password": pw}), false, 200))
		return member{ID: u.ID, Email: email, Password: pw, Token: s.AccessToken}
	}
	sup, off = make1("supervisor"), make1("officer")
	d.step("list users", req(get, "/v1/users?orgId="+orgID, admin, nil), false, 200)
	d.step("get user", req(get, "/v1/users/"+off.ID, admin, nil), false, 200)
	d.step("rename user", req(patch, "/v1/users/"+off.ID, admin, map[string]string{"name": "Contract Officer"}), false, 200)
	d.step("officer may not create users", req(post, "/v1/users", off.Token, map[string]string{"email": "x@y.test", "name": "X", "role": "officer", "orgId": orgID}), false, 403, 404)
	return sup, off
}

func (d *driver) oncall(sup, off member) {
	dev := decode[idOnly](d.step("register device", req(post, "/v1/me/devices", off.Token, map[string]string{"token": "fcm-contract-" + harness.RandomHex(8), "platform": "android", "appVersion": "1.0.0"}), false, 200, 201))
	d.step("list devices", req(get, "/v1/me/devices", off.Token, nil), false, 200)
	second := decode[idOnly](d.step("register second device", req(post, "/v1/me/devices", off.Token, map[string]string{"token": "fcm-contract-" + harness.RandomHex(8), "platform": "ios", "appVersion": "1.0.0"}), false, 200, 201))
	d.step("delete device", req(del, "/v1/me/devices/"+second.ID, off.Token, nil), false, 204)
	_ = dev
	rot := decode[idOnly](d.step("create rotation", req(post, "/v1/oncall/rotations", sup.Token, map[string]any{"name": "Nights", "members": []string{off.ID}, "shiftHours": 12, "handover": "08:00", "timeZone": "Europe/London", "startDate": "2025-01-06"}), false, 201))
	d.step("list rotations", req(get, "/v1/oncall/rotations", off.Token, nil), false, 200)
	now := time.Now().UTC()
	d.step("create override", req(post, "/v1/oncall/overrides", sup.Token, map[string]any{"rotationId": rot.ID, "mode": "add", "userId": sup.ID, "start": now.Format(time.RFC3339), "end": now.Add(time.Hour).Format(time.RFC3339)}), false, 201)
	pol := decode[idOnly](d.step("create policy", req(post, "/v1/oncall/policies", sup.Token, map[string]any{"name": "Urgent", "repeat": 1, "tiers": []map[string]any{
		{"rotationId": rot.ID, "delaySeconds": 3600},
		{"webhook": map[string]string{"url": "https://127.0.0.1:9/control-room"}, "delaySeconds": 3600}}}), false, 201))
	d.step("invalid policy", req(post, "/v1/oncall/policies", sup.Token, map[string]any{"name": "", "repeat": 99, "tiers": []map[string]any{}}), true, 400)
	d.step("set default policy", req(put, "/v1/oncall/policies/"+pol.ID+"/default", sup.Token, nil), false, 200)
	d.step("list policies", req(get, "/v1/oncall/policies", off.Token, nil), false, 200)
	d.step("on call now", req(get, "/v1/oncall/now", off.Token, nil), false, 200)
	d.step("officer may not manage rotas", req(post, "/v1/oncall/rotations", off.Token, map[string]any{"name": "X", "members": []string{off.ID}, "shiftHours": 12, "handover": "08:00", "timeZone": "Europe/London", "startDate": "2025-01-06"}), false, 403, 404)
}

func report(code string, urgent bool) map[string]any {
	return harness.ReportBody(code, urgent, "")
}

func (d *driver) reports(code string, off member) {
	key := "cc-" + harness.RandomHex(16)
	idem := map[string]string{"Idempotency-Key": key}
	body := report(code, false)
	rc := decode[harness.Receipt](d.step("submit report", harness.Request{Method: post, Path: "/v1/reports", Body: body, Headers: idem}, false, 201))
	d.step("same key, same report", harness.Request{Method: post, Path: "/v1/reports", Body: body, Headers: map[string]string{"Idempotency-Key": key}}, false, 201)
	d.step("same key, other report", harness.Request{Method: post, Path: "/v1/reports", Body: report(code, true), Headers: map[string]string{"Idempotency-Key": key}}, false, 409)
	d.step("operator in a report", harness.Request{Method: post, Path: "/v1/reports", Body: map[string]any{"reference": map[string]string{"$ne": ""}}, Headers: map[string]string{"Idempotency-Key": "cc-" + harness.RandomHex(16)}}, true, 400)
	d.step("no idempotency key", harness.Request{Method: post, Path: "/v1/reports", Body: body}, true, 400)
	d.step("unknown force", harness.Request{Method: post, Path: "/v1/reports", Body: report("no-such-force", false), Headers: map[string]string{"Idempotency-Key": "cc-" + harness.RandomHex(16)}}, false, 400)

	sess := decode[struct {
		Token string `json:"token"`
	}](d.step("open reporter session", req(post, "/v1/reports/session", "", map[string]string{"reference": rc.Reference, "receipt": rc.Receipt}), false, 201))
	d.step("wrong receipt", req(post, "/v1/reports/session", "", map[string]string{"reference": rc.Reference, "receipt": "AAAA-AAAA-AAAA-AAAA"}), false, 401)
	d.step("operator in session", req(post, "/v1/reports/session", "", map[string]any{"reference": map[string]string{"$ne": ""}, "receipt": map[string]string{"$gt": ""}}), true, 400)
	d.step("reporter case", req(get, "/v1/reporter/case", sess.Token, nil), false, 200)
	d.step("reporter message", req(post, "/v1/reporter/case/messages", sess.Token, map[string]string{"body": "Is anyone reading this?"}), false, 201)
	d.step("reporter case without session", req(get, "/v1/reporter/case", "", nil), true, 401)

	queue := decode[struct {
		Items []harness.CaseSummary `json:"items"`
	}](d.step("case queue", req(get, "/v1/cases?limit=10", off.Token, nil), false, 200))
	d.step("case queue filtered", req(get, "/v1/cases?status=new&category=adult_wants_to_meet", off.Token, nil), false, 200)
	d.step("case queue bad limit", req(get, "/v1/cases?limit=1000", off.Token, nil), true, 400)
	var id string
	for _, c := range queue.Items {
		if c.Reference == rc.Reference {
			id = c.ID
		}
	}
	if id == "" {
		d.fail("the report is not in the officer's queue")
		return
	}
	d.step("open case", req(get, "/v1/cases/"+id, off.Token, nil), false, 200)
	d.step("unknown case", req(get, "/v1/cases/00000000000000000000000000000000", off.Token, nil), false, 404)
	d.step("message reporter", req(post, "/v1/cases/"+id+"/messages", off.Token, map[string]string{"body": "Thank you for telling us."}), false, 201)
	d.step("private note", req(post, "/v1/cases/"+id+"/notes", off.Token, map[string]string{"body": "Spoke to the school."}), false, 201)
	d.step("assign", req(put, "/v1/cases/"+id+"/assignment", off.Token, map[string]string{"userId": off.ID}), false, 204, 200)
	d.step("acknowledge", req(post, "/v1/cases/"+id+"/status", off.Token, map[string]string{"status": "acknowledged"}), false, 200)
	d.step("close without disposition", req(post, "/v1/cases/"+id+"/status", off.Token, map[string]string{"status": "closed"}), false, 400, 409)
	d.step("close", req(post, "/v1/cases/"+id+"/status", off.Token, map[string]string{"status": "closed", "disposition": "advice_given", "outcome": "We have spoken to the school."}), false, 200)
	d.step("reporter sees outcome", req(get, "/v1/reporter/case", sess.Token, nil), false, 200)
	d.step("message on closed case", req(post, "/v1/reporter/case/messages", sess.Token, map[string]string{"body": "One more thing"}), false, 409)
}

func (d *driver) alerts(code string, off member) {
	d.step("urgent report", harness.Request{Method: post, Path: "/v1/reports", Body: report(code, true), Headers: map[string]string{"Idempotency-Key": "cc-" + harness.RandomHex(16)}}, false, 201)
	list := decode[struct {
		Items []idOnly `json:"items"`
	}](d.step("list alerts", req(get, "/v1/alerts", off.Token, nil), false, 200))
	if len(list.Items) == 0 {
		d.fail("the urgent report opened no alert")
		return
	}
	id := list.Items[0].ID
	d.step("alert received", req(post, "/v1/alerts/"+id+"/received", off.Token, nil), false, 200, 204)
	d.step("alert ack", req(post, "/v1/alerts/"+id+"/ack", off.Token, nil), false, 200, 204)
	d.step("unknown alert ack", req(post, "/v1/alerts/00000000000000000000000000000000/ack", off.Token, nil), false, 404)
}

func (d *driver) staffContent(admin string) {
	d.step("staff content list", req(get, "/v1/staff/content", admin, nil), false, 200, 403, 404)
	d.step("content stats", req(get, "/v1/staff/content-stats", admin, nil), false, 200, 400, 404)
}
