package handlers

import (
	"bytes"
	"sync"
	"sync/atomic"
)

// maxCachedLists bounds the encoded list pages kept for one feed position:
// the app's screens ask for a handful of filter combinations, and a client
// cycling searches or cursors only makes the cache start over.
const maxCachedLists = 256

// encodedList is one list page as sent: its strong ETag and JSON body.
// Both are immutable once built.
type encodedList struct {
	etag []byte
	body []byte
}

// listPages are the encoded public list pages of one feed position, keyed
// by the request's raw query string. The feed position names the
// catalogue's content exactly, so a page built at a position is the answer
// to its query for as long as the catalogue stays there.
type listPages struct {
	seq   int64
	mu    sync.RWMutex
	pages map[string]*encodedList
}

// listCache keeps the encoded pages of the newest feed position this
// instance has served; a page of a newer position replaces them all.
type listCache struct {
	cur atomic.Pointer[listPages]
}

// get returns the page cached for query at feed position seq, or nil.
// query may be a request buffer: the lookup does not keep it.
func (l *listCache) get(seq int64, query []byte) *encodedList {
	p := l.cur.Load()
	if p == nil || p.seq != seq {
		return nil
	}
	p.mu.RLock()
	e := p.pages[string(query)]
	p.mu.RUnlock()
	return e
}

// put keeps e as the page of query at seq, unless a newer position is
// already cached. query must own its bytes.
func (l *listCache) put(seq int64, query string, e *encodedList) {
	p := l.cur.Load()
	for p == nil || p.seq < seq {
		n := &listPages{seq: seq, pages: map[string]*encodedList{}}
		if l.cur.CompareAndSwap(p, n) {
			p = n
			break
		}
		p = l.cur.Load()
	}
	if p.seq != seq {
		return // built from an older catalogue: answered, not kept
	}
	p.mu.Lock()
	if len(p.pages) >= maxCachedLists {
		clear(p.pages)
	}
	p.pages[query] = e
	p.mu.Unlock()
}

// matchesETag reports whether an If-None-Match value names etag (or is
// "*"), comparing weakly as RFC 9110 asks for GET. It reads inm in place.
func matchesETag(inm, etag []byte) bool {
	for len(inm) > 0 {
		var t []byte
		if i := bytes.IndexByte(inm, ','); i >= 0 {
			t, inm = inm[:i], inm[i+1:]
		} else {
			t, inm = inm, nil
		}
		t = bytes.TrimPrefix(bytes.TrimSpace(t), []byte("W/"))
		if bytes.Equal(t, etag) || len(t) == 1 && t[0] == '*' {
			return true
		}
	}
	return false
}
