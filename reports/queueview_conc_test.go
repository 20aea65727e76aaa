package reports

import (
	"context"
	"sync"
	"testing"
)

// Writers in one instance and in another append queue changes at once:
// each claims its own number, and every case is listed.
func TestQueueChangesClaimedAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stores := []*Store{e.store, e.secondInstance(t)}
	const writers, each = 4, 60
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			batch := make([]SeedCase, each)
			for i := range batch {
				batch[i] = SeedCase{Report: routine("seeded"), At: e.clock.Now()}
			}
			if err := stores[w%2].Seed(context.Background(), batch); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	n := 0
	page := QueuePage{NextCursor: ""}
	for first := true; first || page.NextCursor != ""; first = false {
		var err error
		if page, err = e.store.Queue(officerA(), QueueFilter{Limit: MaxQueueLimit, Cursor: page.NextCursor}); err != nil {
			t.Fatal(err)
		}
		n += len(page.Cases)
	}
	if n != writers*each {
		t.Errorf("queue lists %d cases, want %d", n, writers*each)
	}
}
