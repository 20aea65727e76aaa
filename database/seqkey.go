package database

import (
	"fmt"
	"strconv"
)

// seqKeyDigits is the width of a sequence key: every int64 fits.
const seqKeyDigits = 19

// SeqKey is the _id of position n of a sequence claimed by _id insert (the
// audit chain, the queue's changes, the content feed): n in decimal,
// zero-padded so that the keys sort as the numbers do (sorting and ranges
// on _id keep their order on both engines).
//
// Sequences use string keys, never numbers, because the embedded store
// looks a document up by _id through its SQLite index only when the _id is
// a string or an ObjectID (FerretDB 1.24's sqlite backend pushes no other
// type down): a numeric _id is found by reading the whole collection, so a
// sequence keyed by numbers gets slower with every entry. FindByID takes
// string ids for the same reason.
func SeqKey(n int64) string {
	return fmt.Sprintf("%0*d", seqKeyDigits, n)
}

// ParseSeqKey is SeqKey's inverse; ok is false for anything SeqKey does not
// produce.
func ParseSeqKey(key string) (n int64, ok bool) {
	if len(key) != seqKeyDigits || key[0] == '-' || key[0] == '+' {
		return 0, false
	}
	n, err := strconv.ParseInt(key, 10, 64)
	return n, err == nil && n >= 0
}
