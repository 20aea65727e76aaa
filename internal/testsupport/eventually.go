package testsupport

import (
	"context"
	"fmt"
	"time"
)

// Eventually polls cond every interval until it returns true or timeout
// passes. It is for conditions in another process, which cannot signal the
// test; within one process, wait on a channel or drive the injected clock
// instead.
func Eventually(ctx context.Context, timeout, interval time.Duration, cond func() (bool, error)) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		ok, err := cond()
		if ok {
			return nil
		}
		last = err
		if time.Now().After(deadline) {
			return fmt.Errorf("testsupport: condition not met within %s (last error: %v)", timeout, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}
