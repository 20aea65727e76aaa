package content

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"speaksafe/dbtest"
)

// benchStore returns a started store whose feed holds n published items
// (written straight into the feed: the list path only reads the feed).
func benchStore(b *testing.B, n int) *Store {
	b.Helper()
	db, clk := dbtest.New(b), newClock()
	docs := make([]any, n)
	for i := range n {
		docs[i] = Change{Seq: int64(i + 1), Kind: ChangePublished, At: clk.Now(), Summary: Summary{
			ItemID: fmt.Sprintf("bench%06d", i), Slug: fmt.Sprintf("item-%d", i), Locale: Locales[i%2],
			Title: fmt.Sprintf("Item %d about staying safe", i), Summary: "A summary of the item.",
			AgeBands: []string{AgeBands[i%3]}, Topics: []string{Topics[i%len(Topics)]}, Revision: 1}}
	}
	if _, err := db.Collection(colChanges).InsertMany(context.Background(), docs); err != nil {
		b.Fatal(err)
	}
	s := New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), clk.Now, &memAudit{}, Options{})
	if err := s.load(context.Background()); err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkList(b *testing.B) {
	for _, n := range []int{100, 10000} {
		s := benchStore(b, n)
		ctx := context.Background()
		queries := map[string]ListQuery{
			"all":      {Limit: 20},
			"filtered": {Locale: "en", AgeBand: "11-13", Topic: "grooming", Limit: 20},
			"search":   {Locale: "en", Q: "item 4", Limit: 20},
		}
		for name, q := range queries {
			b.Run(fmt.Sprintf("items=%d/%s", n, name), func(b *testing.B) {
				first, _ := s.List(ctx, q)
				q2 := q
				q2.Cursor = first.NextCursor
				b.ReportAllocs()
				for b.Loop() {
					if _, err := s.List(ctx, q2); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
