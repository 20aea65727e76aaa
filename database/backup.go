package database

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	// The SQLite driver FerretDB itself uses; it reads the store's files
	// with SQLite's own locking, beside the running server.
	_ "modernc.org/sqlite"
)

// ManifestFile names the list of files and their checksums in a backup.
const ManifestFile = "speaksafe-backup.json"

// extraFiles are the files of DATA_DIR besides the store that a restore
// needs: the development keys, without which a development instance could
// not open its own sealed fields.
var extraFiles = []string{"dev-secrets.json"}

// Manifest describes a backup: when it was taken and every file with its
// size and SHA-256, so that a restore can refuse a damaged copy.
type Manifest struct {
	Format    int            `json:"format"`
	CreatedAt time.Time      `json:"createdAt"`
	Files     []ManifestItem `json:"files"`
}

// ManifestItem is one file of a backup, by its path relative to DATA_DIR.
type ManifestItem struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Backup writes a consistent snapshot of the embedded store in dataDir, and
// of the other files a restore needs, to dst (which must be new or empty).
// Each database file is copied by SQLite's VACUUM INTO inside one read
// transaction, so a server may keep writing meanwhile. progress is told of
// each file as it starts.
func Backup(ctx context.Context, dataDir, dst string, progress func(file string, size int64)) (Manifest, error) {
	m := Manifest{Format: 1, CreatedAt: time.Now().UTC()}
	dbs, err := filepath.Glob(filepath.Join(dataDir, "db", "*.sqlite"))
	if err != nil || len(dbs) == 0 {
		return m, fmt.Errorf("database: backup: no embedded store in %s", dataDir)
	}
	sort.Strings(dbs)
	if err := requireEmpty(dst); err != nil {
		return m, fmt.Errorf("database: backup: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dst, "db"), 0o700); err != nil {
		return m, fmt.Errorf("database: backup: %w", err)
	}
	for _, src := range dbs {
		rel := filepath.Join("db", filepath.Base(src))
		progress(rel, fileSize(src))
		if err := snapshotSQLite(ctx, src, filepath.Join(dst, rel)); err != nil {
			return m, err
		}
		item, err := describe(dst, rel)
		if err != nil {
			return m, err
		}
		m.Files = append(m.Files, item)
	}
	for _, rel := range extraFiles {
		if _, err := os.Stat(filepath.Join(dataDir, rel)); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		progress(rel, fileSize(filepath.Join(dataDir, rel)))
		if err := copyFile(filepath.Join(dataDir, rel), filepath.Join(dst, rel)); err != nil {
			return m, err
		}
		item, err := describe(dst, rel)
		if err != nil {
			return m, err
		}
		m.Files = append(m.Files, item)
	}
	// The manifest comes last: a backup without one is incomplete and
	// Restore refuses it.
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := writeSynced(filepath.Join(dst, ManifestFile), bytes.NewReader(b)); err != nil {
		return m, err
	}
	return m, nil
}

// snapshotSQLite copies the database file src to dst with VACUUM INTO, which
// reads one consistent snapshot however many writers the file has.
func snapshotSQLite(ctx context.Context, src, dst string) error {
	db, err := sql.Open("sqlite", "file:"+src+"?_pragma=busy_timeout(30000)")
	if err != nil {
		return fmt.Errorf("database: backup %s: %w", src, err)
	}
	defer db.Close()
	quoted := "'" + strings.ReplaceAll(dst, "'", "''") + "'"
	if _, err := db.ExecContext(ctx, "VACUUM INTO "+quoted); err != nil {
		return fmt.Errorf("database: backup %s: %w", src, err)
	}
	f, err := os.OpenFile(dst, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("database: backup %s: %w", dst, err)
	}
	defer f.Close()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("database: backup %s: %w", dst, err)
	}
	return f.Sync()
}

// Restore copies the backup in src into dataDir, which must be new or
// empty, after checking every file against the backup's manifest. Nothing
// is written to dataDir when the backup is incomplete or damaged.
func Restore(src, dataDir string, progress func(file string, size int64)) (Manifest, error) {
	var m Manifest
	b, err := os.ReadFile(filepath.Join(src, ManifestFile))
	if err != nil {
		return m, fmt.Errorf("database: restore: %s is not a complete backup: %w", src, err)
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Format != 1 || len(m.Files) == 0 {
		return m, fmt.Errorf("database: restore: %s has an unreadable manifest", src)
	}
	for _, it := range m.Files {
		if !filepath.IsLocal(it.Path) {
			return m, fmt.Errorf("database: restore: manifest names %q outside the backup", it.Path)
		}
		got, err := describe(src, it.Path)
		if err != nil || got != it {
			return m, fmt.Errorf("database: restore: %s is missing or damaged (checksum differs)", it.Path)
		}
	}
	if err := requireEmpty(dataDir); err != nil {
		return m, fmt.Errorf("database: restore: %w", err)
	}
	lock, err := LockDataDir(dataDir, "restore")
	if err != nil {
		return m, err
	}
	defer lock.Release()
	for _, it := range m.Files {
		progress(it.Path, it.Size)
		if err := os.MkdirAll(filepath.Join(dataDir, filepath.Dir(it.Path)), 0o700); err != nil {
			return m, fmt.Errorf("database: restore: %w", err)
		}
		if err := copyFile(filepath.Join(src, it.Path), filepath.Join(dataDir, it.Path)); err != nil {
			return m, err
		}
	}
	return m, nil
}

// requireEmpty accepts a directory that does not exist or holds nothing
// but a lock file.
func requireEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		// A lock file nobody holds (a server that refused to start left it)
		// is no data.
		if e.Name() != LockFile {
			return fmt.Errorf("%s is not empty", dir)
		}
	}
	return nil
}

func describe(root, rel string) (ManifestItem, error) {
	f, err := os.Open(filepath.Join(root, rel))
	if err != nil {
		return ManifestItem{}, fmt.Errorf("database: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return ManifestItem{}, fmt.Errorf("database: %w", err)
	}
	return ManifestItem{Path: filepath.ToSlash(rel), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("database: copy: %w", err)
	}
	defer in.Close()
	return writeSynced(dst, in)
}

// writeSynced creates path (never overwriting) with r's bytes and syncs it.
func writeSynced(path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("database: write: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("database: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("database: write %s: %w", path, err)
	}
	return f.Close()
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
