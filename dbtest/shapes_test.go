package dbtest_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/accounts"
	"speaksafe/alerts"
	"speaksafe/audit"
	"speaksafe/content"
	"speaksafe/database"
	"speaksafe/dbtest"
	"speaksafe/devices"
	"speaksafe/oncall"
	"speaksafe/ratelimit"
	"speaksafe/referrals"
	"speaksafe/reminders"
	"speaksafe/reports"
)

// declared is every index the server creates at start-up (server/wire*.go
// and content.Store.Setup call EnsureIndexes with these). A package that
// declares indexes of its own adds its Indexes() here.
func declared() []database.Index {
	var all []database.Index
	for _, ix := range [][]database.Index{accounts.Indexes(), ratelimit.Indexes(), content.Indexes(),
		devices.Indexes(), oncall.Indexes(), alerts.Indexes(), reports.Indexes(), reports.FactIndexes(), audit.Indexes(), referrals.Indexes(),
		reminders.Indexes()} {
		all = append(all, ix...)
	}
	return all
}

// The MongoDB path stays honest: every query shape the code sends (each
// test fails on one missing from queryshapes.txt) is served by a declared
// index, or is marked as a deliberate scan with its reason.
func TestEveryQueryShapeHasAnIndex(t *testing.T) {
	t.Parallel()
	known := dbtest.KnownShapes()
	if len(known) == 0 {
		t.Fatal("queryshapes.txt lists no shape")
	}
	seen := map[string]bool{}
	for _, k := range known {
		line := k.Shape.String()
		if seen[line] {
			t.Errorf("%s: listed twice", line)
		}
		seen[line] = true
		name, ok := dbtest.IndexFor(k.Shape, declared())
		switch {
		case k.Scan() && strings.TrimSpace(strings.TrimPrefix(k.Note, "scan:")) == "":
			t.Errorf("%s: a scan must say why", line)
		case k.Scan() && ok:
			t.Errorf("%s: marked as a scan, but index %s serves it: drop the mark", line, name)
		case !k.Scan() && !ok:
			t.Errorf("%s: no declared index serves it; declare one in the store's Indexes()", line)
		}
	}
}

func TestIndexForAcceptsOnlyIndexesThatFindAndOrder(t *testing.T) {
	t.Parallel()
	queue := database.Index{Collection: "cases", Name: "queue", Keys: keys("forceId", 1, "urgent", -1, "createdAt", 1)}
	for _, tc := range []struct {
		shape string
		want  string
	}{
		{"cases find filter=_id,forceId", dbtest.IDIndex},
		{"cases find filter=forceId sort=urgent:-1,createdAt:1", "queue"},
		{"cases find filter=forceId sort=urgent:1,createdAt:-1", "queue"}, // all reversed
		{"cases find filter=forceId,status sort=urgent:-1", "queue"},      // status filtered on what the index finds
		{"cases find filter=forceId,urgent sort=createdAt:1", "queue"},
		{"cases find filter= sort=_id:1", dbtest.IDIndex},
		{"cases find filter=forceId sort=createdAt:1", ""},               // the index orders by urgent first
		{"cases find filter=forceId sort=urgent:-1,createdAt:-1", ""},    // mixed directions
		{"cases find filter=status", ""},                                 // not the index's first key
		{"cases find filter=forceId:other", ""},                          // $ne cannot seek
		{"cases find filter=", ""},                                       // a scan
		{"alerts find filter=forceId sort=urgent:-1", ""},                // another collection's index
		{"cases find filter=forceId sort=urgent:-1,createdAt:1,x:1", ""}, // more sort than index
	} {
		s, err := dbtest.ParseShape(tc.shape)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := dbtest.IndexFor(s, []database.Index{queue})
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: got %q, %v; want %q", tc.shape, got, ok, tc.want)
		}
	}
}

// docs/scaling.md shows every shape with the index that serves it, between
// two markers, as TestEveryQueryShapeHasAnIndex sees them.
// DBTEST_UPDATE_SCALING_DOC=1 rewrites the table.
func TestScalingDocListsEveryQueryShape(t *testing.T) {
	t.Parallel()
	const path = "../docs/scaling.md"
	const begin, end = "<!-- query shapes: begin -->\n", "<!-- query shapes: end -->"
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok1 := strings.Cut(string(doc), begin)
	_, after, ok2 := strings.Cut(rest, end)
	if !ok1 || !ok2 {
		t.Fatalf("%s: markers %q and %q not found", path, begin, end)
	}
	table := shapeTable()
	if os.Getenv("DBTEST_UPDATE_SCALING_DOC") != "" {
		if err := os.WriteFile(path, []byte(before+begin+table+end+after), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !strings.HasPrefix(rest, table+end) {
		t.Errorf("%s: the query shape table is out of date; run DBTEST_UPDATE_SCALING_DOC=1 go test -run TestScalingDoc ./dbtest/", path)
	}
}

func shapeTable() string {
	var b strings.Builder
	b.WriteString("| collection | command | filter (how matched) | sort | served by |\n|---|---|---|---|---|\n")
	for _, k := range dbtest.KnownShapes() {
		var f, s []string
		for _, x := range k.Shape.Filter {
			f = append(f, fmt.Sprintf("%s (%s)", x.Field, x.Match))
		}
		for _, x := range k.Shape.Sort {
			s = append(s, fmt.Sprintf("%s %+d", x.Field, x.Dir))
		}
		by, ok := dbtest.IndexFor(k.Shape, declared())
		if !ok {
			by = "scan: " + strings.TrimSpace(strings.TrimPrefix(k.Note, "scan:"))
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", k.Shape.Collection, k.Shape.Op,
			strings.Join(f, ", "), strings.Join(s, ", "), by)
	}
	return b.String()
}

func keys(kv ...any) bson.D {
	var d bson.D
	for i := 0; i+1 < len(kv); i += 2 {
		d = append(d, bson.E{Key: kv[i].(string), Value: kv[i+1]})
	}
	return d
}

// Every collection the code queries is created at start-up (declared, with
// its indexes or with database.Collections), so that the embedded store
// indexes its _id before the first request rather than scanning it until
// its next sweep.
func TestEveryQueriedCollectionIsCreatedAtStartUp(t *testing.T) {
	t.Parallel()
	// Collections of the store's own tests, which the server never uses.
	testOnly := map[string]bool{"bad$name": true, "things": true, "changes": true, "claims": true}
	created := map[string]bool{}
	for _, ix := range declared() {
		created[ix.Collection] = true
	}
	missing := map[string]bool{}
	for _, k := range dbtest.KnownShapes() {
		if c := k.Shape.Collection; !created[c] && !testOnly[c] {
			missing[c] = true
		}
	}
	for c := range missing {
		t.Errorf("%s: queried but not created at start-up; add it to its package's Indexes() (database.Collections)", c)
	}
}
