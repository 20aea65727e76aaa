package handlers

// idPage is one page of a listing ordered by id: its items and, when the
// page is full, the cursor of the next page (the last item's id).
type idPage[R any] struct {
	Items []R    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// pageByID answers items, each in its response form, as a page of at most
// limit.
func pageByID[T, R any](items []T, limit int, id func(T) string, response func(T) R) idPage[R] {
	out := idPage[R]{Items: make([]R, len(items))}
	for i, it := range items {
		out.Items[i] = response(it)
	}
	if len(items) == limit && limit > 0 {
		out.Next = id(items[len(items)-1])
	}
	return out
}
