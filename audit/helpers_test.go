package audit

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"speaksafe/database"
	"speaksafe/internal/testsupport"
)

// keyring holds one random key per key id, for a test's Logs to share.
type keyring map[string]string

func newKeyring(kids ...string) keyring {
	k := keyring{}
	for _, kid := range kids {
		b := make([]byte, keyLen)
		_, _ = rand.Read(b)
		k[kid] = base64.RawURLEncoding.EncodeToString(b)
	}
	return k
}

// keys parses the AUDIT_KEYS value made of kids, the first signing.
func (k keyring) keys(t testing.TB, kids ...string) *Keys {
	t.Helper()
	parts := make([]string, 0, len(kids))
	for _, kid := range kids {
		parts = append(parts, kid+":"+k[kid])
	}
	keys, err := ParseKeys(strings.Join(parts, ","))
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// newClock is a manual clock at a fixed start.
func newClock() *testsupport.Clock {
	return testsupport.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
}

func record(t *testing.T, l *Log, n int) {
	t.Helper()
	for i := range n {
		if err := l.Record(context.Background(), Entry{Actor: "u1", Action: "case.opened", ObjectType: "case",
			ObjectID: "c" + string(rune('a'+i%26)), Detail: map[string]string{"k": "v"}}); err != nil {
			t.Fatalf("record: %v", err)
		}
	}
}

func deleteEntries(t *testing.T, db *mongo.Database, from int64) {
	t.Helper()
	_, err := db.Collection(colEntries).DeleteMany(context.Background(), bson.D{{Key: "_id", Value: bson.D{{Key: "$gte", Value: database.SeqKey(from)}}}})
	if err != nil {
		t.Fatal(err)
	}
}

func gauge(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no gauge %s", name)
	return 0
}

func kinds(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Kind + " ")
	}
	return b.String()
}
