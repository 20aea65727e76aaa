package database

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"
)

func noProgress(string, int64) {}

// A backup restores into a store that holds the same documents; a damaged
// backup is refused before anything is written.
func TestBackupRestoresAndRefusesDamage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dataDir := t.TempDir()
	e, err := StartEmbedded(ctx, dataDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Connect(e.URI())
	if err != nil {
		t.Fatal(err)
	}
	coll := c.Database("speaksafe").Collection("things")
	for i := range 50 {
		if _, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: i}}); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dataDir, "dev-secrets.json"), []byte(`{"k":"v"}`), 0o600)
	dst := filepath.Join(t.TempDir(), "b")
	if _, err := Backup(ctx, dataDir, dst, noProgress); err != nil {
		t.Fatal(err)
	}
	if _, err := Backup(ctx, dataDir, dst, noProgress); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("backup into a used directory: %v", err)
	}
	_ = c.Disconnect(ctx)
	e.Close()

	restored := filepath.Join(t.TempDir(), "r")
	if _, err := Restore(dst, restored, noProgress); err != nil {
		t.Fatal(err)
	}
	e2, err := StartEmbedded(ctx, restored, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer e2.Close()
	c2, _ := Connect(e2.URI())
	defer c2.Disconnect(ctx)
	if n, err := c2.Database("speaksafe").Collection("things").CountDocuments(ctx, bson.D{}); err != nil || n != 50 {
		t.Errorf("restored documents: %d %v, want 50", n, err)
	}
	if b, _ := os.ReadFile(filepath.Join(restored, "dev-secrets.json")); string(b) != `{"k":"v"}` {
		t.Errorf("restored dev-secrets.json: %q", b)
	}

	os.WriteFile(filepath.Join(dst, "dev-secrets.json"), []byte(`{"k":"x"}`), 0o600)
	other := filepath.Join(t.TempDir(), "o")
	if _, err := Restore(dst, other, noProgress); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("restore of a damaged backup: %v", err)
	}
	if _, err := os.Stat(other); err == nil {
		t.Error("a refused restore created DATA_DIR")
	}
}

// One process at a time holds a DATA_DIR, and others can see which.
func TestDataDirLock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, held, err := HolderOf(dir); held || err != nil {
		t.Fatalf("fresh dir held: %v %v", held, err)
	}
	l, err := LockDataDir(dir, "server")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Publish("mongodb://127.0.0.1:1/"); err != nil {
		t.Fatal(err)
	}
	h, held, err := HolderOf(dir)
	if !held || err != nil || h.PID != os.Getpid() || h.StoreURI != "mongodb://127.0.0.1:1/" {
		t.Errorf("holder: %+v %v %v", h, held, err)
	}
	if _, err := LockDataDir(dir, "restore"); !errors.Is(err, ErrInUse) {
		t.Errorf("second lock: %v, want ErrInUse", err)
	}
	l.Release()
	l2, err := LockDataDir(dir, "restore")
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	l2.Release()
}
