package handlers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"speaksafe/apptest"
	"speaksafe/audit"
	"speaksafe/server"
)

type fieldProblem struct {
	Type   string
	Status int
	Detail string
	Errors []struct{ Field, Message string }
}

func webhookPolicy(url string) map[string]any {
	return map[string]any{"name": "Urgent", "repeat": 0, "tiers": []map[string]any{
		{"webhook": map[string]string{"url": url}, "delaySeconds": 60},
	}}
}

func policyCount(t *testing.T, app *apptest.App, token string) int {
	t.Helper()
	var list struct{ Items []struct{ ID string } }
	app.Get(t, "/v1/oncall/policies", token).Decode(t, &list)
	return len(list.Items)
}

func TestSecurity28WebhookMustReachAPublicAddress(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers(), apptest.WithConfig(func(c *server.Config) {
		c.WebhookAllowedHosts = []string{"192.168.40.2:8443", "cr.force.internal"}
	}))
	w := app.NewWorld(t)
	sup := w.Staff["forceA/supervisor"]
	refused := map[string]string{
		"loopback":         "https://127.0.0.1/hook",
		"loopback v6":      "https://[::1]/hook",
		"localhost":        "https://localhost:8443/hook",
		"RFC 1918":         "https://10.1.2.3/hook",
		"RFC 1918 172":     "https://172.20.0.1/hook",
		"RFC 1918 192":     "https://192.168.40.2/hook", // allow-listed only on port 8443
		"ULA":              "https://[fd12::1]/hook",
		"link-local":       "https://169.254.1.1/hook",
		"link-local v6":    "https://[fe80::1]/hook",
		"unspecified":      "https://0.0.0.0/hook",
		"multicast":        "https://224.0.0.5/hook",
		"CGNAT":            "https://100.100.100.100/hook",
		"metadata":         "https://169.254.169.254/latest/meta-data/",
		"metadata v6":      "https://[fd00:ec2::254]/latest",
		"IPv4-mapped":      "https://[::ffff:169.254.169.254]/latest",
		"mapped loopback":  "https://[::ffff:7f00:1]/hook",
		"decimal loopback": "https://2130706433/hook",
	}
	for class, url := range refused {
		res := app.Post(t, "/v1/oncall/policies", sup.Token, webhookPolicy(url))
		var p fieldProblem
		res.Decode(t, &p)
		if res.Status != http.StatusBadRequest || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") ||
			len(p.Errors) != 1 || p.Errors[0].Field != "tiers[0].webhook.url" {
			t.Errorf("%s (%s): got %d %+v, want 400 problem naming tiers[0].webhook.url", class, url, res.Status, p)
		}
	}
	if n := policyCount(t, app, sup.Token); n != 0 {
		t.Fatalf("refused policies were stored: %d", n)
	}
	for _, url := range []string{"https://control-room.example/hook", "https://192.168.40.2:8443/hook", "https://cr.force.internal/hook"} {
		if res := app.Post(t, "/v1/oncall/policies", sup.Token, webhookPolicy(url)); res.Status != http.StatusCreated {
			t.Errorf("public or allow-listed %s: got %d %s, want 201", url, res.Status, res.Body)
		}
	}
}

func TestWebhookAllowedHostsIsValidated(t *testing.T) {
	t.Parallel()
	cfg := apptest.Config(t)
	cfg.WebhookAllowedHosts = []string{"cr.example:443", "bad/host", "x:70000"}
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), "WEBHOOK_ALLOWED_HOSTS") || !strings.Contains(err.Error(), "bad/host") ||
		!strings.Contains(err.Error(), "x:70000") {
		t.Errorf("got %v, want both malformed WEBHOOK_ALLOWED_HOSTS entries named", err)
	}
}

type deviceItem struct {
	ID, State string
	MovedAt   *time.Time
}

func devicesOf(t *testing.T, app *apptest.App, token string) []deviceItem {
	t.Helper()
	var list struct{ Items []deviceItem }
	app.Get(t, "/v1/me/devices", token).Decode(t, &list)
	return list.Items
}

func TestSecurity19DeviceTokenMovesOnlyWithinAForce(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	owner, colleague, stranger := w.Staff["forceA/officer"], w.Staff["forceA/supervisor"], w.Staff["forceB/officer"]
	const token = "fcm-token-of-a-shared-phone-0042"
	phone := map[string]string{"token": token, "platform": "android", "appVersion": "3.0"}
	res := app.Post(t, "/v1/me/devices", owner.Token, phone)
	if res.Status != http.StatusOK {
		t.Fatalf("owner registers: got %d %s", res.Status, res.Body)
	}
	var dev struct{ ID string }
	res.Decode(t, &dev)

	res = app.Post(t, "/v1/me/devices", stranger.Token, phone)
	if res.Status != http.StatusConflict || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("another force registers the token: got %d %s, want 409 problem", res.Status, res.Body)
	}
	for _, secret := range []string{owner.ID, owner.Email, w.ForceA.ID, w.ForceA.Code, dev.ID} {
		if strings.Contains(string(res.Body), secret) {
			t.Errorf("the refusal reveals %q: %s", secret, res.Body)
		}
	}
	if got := devicesOf(t, app, owner.Token); len(got) != 1 || got[0].ID != dev.ID || got[0].State != "active" {
		t.Errorf("owner's devices after the refusal: %+v, want the phone, active", got)
	}
	if got := devicesOf(t, app, stranger.Token); len(got) != 0 {
		t.Errorf("stranger's devices: %+v, want none", got)
	}

	if res := app.Post(t, "/v1/me/devices", colleague.Token, phone); res.Status != http.StatusOK {
		t.Fatalf("a colleague of the same force registers the phone: got %d %s", res.Status, res.Body)
	}
	if got := devicesOf(t, app, colleague.Token); len(got) != 1 || got[0].ID != dev.ID || got[0].State != "active" {
		t.Errorf("colleague's devices: %+v, want the phone, active", got)
	}
	got := devicesOf(t, app, owner.Token)
	if len(got) != 1 || got[0].ID != dev.ID || got[0].State != "moved" || got[0].MovedAt == nil {
		t.Errorf("owner's devices after the move: %+v, want the phone shown as moved", got)
	}
	recs := auditRecords(t, app)
	if r, ok := findRecord(recs, "device.moved", dev.ID); !ok || r.Actor != colleague.ID ||
		r.Detail["fromUserId"] != owner.ID || r.Detail["toUserId"] != colleague.ID {
		t.Errorf("the move is audited as %+v (found %v), want colleague moving it from owner", r, ok)
	}
	if _, ok := findRecord(recs, "device.register_refused", dev.ID); !ok {
		t.Errorf("the refused registration is not audited")
	}
	del := apptest.Request{Method: http.MethodDelete, Path: "/v1/me/devices/" + dev.ID, Token: owner.Token}
	if res := app.Do(t, del); res.Status != http.StatusNoContent {
		t.Errorf("owner dismisses the moved note: got %d", res.Status)
	}
	if got := devicesOf(t, app, colleague.Token); len(got) != 1 {
		t.Errorf("dismissing the note took the phone from the colleague: %+v", got)
	}
	if res := app.Do(t, del); res.Status != http.StatusNotFound {
		t.Errorf("dismissing twice: got %d, want 404", res.Status)
	}
}

func auditRecords(t *testing.T, app *apptest.App) []audit.Record {
	t.Helper()
	recs, err := audit.New(app.DB, nil, nil).Entries(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func findRecord(recs []audit.Record, action, objectID string) (audit.Record, bool) {
	for _, r := range recs {
		if r.Action == action && r.ObjectID == objectID {
			return r, true
		}
	}
	return audit.Record{}, false
}
