package audit

import (
	"context"
	"testing"

	"speaksafe/dbtest"
)

// BenchmarkRecord appends entries to one chain from one writer and from
// several at once (-cpu sets how many): the cost of an audited action's
// entry, and how well concurrent actions share the chain.
func BenchmarkRecord(b *testing.B) {
	for _, mode := range []string{"serial", "parallel"} {
		b.Run(mode, func(b *testing.B) {
			l := New(dbtest.New(b), nil, nil)
			e := Entry{Actor: "u1", Action: "case.viewed", ObjectType: "case", ObjectID: "c1", Detail: map[string]string{"k": "v"}}
			ctx := context.Background()
			if mode == "serial" {
				for b.Loop() {
					if err := l.Record(ctx, e); err != nil {
						b.Fatal(err)
					}
				}
				return
			}
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := l.Record(ctx, e); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
