package dbtest

import (
	"fmt"
	"sort"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Shape is what an index has to serve in one query: the collection, the
// command, the filter's fields with how each is matched, and the sort.
type Shape struct {
	Collection string
	Op         string
	Filter     []FilterField // sorted by field name
	Sort       []SortKey     // in sort order
}

// Match says how a filter field is matched, which decides where in an index
// it can serve.
type Match string

// The matches a filter field can have.
const (
	MatchEq    Match = "eq"    // a value or $eq: an equality prefix of an index
	MatchIn    Match = "in"    // $in: equality for index purposes
	MatchRange Match = "range" // $lt, $lte, $gt, $gte: bounds after the equalities
	MatchOr    Match = "or"    // inside $or or $nor: a bound, not a prefix
	MatchOther Match = "other" // $ne, $nin, $exists, …: filters what the index found
)

// FilterField is one field of a filter.
type FilterField struct {
	Field string
	Match Match
}

// SortKey is one field of a sort, Dir 1 or -1.
type SortKey struct {
	Field string
	Dir   int
}

// String renders s as one line of queryshapes.txt:
//
//	cases find filter=forceId,status:other sort=urgent:-1,createdAt:1
func (s Shape) String() string {
	f := make([]string, len(s.Filter))
	for i, x := range s.Filter {
		f[i] = x.Field
		if x.Match != MatchEq {
			f[i] += ":" + string(x.Match)
		}
	}
	line := fmt.Sprintf("%s %s filter=%s", s.Collection, s.Op, strings.Join(f, ","))
	if len(s.Sort) > 0 {
		k := make([]string, len(s.Sort))
		for i, x := range s.Sort {
			k[i] = fmt.Sprintf("%s:%d", x.Field, x.Dir)
		}
		line += " sort=" + strings.Join(k, ",")
	}
	return line
}

// ParseShape reads a line written by Shape.String.
func ParseShape(line string) (Shape, error) {
	parts := strings.Fields(line)
	if len(parts) < 3 || len(parts) > 4 || !strings.HasPrefix(parts[2], "filter=") {
		return Shape{}, fmt.Errorf("dbtest: shape %q: want `collection op filter=… [sort=…]`", line)
	}
	s := Shape{Collection: parts[0], Op: parts[1]}
	if f := strings.TrimPrefix(parts[2], "filter="); f != "" {
		for _, x := range strings.Split(f, ",") {
			name, m, ok := strings.Cut(x, ":")
			if !ok {
				m = string(MatchEq)
			}
			s.Filter = append(s.Filter, FilterField{Field: name, Match: Match(m)})
		}
	}
	if len(parts) == 4 {
		k, ok := strings.CutPrefix(parts[3], "sort=")
		if !ok {
			return Shape{}, fmt.Errorf("dbtest: shape %q: fourth part must be sort=…", line)
		}
		for _, x := range strings.Split(k, ",") {
			var key SortKey
			name, dir, _ := strings.Cut(x, ":")
			if _, err := fmt.Sscanf(dir, "%d", &key.Dir); err != nil || (key.Dir != 1 && key.Dir != -1) {
				return Shape{}, fmt.Errorf("dbtest: shape %q: sort direction of %s must be 1 or -1", line, name)
			}
			key.Field = name
			s.Sort = append(s.Sort, key)
		}
	}
	return s, nil
}

// shapesOf returns the query shapes of one command as the driver sends it;
// none for commands that do not query (insert, getMore, index and
// administration commands).
func shapesOf(name string, cmd bson.Raw) []Shape {
	coll, _ := cmd.Lookup(name).StringValueOK()
	one := func(filter, sortDoc bson.RawValue) Shape {
		return Shape{Collection: coll, Op: name, Filter: filterFields(filter), Sort: sortKeys(sortDoc)}
	}
	switch name {
	case "find":
		return []Shape{one(cmd.Lookup("filter"), cmd.Lookup("sort"))}
	case "findAndModify":
		return []Shape{one(cmd.Lookup("query"), cmd.Lookup("sort"))}
	case "count", "distinct":
		return []Shape{one(cmd.Lookup("query"), bson.RawValue{})}
	case "update":
		return statements(cmd, "updates", one)
	case "delete":
		return statements(cmd, "deletes", one)
	case "aggregate":
		return aggregateShape(cmd, one)
	}
	return nil
}

func statements(cmd bson.Raw, key string, one func(f, s bson.RawValue) Shape) []Shape {
	arr, ok := cmd.Lookup(key).ArrayOK()
	if !ok {
		return nil
	}
	vals, _ := arr.Values()
	out := make([]Shape, 0, len(vals))
	for _, v := range vals {
		doc, ok := v.DocumentOK()
		if !ok {
			continue
		}
		out = append(out, one(doc.Lookup("q"), bson.RawValue{}))
	}
	return out
}

// aggregateShape takes the leading $match and a $sort right after it: the
// part of a pipeline an index can serve.
func aggregateShape(cmd bson.Raw, one func(f, s bson.RawValue) Shape) []Shape {
	arr, ok := cmd.Lookup("pipeline").ArrayOK()
	if !ok {
		return nil
	}
	vals, _ := arr.Values()
	var match, sortDoc bson.RawValue
	for i, v := range vals {
		stage, _ := v.DocumentOK()
		if m, err := stage.LookupErr("$match"); err == nil && i == 0 {
			match = m
			continue
		}
		if s, err := stage.LookupErr("$sort"); err == nil && i <= 1 {
			sortDoc = s
		}
		break
	}
	return []Shape{one(match, sortDoc)}
}

// filterFields lists the fields of a filter with how each is matched.
// $and is flattened; fields under $or and $nor are bounds.
func filterFields(v bson.RawValue) []FilterField {
	doc, ok := v.DocumentOK()
	if !ok {
		return nil
	}
	seen := map[string]Match{}
	collect(doc, seen, false)
	out := make([]FilterField, 0, len(seen))
	for f, m := range seen {
		out = append(out, FilterField{Field: f, Match: m})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

func collect(doc bson.Raw, seen map[string]Match, inOr bool) {
	elems, _ := doc.Elements()
	for _, e := range elems {
		key := e.Key()
		switch key {
		case "$and", "$or", "$nor":
			arr, _ := e.Value().ArrayOK()
			vals, _ := arr.Values()
			for _, b := range vals {
				if d, ok := b.DocumentOK(); ok {
					collect(d, seen, inOr || key != "$and")
				}
			}
			continue
		}
		m := matchOf(e.Value())
		if inOr {
			m = MatchOr
		}
		if old, ok := seen[key]; !ok || rank(m) < rank(old) {
			seen[key] = m
		}
	}
}

// rank orders matches by how much of an index they can use (lower is more).
func rank(m Match) int {
	switch m {
	case MatchEq, MatchIn:
		return 0
	case MatchRange:
		return 1
	case MatchOr:
		return 2
	}
	return 3
}

func matchOf(v bson.RawValue) Match {
	doc, ok := v.DocumentOK()
	if !ok {
		return MatchEq
	}
	elems, _ := doc.Elements()
	if len(elems) == 0 || !strings.HasPrefix(elems[0].Key(), "$") {
		return MatchEq // an embedded document compared whole
	}
	best := MatchOther
	for _, e := range elems {
		var m Match
		switch e.Key() {
		case "$eq":
			m = MatchEq
		case "$in":
			m = MatchIn
		case "$lt", "$lte", "$gt", "$gte":
			m = MatchRange
		default:
			m = MatchOther
		}
		if rank(m) < rank(best) {
			best = m
		}
	}
	return best
}

func sortKeys(v bson.RawValue) []SortKey {
	doc, ok := v.DocumentOK()
	if !ok {
		return nil
	}
	elems, _ := doc.Elements()
	out := make([]SortKey, 0, len(elems))
	for _, e := range elems {
		dir := 1
		if n, ok := e.Value().AsInt64OK(); ok && n < 0 {
			dir = -1
		}
		out = append(out, SortKey{Field: e.Key(), Dir: dir})
	}
	return out
}
