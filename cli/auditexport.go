package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"time"

	"speaksafe/audit"
)

// exportPage is how many entries audit export reads at a time.
const exportPage = 500

func auditExportCommand() command {
	var since, until string
	return command{
		name:    "audit export",
		args:    "--since T [--until T]",
		summary: "write the audit entries of a time range to stdout as JSON Lines",
		help: `
Writes every audit entry with since <= at < until (until defaults to now) to
standard output, one JSON object per line, oldest first: seq, at, actor,
action, objectType, objectId, detail, prev and kid. Entries hold no report
text and no secrets. Times are RFC 3339, e.g. 2026-11-01T00:00:00Z. The
export does not check the chain and ends at the first missing entry: run
audit verify as well, which names any. Runs against
DATA_DIR's embedded store (beside a running server) or MONGODB_URI.

  speaksafe audit export --since 2026-11-01T00:00:00Z --until 2026-12-01T00:00:00Z > november.jsonl`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&since, "since", "", "first time to include (RFC 3339), required")
			fs.StringVar(&until, "until", "", "time to stop before (RFC 3339); default now")
		},
		run: func(ctx context.Context, e Env, _ []string) error {
			from, to, err := exportRange(since, until)
			if err != nil {
				return err
			}
			return runAuditExport(ctx, e, from, to)
		},
	}
}

// exportRange parses the --since and --until flags.
func exportRange(since, until string) (time.Time, time.Time, error) {
	if since == "" {
		return time.Time{}, time.Time{}, fmt.Errorf("%w: --since is required", errUsage)
	}
	from, err := time.Parse(time.RFC3339, since)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("%w: --since %q is not an RFC 3339 time (e.g. 2026-11-01T00:00:00Z)", errUsage, since)
	}
	to := time.Now()
	if until != "" {
		if to, err = time.Parse(time.RFC3339, until); err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("%w: --until %q is not an RFC 3339 time (e.g. 2026-12-01T00:00:00Z)", errUsage, until)
		}
	}
	if !to.After(from) {
		return time.Time{}, time.Time{}, fmt.Errorf("%w: --until must be after --since", errUsage)
	}
	return from, to, nil
}

func runAuditExport(ctx context.Context, e Env, from, to time.Time) error {
	s, err := openSession(ctx, e, "audit export")
	if err != nil {
		return err
	}
	defer s.close()
	out := bufio.NewWriter(e.Stdout)
	pr := newProgress(e, "audit export")
	var scanned, written int
	// The chain is in order of sequence; times are nearly in order too,
	// but not strictly (writers race), so every entry is looked at.
	for after := int64(0); ; {
		page, err := s.tools.Audit.Entries(ctx, after, exportPage)
		if err != nil {
			return err
		}
		for _, r := range page {
			if inRange(r, from, to) {
				if _, err := out.Write(append(r.Canonical(), '\n')); err != nil {
					return fmt.Errorf("write entry %d: %w", r.Seq, err)
				}
				written++
			}
		}
		scanned += len(page)
		pr.update("%d entries read, %d written", scanned, written)
		if len(page) < exportPage {
			break
		}
		after = page[len(page)-1].Seq
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	pr.done("%d of %d entries written", written, scanned)
	return nil
}

func inRange(r audit.Record, from, to time.Time) bool {
	return !r.At.Before(from) && r.At.Before(to)
}
