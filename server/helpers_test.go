package server_test

import (
	"testing"

	"speaksafe/internal/testsupport"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	addr, err := testsupport.FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
