package reports

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"

	"speaksafe/database"
)

// seedBenchBatch is the batch the growth load test seeds with.
const seedBenchBatch = 500

// BenchmarkSeed measures Seed's rate (cases/s, one batch of seedBenchBatch
// per op) into a store that already holds a given number of cases, with
// the declared indexes, in the load test's shape: half in each of two
// forces, one in ten open, each naming one handle. The rate should not
// fall as the store grows; before the change sequence's ids were strings
// it fell about fivefold from 2 000 to 20 000 stored (docs/PERFORMANCE.md).
//
//	go test ./reports/ -run '^$' -bench Seed -benchtime 4x
func BenchmarkSeed(b *testing.B) {
	for _, size := range []int{2000, 20000} {
		b.Run(fmt.Sprintf("stored=%d", size), func(b *testing.B) {
			e := newEnv(b)
			ctx := context.Background()
			if err := database.EnsureIndexes(ctx, e.db, Indexes()); err != nil {
				b.Fatal(err)
			}
			n := 0
			for n < size {
				if err := e.store.Seed(ctx, e.seedCases(b, &n, seedBenchBatch)); err != nil {
					b.Fatal(err)
				}
			}
			seeded := 0
			for b.Loop() {
				if err := e.store.Seed(ctx, e.seedCases(b, &n, seedBenchBatch)); err != nil {
					b.Fatal(err)
				}
				seeded += seedBenchBatch
			}
			b.ReportMetric(float64(seeded)/b.Elapsed().Seconds(), "cases/s")
		})
	}
}

// seedCases returns the next count cases after *n in the load test's
// shape, counting them in *n.
func (e *env) seedCases(b *testing.B, n *int, count int) []SeedCase {
	out := make([]SeedCase, 0, count)
	for range count {
		*n++
		code, officer := "AB", "officer-a"
		if *n%2 == 1 {
			code, officer = "CD", "officer-b"
		}
		r := Report{ForceCode: code, Category: CategoryWorriedAboutFriend,
			WhatHappened: "Seeded report; my friend is being messaged by an adult.",
			Answers:      Answers{AgeBand: "11-13", Handles: []Handle{{Platform: "game", Handle: "player_" + randomHex(b, 3)}}}}
		c := SeedCase{Report: r, At: e.clock.Now()}
		if (*n/2)%10 != 0 {
			c.Closed, c.ClosedBy, c.Disposition = true, officer, DispositionAdviceGiven
		}
		out = append(out, c)
	}
	return out
}

func randomHex(b *testing.B, n int) string {
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		b.Fatal(err)
	}
	return hex.EncodeToString(buf)
}
