package reports

import (
	"testing"

	"speaksafe/fieldcrypt"
)

// A concern's sealed pupil moves to the current key with the rest of its
// case, so that rekey can retire the key that sealed it.
func TestRekeyMovesAConcernsPupilToTheCurrentKey(t *testing.T) {
	e := newEnv(t)
	old, err := fieldcrypt.NewKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	if e.store.keys, err = fieldcrypt.Parse(old); err != nil {
		t.Fatal(err)
	}
	d := &caseDoc{ID: "case-concern-1", Kind: KindConcern, Concern: &concernDoc{SchoolID: "school-a"}}
	if d.Concern.Pupil, err = e.store.sealJSON(d.ID, fieldPupil, Pupil{FirstName: "Bilal", YearGroup: "year_7", DateOfBirth: "2014-02-01"}); err != nil {
		t.Fatal(err)
	}
	fresh, err := fieldcrypt.NewKey("k2")
	if err != nil {
		t.Fatal(err)
	}
	both, err := fieldcrypt.Parse(fresh + "," + old)
	if err != nil {
		t.Fatal(err)
	}
	e.store.keys = both
	set, err := e.store.intakeReseals(d)
	if err != nil || len(set) != 1 || set[0].Key != "concern."+fieldPupil {
		t.Fatalf("reseal of a concern: got %v, %v; want the pupil", set, err)
	}
	v, _ := set[0].Value.(string)
	if fieldcrypt.KeyID(v) != "k2" {
		t.Errorf("pupil resealed under %q, want k2", fieldcrypt.KeyID(v))
	}
	d.Concern.Pupil = v
	if again, err := e.store.intakeReseals(d); err != nil || len(again) != 0 {
		t.Errorf("second reseal: got %v, %v; want nothing left", again, err)
	}
}
