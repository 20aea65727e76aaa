package handlers

import "testing"

func TestMatchesETag(t *testing.T) {
	t.Parallel()
	etag := []byte(`"abc"`)
	for _, tc := range []struct {
		inm  string
		want bool
	}{
		{`"abc"`, true},
		{`W/"abc"`, true},
		{` "x", "abc" `, true},
		{`"x",W/"abc"`, true},
		{`*`, true},
		{`"abcd"`, false},
		{`"x", "y"`, false},
		{`abc`, false},
		{`,`, false},
	} {
		if got := matchesETag([]byte(tc.inm), etag); got != tc.want {
			t.Errorf("If-None-Match %q against %s: got %v, want %v", tc.inm, etag, got, tc.want)
		}
	}
}

// A page built at an older feed position than the cache's is answered but
// never kept, and a newer position drops every older page.
func TestListCacheKeepsOnlyTheNewestPosition(t *testing.T) {
	t.Parallel()
	var c listCache
	old, cur := &encodedList{etag: []byte(`"1"`)}, &encodedList{etag: []byte(`"2"`)}
	c.put(1, "locale=en", old)
	if got := c.get(1, []byte("locale=en")); got != old {
		t.Fatalf("get at position 1: got %v, want the page put there", got)
	}
	c.put(2, "locale=cy", cur)
	if got := c.get(1, []byte("locale=en")); got != nil {
		t.Errorf("position 1 after position 2 was cached: got %v, want nothing", got)
	}
	c.put(1, "locale=en", old)
	if got := c.get(2, []byte("locale=en")); got != nil {
		t.Errorf("a page of position 1 was kept under position 2: got %v", got)
	}
	if got := c.get(2, []byte("locale=cy")); got != cur {
		t.Errorf("get at position 2: got %v, want the page put there", got)
	}
}
