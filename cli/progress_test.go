package cli

import (
	"strings"
	"testing"
	"time"
)

// A quick task on a terminal shows only its summary; a slow one shows its
// state once it has run a second, then the summary on a clean line.
func TestProgressShowsOnATerminalOnlyAfterASecond(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	p := &progress{w: &out, tty: true, now: func() time.Time { return at }, start: at, label: "export"}
	p.update("%d entries", 10)
	p.tick()
	if out.Len() != 0 {
		t.Fatalf("progress within the first second: %q", out.String())
	}
	at = at.Add(1500 * time.Millisecond)
	p.update("%d entries", 20)
	p.tick()
	p.done("%d entries", 30)
	want := "\r\033[Kexport: 20 entries (1s)\r\033[Kexport: 30 entries in 1.5s\n"
	if out.String() != want {
		t.Errorf("terminal output %q, want %q", out.String(), want)
	}
}

func TestProgressOffATerminalIsOneSummaryLine(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	p := &progress{w: &out, now: func() time.Time { return at }, start: at, label: "backup"}
	for i := range 50 {
		at = at.Add(time.Second)
		p.update("file %d", i)
		p.tick()
	}
	p.done("50 files")
	if out.String() != "backup: 50 files in 50s\n" {
		t.Errorf("output off a terminal %q, want one summary line", out.String())
	}
}
