// Package faults holds SpeakSafe's fault suite: tests that build the real
// server and the embedded store (cmd/devstore), run them as separate
// processes, and break them under load — SIGKILL of the server, the store
// stopped and started, FCM failing then recovering, two servers on one
// database — then check what a child and an officer would notice: every
// report that got 201 is there for the officers exactly once, every urgent
// one paged the on-call officer's phone, and the server serves again.
//
// The suite takes minutes (about 3½, a minute of it building) and starts
// processes, so `go test ./...` skips it; .ci/run runs it as
//
//	SPEAKSAFE_FAULTS=1 go test -count=1 -v ./faults/
package faults
