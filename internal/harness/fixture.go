package harness

import (
	"context"
	"fmt"
	"net/http"
	"strings"
)

// Staff is a signed-in member of staff.
type Staff struct {
	ID, Email, Password, Token string
}

// Force is a police force set up for traffic: a supervisor, an officer with
// one registered phone, and a default escalation policy whose first tier
// pages that officer.
type Force struct {
	ID, Code    string
	Supervisor  Staff
	Officer     Staff
	DeviceToken string
}

// Login signs in with email and password and returns the access token. It
// sends a fresh client address so that set-up never trips the per-client
// sign-in limit.
func (c *Client) Login(ctx context.Context, email, password string) (string, error) {
	var s struct {
		AccessToken          string `json:"accessToken"`
		MFAEnrolmentRequired bool   `json:"mfaEnrolmentRequired"`
	}
	err := c.JSON(ctx, Request{Method: http.MethodPost, Path: "/v1/auth/login",
		Body:    map[string]string{"email": email, "password": password},
		Headers: map[string]string{"X-Forwarded-For": ClientAddr()}}, http.StatusOK, &s)
	if err != nil {
		return "", err
	}
	if s.AccessToken == "" {
		return "", fmt.Errorf("harness: login %s gave no access token (MFA required: %v)", email, s.MFAEnrolmentRequired)
	}
	return s.AccessToken, nil
}

// CreateStaff invites a member of staff of org with role, accepts the invite
// with a fresh password and signs in.
func (c *Client) CreateStaff(ctx context.Context, adminToken, orgID, role, name string) (Staff, error) {
	email := fmt.Sprintf("%s-%s@speaksafe.test", strings.ReplaceAll(role, "_", "-"), RandomHex(4))
	var u struct {
		ID          string `json:"id"`
		InviteToken string `json:"inviteToken"`
	}
	if err := c.JSON(ctx, Request{Method: http.MethodPost, Path: "/v1/users", Token: adminToken,
		Body: map[string]string{"email": email, "name": name, "role": role, "orgId": orgID}}, http.StatusCreated, &u); err != nil {
		return Staff{}, err
	}
	pw := "pw-" + RandomHex(12)
	if err := c.JSON(ctx, Request{Method: http.MethodPost, Path: "/v1/auth/invite/accept",
		Body:    map[string]string{"inviteToken": u.InviteToken, "password": pw},
		Headers: map[string]string{"X-Forwarded-For": ClientAddr()}}, http.StatusNoContent, nil); err != nil {
		return Staff{}, err
	}
	tok, err := c.Login(ctx, email, pw)
	if err != nil {
		return Staff{}, err
	}
	return Staff{ID: u.ID, Email: email, Password: pw, Token: tok}, nil
}

// SetUpForce creates a force with code, its supervisor and officer, registers
// the officer's phone and makes a default policy: tier 1 pages the officer,
// tier 2 (after an hour, so never during a run) is the control-room webhook
// on a loopback port nothing listens on.
func (c *Client) SetUpForce(ctx context.Context, adminToken, code string) (Force, error) {
	var org struct {
		ID string `json:"id"`
	}
	if err := c.JSON(ctx, Request{Method: http.MethodPost, Path: "/v1/organisations", Token: adminToken,
		Body: map[string]string{"kind": "force", "name": "Force " + code, "code": code}}, http.StatusCreated, &org); err != nil {
		return Force{}, err
	}
	f := Force{ID: org.ID, Code: code}
	var err error
	if f.Supervisor, err = c.CreateStaff(ctx, adminToken, org.ID, "supervisor", "Duty Supervisor"); err != nil {
		return f, err
	}
	if f.Officer, err = c.CreateStaff(ctx, adminToken, org.ID, "officer", "On-call Officer"); err != nil {
		return f, err
	}
	f.DeviceToken = "fcm-" + code + "-" + RandomHex(16)
	if err := c.JSON(ctx, Request{Method: http.MethodPost, Path: "/v1/me/devices", Token: f.Officer.Token,
		Body: map[string]string{"token": f.DeviceToken, "platform": "android", "appVersion": "1.0.0"}}, http.StatusOK, nil); err != nil {
		return f, err
	}
	var pol struct {
		ID string `json:"id"`
	}
	policy := map[string]any{"name": "Urgent " + code, "repeat": 0, "tiers": []map[string]any{
		{"userIds": []string{f.Officer.ID}, "delaySeconds": 3600},
		{"webhook": map[string]string{"url": "https://127.0.0.1:9/control-room"}, "delaySeconds": 3600},
	}}
	if err := c.JSON(ctx, Request{Method: http.MethodPost, Path: "/v1/oncall/policies", Token: f.Supervisor.Token,
		Body: policy}, http.StatusCreated, &pol); err != nil {
		return f, err
	}
	if err := c.JSON(ctx, Request{Method: http.MethodPut, Path: "/v1/oncall/policies/" + pol.ID + "/default",
		Token: f.Supervisor.Token}, http.StatusOK, nil); err != nil {
		return f, err
	}
	return f, nil
}

// Receipt is the answer to a report.
type Receipt struct {
	Reference string `json:"reference"`
	Receipt   string `json:"receipt"`
	Urgent    bool   `json:"urgent"`
}

// ReportBody returns a report for forceCode; urgent ones say the child is in
// danger now. marker is put into the free text so tests can look for it.
func ReportBody(forceCode string, urgent bool, marker string) map[string]any {
	body := map[string]any{
		"forceCode":    forceCode,
		"category":     "adult_wants_to_meet",
		"whatHappened": "Someone I met in a game keeps asking to meet me after school. " + marker,
		"answers": map[string]any{
			"inDangerNow": urgent,
			"ageBand":     "11-13",
			"handles":     []map[string]string{{"platform": "game", "handle": "player_" + RandomHex(3)}},
		},
	}
	return body
}

// SubmitReport posts a report under a fresh Idempotency-Key from a fresh
// client address and returns the answer status and receipt.
func (c *Client) SubmitReport(ctx context.Context, body map[string]any, key string) (int, Receipt, error) {
	res, err := c.Do(ctx, Request{Method: http.MethodPost, Path: "/v1/reports", Body: body,
		Headers: map[string]string{"Idempotency-Key": key, "X-Forwarded-For": ClientAddr()}})
	if err != nil {
		return 0, Receipt{}, err
	}
	var r Receipt
	if res.Status == http.StatusCreated {
		if err := jsonUnmarshal(res.Body, &r); err != nil {
			return res.Status, r, err
		}
	}
	return res.Status, r, nil
}

// ReporterSession opens a reporter session on a case and returns its token.
func (c *Client) ReporterSession(ctx context.Context, r Receipt) (string, error) {
	var s struct {
		Token string `json:"token"`
	}
	err := c.JSON(ctx, Request{Method: http.MethodPost, Path: "/v1/reports/session",
		Body:    map[string]string{"reference": r.Reference, "receipt": r.Receipt},
		Headers: map[string]string{"X-Forwarded-For": ClientAddr()}}, http.StatusCreated, &s)
	return s.Token, err
}

// CaseSummary is one line of the officers' queue.
type CaseSummary struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	Urgent    bool   `json:"urgent"`
	Status    string `json:"status"`
}

// Queue walks every page of the officer's queue (status "" = open cases).
func (c *Client) Queue(ctx context.Context, token, status string) ([]CaseSummary, error) {
	var all []CaseSummary
	cursor := ""
	for range 10000 {
		path := "/v1/cases?limit=100"
		if status != "" {
			path += "&status=" + status
		}
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		var page struct {
			Items []CaseSummary `json:"items"`
			Next  string        `json:"next"`
		}
		if err := c.JSON(ctx, Request{Method: http.MethodGet, Path: path, Token: token}, http.StatusOK, &page); err != nil {
			return all, err
		}
		all = append(all, page.Items...)
		if page.Next == "" {
			return all, nil
		}
		cursor = page.Next
	}
	return all, fmt.Errorf("harness: queue longer than expected")
}
