package handlers_test

import (
	"net/http"
	"testing"

	"speaksafe/accounts"
	"speaksafe/apptest"
)

type forceJSON struct {
	Code               string `json:"code"`
	Name               string `json:"name"`
	Area               string `json:"area"`
	NonEmergencyNumber string `json:"nonEmergencyNumber"`
}

// The app learns the forces and a school's force from the API: GET
// /v1/forces lists every force (never a school) with its public details,
// and a school's collection names the force it belongs to.
func TestForcesAndASchoolsForceArePublic(t *testing.T) {
	t.Parallel()
	app := apptest.New(t)
	admin := app.Staff(t, accounts.RoleAdmin, "")
	res := app.Post(t, "/v1/organisations", admin.Token, map[string]any{"kind": "force", "name": "West Midlands Police",
		"code": "wmp-test", "area": "Birmingham and the Black Country", "nonEmergencyNumber": "101"})
	if res.Status != http.StatusCreated {
		t.Fatalf("create force: got %d; %s", res.Status, res.Body)
	}
	var force struct{ ID string }
	res.Decode(t, &force)
	if bad := app.Post(t, "/v1/organisations", admin.Token, map[string]any{"kind": "force", "name": "F",
		"code": "bad-number", "nonEmergencyNumber": "call us"}); bad.Status != http.StatusBadRequest {
		t.Errorf("force with a non-emergency number that is not one: got %d, want 400", bad.Status)
	}
	school := app.CreateSchool(t, force.ID, "Hillside Academy")
	other := app.CreateForce(t, "")

	list := app.Get(t, "/v1/forces", "")
	var got struct{ Items []forceJSON }
	list.Decode(t, &got)
	if list.Status != http.StatusOK {
		t.Fatalf("forces: got %d", list.Status)
	}
	byCode := map[string]forceJSON{}
	for _, f := range got.Items {
		byCode[f.Code] = f
	}
	want := forceJSON{Code: "wmp-test", Name: "West Midlands Police", Area: "Birmingham and the Black Country", NonEmergencyNumber: "101"}
	if byCode["wmp-test"] != want || byCode[other.Code].Name != other.Name {
		t.Errorf("forces: got %+v, want %+v and %s", got.Items, want, other.Code)
	}
	if _, listed := byCode[school.Code]; listed {
		t.Error("a school is listed as a force")
	}

	staff := app.Staff(t, accounts.RoleSchoolStaff, school.ID)
	var col struct{ JoinCode string }
	app.Get(t, "/v1/staff/collection", staff.Token).Decode(t, &col)
	shared := app.Get(t, "/v1/schools/"+col.JoinCode+"/collection", "")
	var sc struct{ Force *forceJSON }
	shared.Decode(t, &sc)
	if shared.Status != http.StatusOK || sc.Force == nil || *sc.Force != want {
		t.Errorf("school collection: got %d force %+v, want %+v", shared.Status, sc.Force, want)
	}
}
