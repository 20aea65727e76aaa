package database

import (
	"context"
	"hash/fnv"
	"sync"
)

// ClaimLocks lets one claimer at a time in this process take the next
// position of a sequence (a slot list, a change sequence). Positions are
// claimed by inserting their _id, which stays correct with any number of
// claimers on any number of instances; but k claimers of one process that
// race for the same next position cost O(k²) failed inserts between them,
// and under load those outlast the request that waits for them. Taking
// turns in the process costs one insert each; claimers on other instances
// still race, and the insert still decides. The zero value is ready.
type ClaimLocks struct {
	once    sync.Once
	stripes [64]chan struct{}
}

// Lock waits for key's turn, or for ctx to end, and returns the function
// that gives the turn back.
func (l *ClaimLocks) Lock(ctx context.Context, key string) (func(), error) {
	l.once.Do(func() {
		for i := range l.stripes {
			l.stripes[i] = make(chan struct{}, 1)
		}
	})
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	turn := l.stripes[h.Sum32()%uint32(len(l.stripes))]
	select {
	case turn <- struct{}{}:
		return func() { <-turn }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
