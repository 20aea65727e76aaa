package dbtest

import (
	"go.mongodb.org/mongo-driver/v2/bson"

	"speaksafe/database"
)

// IDIndex is the index MongoDB keeps on _id of every collection.
const IDIndex = "_id_"

// IndexFor returns the name of the first index in indexes (or IDIndex) that
// serves shape s, and false when none does. An index serves a shape when
//   - the filter matches _id by equality (or $in): the _id index finds it;
//   - or the index's first key is matched by the filter (equality, $in or a
//     range), and any sort is the index's next keys after the equality
//     prefix, in the index's order or all reversed: the index both finds the
//     documents and returns them in order, so a page costs O(page);
//   - or the filter is empty and the sort is a prefix of the index (a walk
//     of the index, page by page).
//
// Filter fields the index does not hold are applied to what it finds: the
// test checks that an index is used, not how selective it is.
func IndexFor(s Shape, indexes []database.Index) (string, bool) {
	for _, f := range s.Filter {
		if f.Field == "_id" && (f.Match == MatchEq || f.Match == MatchIn) {
			return IDIndex, true
		}
	}
	id := database.Index{Collection: s.Collection, Name: IDIndex, Keys: bson.D{{Key: "_id", Value: 1}}}
	for _, ix := range append(indexes, id) {
		if ix.Collection == s.Collection && serves(ix, s) {
			return ix.Name, true
		}
	}
	return "", false
}

func serves(ix database.Index, s Shape) bool {
	match := map[string]Match{}
	for _, f := range s.Filter {
		match[f.Field] = f.Match
	}
	keys := ix.Keys
	if len(keys) == 0 {
		return false
	}
	if len(s.Filter) > 0 {
		m, ok := match[keys[0].Key]
		if !ok || rank(m) > rank(MatchRange) {
			return false
		}
	}
	i := 0
	for i < len(keys) && (match[keys[i].Key] == MatchEq || match[keys[i].Key] == MatchIn) {
		i++
	}
	var sortRest []SortKey
	for _, k := range s.Sort {
		if m := match[k.Field]; m != MatchEq && m != MatchIn {
			sortRest = append(sortRest, k)
		}
	}
	if len(s.Filter) == 0 && len(sortRest) == 0 {
		return false // a scan: only a "# scan:" line accepts it
	}
	if len(keys)-i < len(sortRest) {
		return false
	}
	flip := 0
	for j, k := range sortRest {
		key := keys[i+j]
		if key.Key != k.Field {
			return false
		}
		same := 1
		if direction(key.Value) != k.Dir {
			same = -1
		}
		if flip == 0 {
			flip = same
		} else if flip != same {
			return false
		}
	}
	return true
}

func direction(v any) int {
	switch n := v.(type) {
	case int:
		if n < 0 {
			return -1
		}
	case int32:
		if n < 0 {
			return -1
		}
	case int64:
		if n < 0 {
			return -1
		}
	case float64:
		if n < 0 {
			return -1
		}
	}
	return 1
}
