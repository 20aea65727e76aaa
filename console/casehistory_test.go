package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"speaksafe/accounts"
	"speaksafe/apptest"
)

// The timeline names people, not user ids: who assigned the case and to
// whom. The API's history keeps the ids.
func TestHistoryNamesPeopleInsteadOfUserIDs(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	force := app.CreateForce(t, "")
	officer := person(t, app, accounts.RoleOfficer, force.ID)
	colleague := person(t, app, accounts.RoleOfficer, force.ID)
	b := signIn(t, app, officer, "")
	id := caseIDOf(t, b, handleReport(t, app, force.Code, "gift_giver_12"))
	casePath := "/console/cases/" + id
	if p := b.post(casePath, casePath+"/assignment", url.Values{"userId": {colleague.ID}}); p.Status != http.StatusSeeOther {
		t.Fatalf("assign: %d %.300s", p.Status, p.Body)
	}
	h := b.get(casePath + "/history")
	mustContain(t, "history", h, "case.assigned", "by "+officer.Name, "assignee: "+colleague.Name)
	for _, u := range []accounts.User{officer, colleague} {
		if strings.Contains(h.Body, u.ID) {
			t.Errorf("the timeline shows the user id of %s", u.Name)
		}
	}
	api := app.Get(t, "/v1/cases/"+id+"/history", app.TokenFor(t, officer.ID))
	if api.Status != http.StatusOK || !strings.Contains(string(api.Body), `"assignee":"`+colleague.ID+`"`) {
		t.Errorf("the API's history: %d %.500s, want the assignee's id", api.Status, api.Body)
	}
}
