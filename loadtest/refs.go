package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"golang.org/x/crypto/argon2"

	"speaksafe/database"
	"speaksafe/internal/harness"
)

// bareFiber measures a Fiber handler that answers a fixed JSON body, served
// from this process on loopback and driven by the same client: the ceiling
// of any read route on this machine with this load generator. The body is
// the server's own content list as it answers now, so that the content rows
// and their reference move the same bytes.
func (e *env) bareFiber(ctx context.Context) result {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	body := []byte(`{"items":[{"slug":"spotting-grooming","title":"Spotting grooming"}]}`)
	if res, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/content"}); err == nil && res.Status == http.StatusOK {
		body = res.Body
	}
	app.Get("/fixed", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return result{Name: "reference: bare Fiber handler", Note: err.Error()}
	}
	go func() { _ = app.Listener(ln) }()
	defer app.Shutdown()
	c := harness.NewClient("http://"+ln.Addr().String(), e.conc)
	self := &env{client: c, pid: os.Getpid(), conc: e.conc, dur: e.dur}
	r := self.closedLoop(ctx, fmt.Sprintf("reference: bare Fiber handler, the content list's %d bytes (in the load process)", len(body)), e.conc, e.dur, func(ctx context.Context, _ int) error {
		res, err := c.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/fixed"})
		return expect(res, err, http.StatusOK)
	})
	r.Note = "RSS column is the load process's own"
	return r
}

// receiptHashes measures Argon2id receipt hashing alone with the server's
// default parameters (ARGON2_TIME=2, ARGON2_MEMORY_KIB=19456,
// ARGON2_THREADS=1) and its concurrency bound (ARGON2_MAX_CONCURRENT=8):
// every report costs one such hash, so this is intake's ceiling.
func receiptHashes(ctx context.Context, dur time.Duration, t, m uint32, p uint8, conc int) result {
	var n atomic.Int64
	var mu sync.Mutex
	var lats []time.Duration
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	begin := time.Now()
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			salt := make([]byte, 16)
			local := []time.Duration{}
			for ctx.Err() == nil {
				_, _ = rand.Read(salt)
				t0 := time.Now()
				_ = argon2.IDKey([]byte("7KQ2MX9DP4HTW3RA"), salt, t, m, p, 32)
				local = append(local, time.Since(t0))
				n.Add(1)
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return result{Name: fmt.Sprintf("reference: receipt hash alone (Argon2id t=%d m=%d KiB p=%d, %d at once)", t, m, p, conc),
		Requests: int(n.Load()), Elapsed: time.Since(begin), Lats: lats}
}

// rawInserts measures the driver inserting case-sized documents into a
// scratch database on the same store, conc at a time: the ceiling of any
// write route.
func (e *env) rawInserts(ctx context.Context, uri string) result {
	name := "reference: raw driver InsertOne on the same store (≈2 KiB docs)"
	client, err := database.Connect(uri)
	if err != nil {
		return result{Name: name, Note: err.Error()}
	}
	defer client.Disconnect(context.Background())
	db := client.Database("loadtest_raw")
	defer db.Drop(context.Background())
	coll := db.Collection("docs")
	pad := make([]byte, 1536)
	_, _ = rand.Read(pad)
	r := e.closedLoop(ctx, name, e.conc, e.dur, func(ctx context.Context, _ int) error {
		_, err := coll.InsertOne(ctx, bson.D{{Key: "_id", Value: harness.RandomHex(16)}, {Key: "forceId", Value: "f"},
			{Key: "status", Value: "new"}, {Key: "createdAt", Value: time.Now()}, {Key: "sealed", Value: pad}})
		return err
	})
	return r
}

// countCases counts documents in the cases collection.
func countCases(ctx context.Context, db *mongo.Database) (int64, error) {
	return db.Collection("cases").EstimatedDocumentCount(ctx)
}
