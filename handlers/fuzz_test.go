package handlers

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"speaksafe/accounts"
	"speaksafe/devices"
	"speaksafe/errkind"
	"speaksafe/oncall"
	"speaksafe/referrals"
	"speaksafe/reminders"
	"speaksafe/reports"
)

// requestKinds lists every JSON request body the API decodes, each with
// the domain validation the handler runs on it. The fuzz target picks one
// by index, so one target covers every decoder and validator.
var requestKinds = []struct {
	name  string
	check func(t *testing.T, body []byte)
}{
	{"report", decodeThen(func(r *reportRequest) error {
		rep := r.domain()
		rep.Normalize()
		err := rep.Validate()
		if err == nil {
			_, _ = reports.Urgency(&rep, time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC))
		}
		return err
	})},
	{"reporter session", decodeThen(func(r *reporterSessionRequest) error {
		_, _ = reports.ParseReference(r.Reference)
		_, _ = reports.ParseReceipt(r.Receipt)
		return nil
	})},
	{"thread message", decodeThen(func(*threadMessageRequest) error { return nil })},
	{"case status", decodeThen(func(r *caseStatusRequest) error {
		c := reports.StatusChange{Status: reports.Status(r.Status), Disposition: reports.Disposition(r.Disposition), Outcome: r.Outcome}
		return c.Validate()
	})},
	{"case assignment", decodeThen(func(*caseAssignmentRequest) error { return nil })},
	{"reminder settings", decodeThen(func(r *reminderSettingsBody) error {
		m := func(n int) time.Duration { return time.Duration(min(max(n, -1), maxSettingMinutes)) * time.Minute }
		return reminders.Settings{NotOpened: m(r.NotOpenedMinutes), UnreadMessage: m(r.UnreadMessageMinutes),
			NoActivity: m(r.NoActivityMinutes), EscalateAfter: m(r.EscalateAfterMinutes)}.Validate()
	})},
	{"policy", decodeThen(func(r *policyRequest) error {
		p := oncall.Policy{Name: r.Name, Repeat: r.Repeat, Tiers: make([]oncall.Tier, len(r.Tiers))}
		for i, t := range r.Tiers {
			p.Tiers[i] = oncall.Tier{RotationID: t.RotationID, UserIDs: t.UserIDs, DelaySeconds: t.DelaySeconds}
			if t.Webhook != nil {
				p.Tiers[i].Webhook = &oncall.Webhook{URL: t.Webhook.URL}
			}
		}
		return p.Validate(time.Minute)
	})},
	{"rotation", decodeThen(func(r *rotationRequest) error {
		return oncall.Rotation{Name: r.Name, Members: r.Members, ShiftHours: r.ShiftHours, Handover: r.Handover,
			TimeZone: r.TimeZone, StartDate: r.StartDate}.Validate()
	})},
	{"override", decodeThen(func(r *overrideRequest) error {
		return oncall.Override{RotationID: r.RotationID, Mode: r.Mode, UserID: r.UserID,
			ReplaceUserID: r.ReplaceUserID, Start: r.Start, End: r.End}.Validate()
	})},
	{"device", decodeThen(func(r *registerDeviceRequest) error {
		return devices.DeviceInput{Token: r.Token, Platform: r.Platform, AppVersion: r.AppVersion}.Validate()
	})},
	{"create organisation", decodeThen(func(r *createOrganisationRequest) error {
		return accounts.Organisation{Kind: accounts.OrgKind(r.Kind), Name: r.Name, Code: r.Code, ForceID: r.ForceID}.Validate()
	})},
	{"update organisation", decodeThen(func(*updateOrganisationRequest) error { return nil })},
	{"create user", decodeThen(func(r *createUserRequest) error {
		return accounts.NewUser{Email: r.Email, Name: r.Name, Role: accounts.Role(r.Role), OrgID: r.OrgID}.Validate()
	})},
	{"update user", decodeThen(func(*updateUserRequest) error { return nil })},
	{"login", decodeThen(func(*loginRequest) error { return nil })},
	{"refresh", decodeThen(func(*refreshRequest) error { return nil })},
	{"accept invite", decodeThen(func(*acceptInviteRequest) error { return nil })},
	{"enrolment", decodeThen(func(*enrolmentRequest) error { return nil })},
	{"confirm enrolment", decodeThen(func(*confirmEnrolmentRequest) error { return nil })},
	{"confirm", decodeThen(func(*confirmRequest) error { return nil })},
	{"step-up", decodeThen(func(*stepUpRequest) error { return nil })},
	{"stepped up", decodeThen(func(*steppedUpRequest) error { return nil })},
	{"content draft", decodeThen(func(r *draftRequest) error { return r.draft().Validate() })},
	{"content send back", decodeThen(func(*sendBackRequest) error { return nil })},
	{"school collection", decodeThen(func(*collectionRequest) error { return nil })},
	{"concern", decodeThen(func(r *concernRequest) error {
		now := time.Date(2031, 3, 10, 10, 0, 0, 0, time.UTC)
		c := r.toConcern()
		c.Normalize()
		err := c.Validate(now)
		if err == nil {
			_, _ = reports.ConcernUrgency(&c, now)
		}
		return err
	})},
	{"legal hold", decodeThen(func(*legalHoldRequest) error { return nil })},
	{"referral", decodeThen(func(r *createReferralRequest) error {
		in := referrals.Input{AgencyIDs: r.AgencyIDs, Summary: r.Summary, Reason: r.Reason, LawfulBasis: referrals.LawfulBasis(r.LawfulBasis),
			LawfulBasisNote: r.LawfulBasisNote, Urgency: referrals.Urgency(r.Urgency), IdentityShared: r.IdentityShared}
		for _, f := range r.Fields {
			in.Fields = append(in.Fields, referrals.Field(f))
		}
		return in.Validate()
	})},
	{"referral decision", decodeThen(func(r *decisionRequest) error {
		return referrals.DecisionInput{Decision: referrals.Decision(r.Decision), AgencyRef: r.AgencyReference, Outcome: r.Outcome}.Validate()
	})},
	{"referral question", decodeThen(func(*questionRequest) error { return nil })},
	{"referral answer", decodeThen(func(*answerRequest) error { return nil })},
}

// decodeThen decodes body into a fresh T as the handlers do (strictly and
// as the child routes do) and, when that succeeds, checks that the value survives a round trip through JSON and
// that its validation fails only with field errors (a 400 with fields,
// never a 500).
func decodeThen[T any](validate func(*T) error) func(t *testing.T, body []byte) {
	return func(t *testing.T, body []byte) {
		var v, child T
		err := DecodeJSON("application/json", body, &v)
		// The child routes' decoder takes whatever the strict one takes,
		// alike and ignoring nothing; it only ever ignores top-level keys.
		ignored, cerr := DecodeChildJSON("application/json", body, &child)
		if err == nil && (cerr != nil || len(ignored) > 0) {
			t.Fatalf("strict decoder took %q, child decoder: %v ignoring %v", body, cerr, ignored)
		}
		if cerr != nil && toProblem(cerr).Status != http.StatusBadRequest {
			t.Fatalf("child decoder answers %d, want 400: %v", toProblem(cerr).Status, cerr)
		}
		if err != nil {
			if p := toProblem(err); p.Status != http.StatusBadRequest {
				t.Fatalf("decode error answers %d, want 400: %v", p.Status, err)
			}
			return
		}
		again, err := json.Marshal(&v)
		if err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
		var w T
		if err := DecodeJSON("application/json", again, &w); err != nil {
			t.Fatalf("re-encoded %s does not decode: %v", again, err)
		}
		if err := validate(&v); err != nil {
			var ve *errkind.ValidationError
			if !errors.As(err, &ve) || len(ve.Fields) == 0 {
				t.Fatalf("validation failed without field errors: %v", err)
			}
			if p := toProblem(err); p.Status != http.StatusBadRequest {
				t.Fatalf("validation error answers %d, want 400", p.Status)
			}
		}
	}
}

// FuzzRequestBodies feeds arbitrary bytes to every request decoder and the
// validation behind it: no panic, only 400s with field errors, and what is
// accepted survives a JSON round trip.
func FuzzRequestBodies(f *testing.F) {
	seeds := []string{
		`{"forceCode":"met","category":"adult_wants_to_meet","whatHappened":"x","answers":{"inDangerNow":true,"meetingPlanned":true,"meetingAt":"2025-01-01T18:00:00Z","handles":[{"platform":"game","handle":"p1"}],"ageBand":"11-13"},"contact":{"name":"A","phone":"0700","mayContact":true}}`,
		`{"reference":"SS-7KQ2-MX9D","receipt":"7KQ2-MX9D-P4HT-W3RA"}`,
		`{"reference":{"$ne":""},"receipt":{"$gt":""}}`,
		`{"body":"hello"}`,
		`{"status":"closed","disposition":"advice_given","outcome":"We spoke to the school."}`,
		`{"userId":"u1"}`,
		`{"name":"P","repeat":1,"tiers":[{"userIds":["u1"],"delaySeconds":60},{"webhook":{"url":"https://cr.example/hook"},"delaySeconds":60}]}`,
		`{"name":"R","members":["u1","u2"],"shiftHours":12,"handover":"08:00","timeZone":"Europe/London","startDate":"2025-01-06"}`,
		`{"rotationId":"r1","mode":"replace","userId":"u2","replaceUserId":"u1","start":"2025-01-01T00:00:00Z","end":"2025-01-02T00:00:00Z"}`,
		`{"token":"fcm-token","platform":"android","appVersion":"1.0.0"}`,
		`{"kind":"school","name":"S","code":"s-1","forceId":"f1"}`,
		`{"email":"a@b.test","name":"N","role":"officer","orgId":"o1"}`,
		`{"email":"a@b.test","password":"correct horse battery"}`,
		`{"slug":"spotting-grooming","locale":"en","title":"T","summary":"S","body":"# Hi\n<script>x</script>","ageBands":["11-13"],"topics":["grooming"]}`,
		`{"items":["a","b"]}`,
		`{"forceCode":"a","FORCECODE":"b","category":"something_else","whatHappened":"x"}`, `{"role":"admin","ROLE":"officer"}`,
		`{"reference":"SS-7KQ2-MX9D","receipt":"7KQ2-MX9D-P4HT-W3RA","fromNewerApp":true}`,
		`{"forceCode":"a","category":"something_else","whatHappened":"x","relatedReference":"ss 7kq2 mx9d"}`,
		`{"a":1,"a":2}`, "{\"body\":\"\xff\"}", `[]`, `null`, ``,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
		f.Add(uint8(i+7), []byte(s))
	}
	f.Fuzz(func(t *testing.T, kind uint8, body []byte) {
		requestKinds[int(kind)%len(requestKinds)].check(t, body)
	})
}

// FuzzForwardedFor feeds arbitrary X-Forwarded-For headers to the client
// address resolver behind a trusted proxy: it never panics, always answers
// an IP address, and never one of the trusted proxies.
func FuzzForwardedFor(f *testing.F) {
	for _, s := range []string{"", "198.51.100.7", "1.2.3.4, 10.0.0.1", "garbage, 10.0.0.2", " , ,", "2001:db8::1, 10.0.0.1",
		"10.0.0.1, 10.0.0.2", "198.51.100.7,198.51.100.8,10.0.0.1"} {
		f.Add(s)
	}
	ca := NewClientAddrs([]string{"10.0.0.0/8", "127.0.0.1"})
	remote := net.ParseIP("10.0.0.9")
	f.Fuzz(func(t *testing.T, header string) {
		got := ca.fromForwarded(remote, []byte(header))
		ip := net.ParseIP(got)
		if ip == nil {
			t.Fatalf("fromForwarded(%q) = %q, not an IP", header, got)
		}
		if ca.isTrusted(ip) && !ip.Equal(remote) {
			t.Fatalf("fromForwarded(%q) = %q, a trusted proxy", header, got)
		}
	})
}
