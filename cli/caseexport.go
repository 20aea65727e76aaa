package cli

import (
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"speaksafe/errkind"
	"speaksafe/reports"
	"speaksafe/server"
)

func caseExportCommand() command {
	var out string
	return command{
		name:    "case export",
		args:    "[--out FILE] REFERENCE",
		nargs:   1,
		summary: "write a case and everything on it as one signed JSON bundle",
		help: `
Writes the case with REFERENCE (e.g. SS-7KQ2-MX9D) — the report or concern
decrypted, its messages, notes, alert state, legal hold, its history from the
audit log and any referrals — as one JSON file signed with Ed25519 under
EXPORT_KEYS (or keys derived from AUDIT_KEYS when it is not set), for the
force's records system before the retention schedule deletes the case. The
file goes to standard output, or to FILE with --out (created, never
overwritten). Recorded in the audit log as case.exported by operator:cli.
Check a file with 'speaksafe case verify-export FILE'; docs/concerns.md
describes the bundle. Exit 1 when no case has REFERENCE. Runs against
DATA_DIR's embedded store (beside a running server) or MONGODB_URI.`,
		flags: func(fs *flag.FlagSet) { fs.StringVar(&out, "out", "", "write the bundle to this new file") },
		run: func(ctx context.Context, e Env, args []string) error {
			return runCaseExport(ctx, e, args[0], out)
		},
	}
}

func runCaseExport(ctx context.Context, e Env, ref, out string) error {
	if _, ok := reports.ParseReference(ref); !ok {
		return fmt.Errorf("%w: %q is not a case reference like SS-7KQ2-MX9D", errUsage, ref)
	}
	if out != "" {
		if _, err := os.Stat(out); err == nil {
			return fmt.Errorf("%s exists; name a new file", out)
		}
	}
	s, err := openSession(ctx, e, "case export")
	if err != nil {
		return err
	}
	defer s.close()
	b, err := s.tools.Reports.ExportByReference(ctx, ref, operator)
	if errors.Is(err, errkind.NotFound) {
		return fmt.Errorf("no case with reference %s (it may have been deleted by the retention schedule)", ref)
	}
	if err != nil {
		return err
	}
	if err := writeBundle(e.Stdout, out, b); err != nil {
		return err
	}
	fmt.Fprintf(e.Stderr, "exported case %s (%d bytes, signed)\n", ref, len(b))
	return nil
}

func caseVerifyExportCommand() command {
	return command{
		name:    "case verify-export",
		args:    "FILE",
		nargs:   1,
		summary: "check the signature of a case export bundle",
		help: `
Checks that FILE is a case export bundle signed with one of this
installation's export keys (EXPORT_KEYS, or the keys derived from AUDIT_KEYS)
and unchanged since: exit 0 naming the case, when and by whom it was
exported and the public key that checks it; exit 1 when the signature does
not verify (the file was changed, or signed elsewhere). Re-indenting the file
keeps it valid. Needs EXPORT_KEYS or AUDIT_KEYS (in development, DATA_DIR's
keys), not the store.`,
		run: runCaseVerifyExport,
	}
}

func runCaseVerifyExport(_ context.Context, e Env, args []string) error {
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	keys, err := configuredExportKeys(e)
	if err != nil {
		return err
	}
	sum, err := reports.VerifyExport(keys, data)
	if err != nil {
		return fmt.Errorf("%s is NOT a genuine, unchanged export: %w", args[0], err)
	}
	fmt.Fprintf(e.Stdout, "genuine export of case %s, exported %s by %s, key %s\n",
		sum.Reference, sum.ExportedAt.Format("2006-01-02T15:04:05Z07:00"), sum.ExportedBy, sum.Kid)
	for _, k := range keys.PublicKeys() {
		if k.Kid == sum.Kid {
			fmt.Fprintf(e.Stdout, "public key %s: %s\n", k.Kid, base64.RawURLEncoding.EncodeToString(k.Key))
		}
	}
	return nil
}

// configuredExportKeys reads the export keys the server would use, with
// the same configuration rules (development keys from DATA_DIR).
func configuredExportKeys(e Env) (*reports.ExportKeys, error) {
	cfg, err := server.LoadConfig(e.Getenv)
	if err != nil {
		return nil, fmt.Errorf("configuration: %w", err)
	}
	// EXPORT_KEYS or AUDIT_KEYS is all it needs; otherwise the server's
	// rules apply (development keys from DATA_DIR, or a production error
	// naming what is missing).
	if cfg.ExportKeys == "" && cfg.AuditKeys == "" {
		if err := server.PrepareConfig(&cfg, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
			return nil, err
		}
	}
	return reports.ParseExportKeys(cfg.ExportKeys, cfg.AuditKeys)
}

// writeBundle writes b to the new file out, or to stdout when out is empty.
func writeBundle(stdout io.Writer, out string, b []byte) error {
	if out == "" {
		_, err := stdout.Write(b)
		return err
	}
	f, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("output file: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write bundle: %w", err)
	}
	return f.Close()
}
