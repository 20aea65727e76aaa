package handlers_test

import (
	"context"
	"net/http"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/apptest"
	"speaksafe/database"
)

// breakAuditLog stores an entry the audit log cannot read where its next
// entry goes, so that every append fails until it is removed.
func breakAuditLog(t *testing.T, app *apptest.App) {
	t.Helper()
	ctx := context.Background()
	c := app.DB.Collection("audit_log")
	var last struct {
		Seq int64 `bson:"seq"`
	}
	err := c.FindOne(ctx, bson.D{}, options.FindOne().SetSort(bson.D{{Key: "_id", Value: -1}})).Decode(&last)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: database.SeqKey(last.Seq + 1)}, {Key: "seq", Value: last.Seq + 1}, {Key: "at", Value: "not a time"}}); err != nil {
		t.Fatal(err)
	}
}

// With an audit log that cannot be written, staff actions of accounts and
// content do not happen: the request answers 500 as any other store
// failure (503 when the store is unreachable) and nothing changes.
func TestActionsFailClosedWhenTheAuditLogCannotBeWritten(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	staff := w.Who(t, "schoolA/school_staff")
	if res, _ := staffDo(t, app, http.MethodPost, "/v1/staff/content", staff.Token, "", draftBody("kept")); res.Status != http.StatusCreated {
		t.Fatalf("create draft: status %d: %s", res.Status, res.Body)
	}
	breakAuditLog(t, app)

	res := app.Post(t, "/v1/users", w.Admin.Token, map[string]any{"email": "refused@example.test",
		"name": "Refused", "role": "school_staff", "orgId": w.SchoolA.ID})
	if res.Status != http.StatusInternalServerError {
		t.Errorf("create user: status %d, want 500: %s", res.Status, res.Body)
	}
	res = app.Do(t, apptest.Request{Method: http.MethodPatch, Path: "/v1/users/" + staff.ID, Token: w.Admin.Token,
		Body: map[string]any{"name": "Renamed"}})
	if res.Status != http.StatusInternalServerError {
		t.Errorf("rename user: status %d, want 500: %s", res.Status, res.Body)
	}
	if res, _ := staffDo(t, app, http.MethodPost, "/v1/staff/content", staff.Token, "", draftBody("refused")); res.Status != http.StatusInternalServerError {
		t.Errorf("create draft: status %d, want 500: %s", res.Status, res.Body)
	}

	if n, err := app.DB.Collection("users").CountDocuments(context.Background(), bson.D{{Key: "email", Value: "refused@example.test"}}); err != nil || n != 0 {
		t.Errorf("refused user stored: %d (%v)", n, err)
	}
	var got struct{ Name string }
	app.Get(t, "/v1/users/"+staff.ID, w.Admin.Token).Decode(t, &got)
	if got.Name == "Renamed" {
		t.Errorf("refused rename saved")
	}
	var own struct{ Items []struct{ Slug string } }
	app.Get(t, "/v1/staff/content", staff.Token).Decode(t, &own)
	if len(own.Items) != 1 || own.Items[0].Slug != "kept" {
		t.Errorf("drafts after the refused one: %+v, want only kept", own.Items)
	}
}

// Rota and phone changes follow the same policy: with the audit log
// unwritable, a supervisor's new rotation and an officer's new phone are
// refused and nothing is stored, so a change to who is paged never goes
// unrecorded.
func TestOnCallAndDeviceChangesFailClosed(t *testing.T) {
	t.Parallel()
	app := apptest.New(t, apptest.WithoutWorkers())
	w := app.NewWorld(t)
	sup, off := w.Who(t, "forceA/supervisor"), w.Who(t, "forceA/officer")
	breakAuditLog(t, app)

	rotation := map[string]any{"name": "Unrecorded", "members": []string{off.ID}, "shiftHours": 24, "handover": "08:00", "startDate": "2025-01-01"}
	if res := app.Post(t, "/v1/oncall/rotations", sup.Token, rotation); res.Status != http.StatusInternalServerError {
		t.Errorf("create rotation: status %d, want 500: %s", res.Status, res.Body)
	}
	device := map[string]string{"token": "unrecorded-phone-token-0001", "platform": "android", "appVersion": "2.2"}
	if res := app.Post(t, "/v1/me/devices", off.Token, device); res.Status != http.StatusInternalServerError {
		t.Errorf("register device: status %d, want 500: %s", res.Status, res.Body)
	}
	for coll, filter := range map[string]bson.D{
		"oncall_rotations": {{Key: "name", Value: "Unrecorded"}},
		"devices":          {{Key: "userId", Value: off.ID}},
	} {
		if n, err := app.DB.Collection(coll).CountDocuments(context.Background(), filter); err != nil || n != 0 {
			t.Errorf("%s stored without an audit entry: %d (%v)", coll, n, err)
		}
	}
}
