package cli

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/fieldcrypt"
	"speaksafe/referrals"
)

// sealedPlace is where sealed values are stored: a collection and a dotted
// path in its documents, "[]" standing for each element of an array.
// owner names the field holding the id of the record a value belongs to
// (the case of an event), "_id" when the document is the record.
type sealedPlace struct {
	coll, path, owner string
}

// sealedPlaces lists every field that fieldcrypt seals (reports: case.go,
// status.go, thread.go, caseevents.go; accounts: totp.go).
func sealedPlaces() []sealedPlace {
	out := []sealedPlace{
		{"users", "totp.secret", "_id"},
		{"cases", "whatHappened", "_id"}, {"cases", "handles", "_id"},
		{"cases", "contact", "_id"}, {"cases", "outcome", "_id"}, {"cases", "concern.pupil", "_id"},
		{"case_threads", "messages.[].body", "_id"}, {"case_threads", "notes.[].body", "_id"},
		{"case_events", "state.outcome", "caseId"}, {"case_events", "entry.body", "caseId"},
	}
	for _, p := range referrals.SealedPlaces() {
		out = append(out, sealedPlace{p[0], p[1], p[2]})
	}
	return out
}

// keyCensus is what a scan found: how many values each key id seals, per
// place, and which records hold values under a key other than the current.
type keyCensus struct {
	// counts[place][kid] is how many values of place kid seals.
	counts map[string]map[string]int
	// stale[coll] are the owners of values not under the current key.
	stale map[string]map[string]bool
	docs  int
}

// scanSealed reads every document of the collections with sealed fields.
func scanSealed(ctx context.Context, db *mongo.Database, keys *fieldcrypt.Keys, pr *progress) (*keyCensus, error) {
	c := &keyCensus{counts: map[string]map[string]int{}, stale: map[string]map[string]bool{}}
	byColl := map[string][]sealedPlace{}
	var colls []string
	for _, p := range sealedPlaces() {
		if byColl[p.coll] == nil {
			colls = append(colls, p.coll)
		}
		byColl[p.coll] = append(byColl[p.coll], p)
	}
	for _, coll := range colls {
		if err := c.scan(ctx, db.Collection(coll), byColl[coll], keys, pr); err != nil {
			return nil, fmt.Errorf("scan %s: %w", coll, err)
		}
	}
	return c, nil
}

func (c *keyCensus) scan(ctx context.Context, coll *mongo.Collection, places []sealedPlace, keys *fieldcrypt.Keys, pr *progress) error {
	cur, err := coll.Find(ctx, bson.D{})
	if err != nil {
		return err
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var doc bson.M
		if err := cur.Decode(&doc); err != nil {
			return err
		}
		c.docs++
		for _, p := range places {
			owner, _ := doc[p.owner].(string)
			for _, v := range valuesAt(doc, strings.Split(p.path, ".")) {
				c.add(p, owner, keyIDOf(v), keys)
			}
		}
		pr.update("%d documents scanned", c.docs)
	}
	return cur.Err()
}

func (c *keyCensus) add(p sealedPlace, owner, kid string, keys *fieldcrypt.Keys) {
	name := p.coll + "." + p.path
	if c.counts[name] == nil {
		c.counts[name] = map[string]int{}
	}
	c.counts[name][kid]++
	if kid != keys.CurrentKeyID() {
		if c.stale[p.coll] == nil {
			c.stale[p.coll] = map[string]bool{}
		}
		c.stale[p.coll][owner] = true
	}
}

// notSealed stands for a value that has no key id: never print the value
// itself, it may be plaintext.
const notSealed = "(no key id)"

var kidPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

func keyIDOf(v string) string {
	if kid := fieldcrypt.KeyID(v); strings.Contains(v, ".") && kidPattern.MatchString(kid) {
		return kid
	}
	return notSealed
}

// valuesAt answers the non-empty strings at path in v.
func valuesAt(v any, path []string) []string {
	if len(path) == 0 {
		s, _ := v.(string)
		if s == "" {
			return nil
		}
		return []string{s}
	}
	if path[0] == "[]" {
		var out []string
		for _, e := range asArray(v) {
			out = append(out, valuesAt(e, path[1:])...)
		}
		return out
	}
	switch d := v.(type) {
	case bson.M:
		return valuesAt(d[path[0]], path[1:])
	case bson.D:
		for _, e := range d {
			if e.Key == path[0] {
				return valuesAt(e.Value, path[1:])
			}
		}
	}
	return nil
}

func asArray(v any) []any {
	switch a := v.(type) {
	case bson.A:
		return a
	case []any:
		return a
	}
	return nil
}

// problems lists, place by place, the values under a key that DATA_KEYS
// no longer has (retired) and under one that is not the first (to rekey).
func (c *keyCensus) problems(keys *fieldcrypt.Keys) (retired, old []string) {
	names := make([]string, 0, len(c.counts))
	for name := range c.counts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		kids := make([]string, 0, len(c.counts[name]))
		for kid := range c.counts[name] {
			kids = append(kids, kid)
		}
		sort.Strings(kids)
		for _, kid := range kids {
			line := fmt.Sprintf("%s: %d value(s) under key %q", name, c.counts[name][kid], kid)
			switch {
			case !keys.Has(kid):
				retired = append(retired, line)
			case kid != keys.CurrentKeyID():
				old = append(old, line)
			}
		}
	}
	return retired, old
}

// total is how many sealed values the scan found.
func (c *keyCensus) total() int {
	n := 0
	for _, kids := range c.counts {
		for _, k := range kids {
			n += k
		}
	}
	return n
}
