package main

import (
	"strings"
	"testing"
)

func TestSumStoreWritesAddsTheWritingCommands(t *testing.T) {
	metrics := `# HELP speaksafe_store_commands_total Commands sent to the store, by command name.
speaksafe_store_commands_total{command="find"} 40
speaksafe_store_commands_total{command="insert"} 6
speaksafe_store_commands_total{command="update"} 2
speaksafe_store_commands_total{command="delete"} 1
speaksafe_store_commands_total{command="findAndModify"} 0
speaksafe_http_requests_total{route="/v1/reports"} 99
`
	n, ok := sumStoreWrites(strings.NewReader(metrics))
	if !ok || n != 9 {
		t.Fatalf("sumStoreWrites = %v, %v; want 9 writes (finds and other metrics left out)", n, ok)
	}
	if _, ok := sumStoreWrites(strings.NewReader("speaksafe_http_requests_total 3\n")); ok {
		t.Fatal("a server without the store count reported one")
	}
}
