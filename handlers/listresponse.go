package handlers

// listResponse is the response of every list: its items and, when there
// may be more, the cursor of the next page (omitted on a list that is
// never paged, and on the last page).
type listResponse[R any] struct {
	Items []R    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// pageByID answers items, each in its response form, as a page of at most
// limit of a listing ordered by id: the next cursor is the last item's id.
func pageByID[T, R any](items []T, limit int, id func(T) string, response func(T) R) listResponse[R] {
	out := listResponse[R]{Items: make([]R, len(items))}
	for i, it := range items {
		out.Items[i] = response(it)
	}
	if len(items) == limit && limit > 0 {
		out.Next = id(items[len(items)-1])
	}
	return out
}
