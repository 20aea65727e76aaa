package content

import (
	"encoding/base64"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"speaksafe/errkind"
)

// Change kinds in the changes feed.
const (
	ChangePublished = "published"
	ChangeWithdrawn = "withdrawn"
)

// Change is one entry of the changes feed: an item went live (or a new
// revision of it did) or was withdrawn. Its position Seq is claimed by
// inserting _id database.SeqKey(Seq), so every instance sees one order
// without gaps.
type Change struct {
	Key     string `bson:"_id"`
	Seq     int64  `bson:"seq"`
	Kind    string `bson:"kind"`
	Summary `bson:",inline"`
	At      time.Time `bson:"at"`
}

// filterKey names one pre-sorted view of the live items; "" matches any.
type filterKey struct{ locale, ageBand, topic string }

type entry struct {
	key    string // sort key: folded title, NUL, item id (unique)
	search string // folded title and summary for literal search
	s      *Summary
}

// snapshot is an immutable view of the published catalogue. Readers take
// the current pointer and never lock; a change builds a new snapshot.
type snapshot struct {
	seq    int64
	live   map[string]*Summary // by item id
	bySlug map[string]*Summary // by locale + "/" + slug
	index  map[filterKey][]entry
	log    []Change // the whole feed in sequence order; never mutated in place
}

func emptySnapshot() *snapshot {
	return &snapshot{live: map[string]*Summary{}, bySlug: map[string]*Summary{}, index: map[filterKey][]entry{}}
}

// with returns a new snapshot with changes (which must follow s.seq in
// order) applied. Every filter combination gets its own sorted slice, so a
// page costs a binary search plus the page itself, whatever the size.
func (s *snapshot) with(changes []Change) *snapshot {
	// Clip the shared log so appends never write into an array that older
	// snapshots still read.
	n := &snapshot{seq: s.seq, live: make(map[string]*Summary, len(s.live)), log: slices.Clip(s.log)}
	for k, v := range s.live {
		n.live[k] = v
	}
	for _, c := range changes {
		if c.Seq != n.seq+1 {
			continue // already applied or out of order: the caller reloads
		}
		n.seq = c.Seq
		n.log = append(n.log, c)
		switch c.Kind {
		case ChangePublished:
			sum := c.Summary
			n.live[c.ItemID] = &sum
		case ChangeWithdrawn:
			delete(n.live, c.ItemID)
		}
	}
	n.buildIndex()
	return n
}

func (s *snapshot) buildIndex() {
	all := make([]entry, 0, len(s.live))
	s.bySlug = make(map[string]*Summary, len(s.live))
	for _, sum := range s.live {
		if !sum.national() {
			continue // a school's own item is seen only through its collection
		}
		all = append(all, entry{
			key:    strings.ToLower(sum.Title) + "\x00" + sum.ItemID,
			search: strings.ToLower(sum.Title + "\n" + sum.Summary),
			s:      sum,
		})
		s.bySlug[sum.Locale+"/"+sum.Slug] = sum
	}
	slices.SortFunc(all, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	s.index = map[filterKey][]entry{}
	for _, e := range all {
		for _, loc := range []string{"", e.s.Locale} {
			for _, band := range append([]string{""}, e.s.AgeBands...) {
				for _, topic := range append([]string{""}, e.s.Topics...) {
					k := filterKey{loc, band, topic}
					s.index[k] = append(s.index[k], e)
				}
			}
		}
	}
}

// ListQuery selects a page of live items.
type ListQuery struct {
	AgeBand string
	Topic   string
	Locale  string
	Q       string // literal, case-insensitive substring of title or summary
	Cursor  string // opaque, from a previous page
	Limit   int    // 1..MaxLimit; 0 means DefaultLimit
}

// Paging limits.
const (
	DefaultLimit = 20
	MaxLimit     = 50
	MaxQuery     = 100
	// maxScan bounds the work of one search request; a search that has not
	// filled its page by then returns a cursor to continue from.
	maxScan = 2000
)

// Validate checks every parameter and reports all problems at once.
func (q ListQuery) Validate() error {
	v := &errkind.ValidationError{}
	v.Check(q.AgeBand != "" && !slices.Contains(AgeBands, q.AgeBand), "ageBand", "must be one of "+strings.Join(AgeBands, ", "))
	v.Check(q.Topic != "" && !slices.Contains(Topics, q.Topic), "topic", "is not a known topic")
	v.Check(q.Locale != "" && !slices.Contains(Locales, q.Locale), "locale", "must be one of "+strings.Join(Locales, ", "))
	v.Check(!utf8.ValidString(q.Q), "q", "must be valid UTF-8")
	v.Check(utf8.RuneCountInString(q.Q) > MaxQuery, "q", "must be at most 100 characters")
	v.Check(q.Limit < 0 || q.Limit > MaxLimit, "limit", "must be between 1 and 50")
	if _, err := decodeListCursor(q.Cursor); err != nil {
		v.Add("cursor", "is not a cursor from this service")
	}
	return v.Err()
}

// Page is one page of a listing.
type Page struct {
	Items      []Summary
	NextCursor string // "" on the last page
	// Seq is the feed position the page was read at: equal Seq and query
	// mean equal content, which makes a cheap ETag.
	Seq int64
}

func (s *snapshot) list(q ListQuery) Page {
	limit := q.Limit
	if limit == 0 {
		limit = DefaultLimit
	}
	after, _ := decodeListCursor(q.Cursor)
	view := s.index[filterKey{q.Locale, q.AgeBand, q.Topic}]
	i, _ := slices.BinarySearchFunc(view, after, func(e entry, k string) int { return strings.Compare(e.key, k) })
	if i < len(view) && view[i].key == after {
		i++
	}
	needle := strings.ToLower(q.Q)
	page := Page{Seq: s.seq, Items: []Summary{}}
	scanned := 0
	for ; i < len(view) && len(page.Items) < limit; i++ {
		e := view[i]
		scanned++
		if needle == "" || strings.Contains(e.search, needle) {
			page.Items = append(page.Items, *e.s)
		}
		if needle != "" && scanned >= maxScan {
			i++
			break
		}
	}
	if i < len(view) {
		page.NextCursor = encodeListCursor(view[i-1].key)
	}
	return page
}

func encodeListCursor(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("k1|" + key))
}

func decodeListCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) > 1024 || !strings.HasPrefix(string(b), "k1|") || !utf8.Valid(b) {
		return "", errkind.Invalid("cursor", "is not a cursor from this service")
	}
	return string(b[3:]), nil
}

// MaxChanges is the most changes one feed page returns.
const MaxChanges = 200

// ChangesPage is one page of the changes feed.
type ChangesPage struct {
	// Changes holds the latest change per item in the page, in sequence
	// order; a withdrawn item appears as a tombstone (Kind withdrawn).
	Changes []Change
	Next    string // cursor to pass as since next time
	More    bool   // another page is ready now
}

func (s *snapshot) changesSince(since int64) ChangesPage {
	i, _ := slices.BinarySearchFunc(s.log, since, func(c Change, seq int64) int {
		switch {
		case c.Seq < seq:
			return -1
		case c.Seq > seq:
			return 1
		}
		return 0
	})
	if i < len(s.log) && s.log[i].Seq == since {
		i++
	}
	end := min(i+MaxChanges, len(s.log))
	page := ChangesPage{Changes: []Change{}, More: end < len(s.log), Next: encodeSeqCursor(since)}
	if end > i {
		page.Next = encodeSeqCursor(s.log[end-1].Seq)
	}
	last := map[string]int{}
	for j := i; j < end; j++ {
		last[s.log[j].ItemID] = j
	}
	for j := i; j < end; j++ {
		if last[s.log[j].ItemID] == j && s.log[j].national() {
			page.Changes = append(page.Changes, s.log[j])
		}
	}
	return page
}

func encodeSeqCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("s1|" + strconv.FormatInt(seq, 10)))
}

// decodeSeqCursor turns a feed cursor back into a sequence number; "" is
// the start of the feed.
func decodeSeqCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && len(b) < 40 && strings.HasPrefix(string(b), "s1|") {
		if n, err := strconv.ParseInt(string(b[3:]), 10, 64); err == nil && n >= 0 {
			return n, nil
		}
	}
	return 0, errkind.Invalid("since", "is not a cursor from this service")
}
