package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"speaksafe/database"
	"speaksafe/server"
)

var errNotReady = errors.New("not ready")

func backupCommand() command {
	return command{
		name:    "backup",
		args:    "DIR",
		nargs:   1,
		summary: "copy the embedded store of DATA_DIR to DIR, while the server runs",
		help: `
Writes a consistent snapshot of the embedded store in DATA_DIR (each SQLite
database file, through SQLite's VACUUM INTO) and the other files a restore
needs (dev-secrets.json when present) to DIR, which must be new or empty.
The server may keep running and taking reports meanwhile. DIR ends with
speaksafe-backup.json, listing every file with its SHA-256; a directory
without it is an incomplete backup.

Production secrets (DATA_KEYS, JWT_SIGNING_KEY, …) are not in DATA_DIR and so
not in the backup: keep them in your secret store. Keep backups as secret as
the data itself. With MONGODB_URI, back up MongoDB with its own tools
(mongodump, Atlas backups) instead.`,
		run: runBackup,
	}
}

func restoreCommand() command {
	return command{
		name:    "restore",
		args:    "DIR",
		nargs:   1,
		summary: "restore a backup from DIR into an empty DATA_DIR",
		help: `
Checks every file of the backup in DIR against its manifest, then copies it
into DATA_DIR, which must not exist or be empty (restore never overwrites a
store). Start the server on DATA_DIR afterwards.`,
		run: runRestore,
	}
}

func runBackup(ctx context.Context, e Env, args []string) error {
	cfg, err := server.LoadConfig(e.Getenv)
	if err != nil {
		return err
	}
	if !cfg.Embedded {
		return errors.New("MONGODB_URI is set: back up MongoDB with mongodump or your provider's backups")
	}
	start := time.Now()
	pr := newProgress(e, "backup")
	m, err := database.Backup(ctx, cfg.DataDir, args[0], fileProgress(pr))
	if err != nil {
		return err
	}
	pr.done("%d files, %s", len(m.Files), size(total(m)))
	fmt.Fprintf(e.Stdout, "backup of %s written to %s: %d files, %s, in %s\n",
		cfg.DataDir, args[0], len(m.Files), size(total(m)), time.Since(start).Round(time.Millisecond))
	return nil
}

func runRestore(_ context.Context, e Env, args []string) error {
	cfg, err := server.LoadConfig(e.Getenv)
	if err != nil {
		return err
	}
	if !cfg.Embedded {
		return errors.New("MONGODB_URI is set: restore MongoDB with mongorestore or your provider's tools")
	}
	pr := newProgress(e, "restore")
	m, err := database.Restore(args[0], cfg.DataDir, fileProgress(pr))
	if err != nil {
		return err
	}
	pr.done("%d files, %s", len(m.Files), size(total(m)))
	fmt.Fprintf(e.Stdout, "restored %d files (%s) taken at %s into %s\n",
		len(m.Files), size(total(m)), m.CreatedAt.Format(time.RFC3339), cfg.DataDir)
	return nil
}

// fileProgress shows each file as its copy starts, with the count and
// bytes of the files before it, so that a long copy shows it is moving.
func fileProgress(p *progress) func(string, int64) {
	var files int
	var bytes int64
	return func(file string, n int64) {
		p.update("%s (%s); %d files, %s done", file, size(n), files, size(bytes))
		files++
		bytes += n
	}
}

func total(m database.Manifest) int64 {
	var n int64
	for _, f := range m.Files {
		n += f.Size
	}
	return n
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
