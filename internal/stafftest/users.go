// Package stafftest holds test doubles of the staff directory shared by the
// on-call, device and alert engine tests.
package stafftest

import (
	"context"
	"sync"

	"speaksafe/accounts"
	"speaksafe/errkind"
)

// Users is an in-memory directory of staff: LookupUser as accounts answers
// it, NotFound for anyone never added.
type Users struct {
	mu    sync.Mutex
	users map[string]accounts.User
}

// NewUsers returns an empty directory.
func NewUsers() *Users { return &Users{users: map[string]accounts.User{}} }

// LookupUser returns user id, or errkind.NotFound.
func (f *Users) LookupUser(_ context.Context, id string) (accounts.User, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[id]
	if !ok {
		return accounts.User{}, errkind.NotFound
	}
	return u, nil
}

// Update changes user id with fn, adding the user when absent.
func (f *Users) Update(id string, fn func(*accounts.User)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.users[id]
	fn(&u)
	f.users[id] = u
}
