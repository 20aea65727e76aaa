package reports

import (
	"context"
	"sync"
)

// createdRecent bounds the cases whose case.created entry this instance
// remembers writing.
const createdRecent = 1024

// createdOnce keeps the requests of one instance that store one case at
// once (twenty taps on send, a retry racing the first attempt) to one
// case.created entry: the first writes it, the others wait for its answer,
// and a case whose entry this instance wrote lately is not written again.
// Across instances a resumed request looks in the chain (Store.created).
type createdOnce struct {
	mu       sync.Mutex
	inFlight map[string]*createdCall
	recent   [createdRecent]string
	written  map[string]bool // the ids in recent
	next     int
}

type createdCall struct {
	done chan struct{}
	err  error
}

// do runs write for case id unless this instance wrote its entry lately
// or is writing it now (then it waits for that answer).
func (c *createdOnce) do(ctx context.Context, id string, write func() error) error {
	c.mu.Lock()
	if c.written[id] {
		c.mu.Unlock()
		return nil
	}
	if call := c.inFlight[id]; call != nil {
		c.mu.Unlock()
		select {
		case <-call.done:
			return call.err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if c.inFlight == nil {
		c.inFlight, c.written = map[string]*createdCall{}, map[string]bool{}
	}
	call := &createdCall{done: make(chan struct{})}
	c.inFlight[id] = call
	c.mu.Unlock()

	call.err = write()

	c.mu.Lock()
	delete(c.inFlight, id)
	if call.err == nil {
		delete(c.written, c.recent[c.next])
		c.recent[c.next], c.written[id] = id, true
		c.next = (c.next + 1) % createdRecent
	}
	c.mu.Unlock()
	close(call.done)
	return call.err
}
