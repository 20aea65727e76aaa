package reports

import "strconv"

// changeID is the _id of queue change n: its number in decimal, as a
// string. The embedded store finds a document from its _id index only when
// the _id looked up is a string or an ObjectID (FerretDB 1.24 pushes no
// other {_id: v} filter down to SQLite); a numeric _id is found by reading
// the whole collection. Every queue change is looked up by _id, several
// times per change written (the search for the newest change, each
// instance's catch-up), so numeric ids made each change cost O(changes)
// and a bulk load of N open cases O(N²). Changes stored with numeric ids
// by earlier versions are ignored: the sequence starts again at 1 under
// string ids, and every instance's copy is rebuilt from the entries at its
// start and every rebuildEvery.
func changeID(n int64) string {
	return strconv.FormatInt(n, 10)
}
