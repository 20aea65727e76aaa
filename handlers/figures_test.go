package handlers

import (
	"encoding/json"
	"fmt"
	"testing"

	"speaksafe/stats"
)

// A published count is a number on the wire, or "<5" where it is
// suppressed, as the contract's PublishedCount says.
func TestPublishedCountIsANumberOrSuppressed(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0", 1: "<5", 4: "<5", 5: "5", 8: "10", 102: "100"} {
		b, err := json.Marshal(publishedCount(stats.Publish(n)))
		var back any
		if err != nil || json.Unmarshal(b, &back) != nil || fmt.Sprint(back) != want {
			t.Errorf("count %d as JSON: got %s, %v; want %s", n, b, err, want)
		}
	}
}
