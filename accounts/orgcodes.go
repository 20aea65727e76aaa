package accounts

import (
	"context"
	"strings"
	"sync"
)

// OrgRef is the part of an organisation that never changes once it
// exists: its id and its kind.
type OrgRef struct {
	ID   string
	Kind OrgKind
}

// maxCachedCodes bounds the codes a Store remembers; past it the cache
// starts again empty.
const maxCachedCodes = 4096

// codeCache remembers, per normalised code, the organisation it names.
// An organisation's code, id and kind never change and organisations are
// never deleted, so an entry is never stale and needs no expiry, on any
// number of instances. Only codes found are kept: a guessed code is looked
// up every time and costs the cache nothing.
type codeCache struct {
	mu sync.RWMutex
	m  map[string]OrgRef
}

func (c *codeCache) get(code string) (OrgRef, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	r, ok := c.m[code]
	return r, ok
}

func (c *codeCache) put(code string, r OrgRef) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedCodes {
		c.m = make(map[string]OrgRef)
	}
	c.m[strings.Clone(code)] = r
}

// OrgRefByCode returns the id and kind of the organisation whose short code
// is code (case-insensitive): what report intake needs to route a report,
// read from the store once per code and process.
func (s *Store) OrgRefByCode(ctx context.Context, code string) (OrgRef, error) {
	code = NormaliseCode(code)
	if r, ok := s.codes.get(code); ok {
		return r, nil
	}
	o, err := s.OrganisationByCode(ctx, code)
	if err != nil {
		return OrgRef{}, err
	}
	r := OrgRef{ID: o.ID, Kind: o.Kind}
	s.codes.put(code, r)
	return r, nil
}
