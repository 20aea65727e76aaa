package server

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestModeRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		listen, mongo, mode string
		want                Mode
	}{
		{"127.0.0.1:8080", "", "", ModeDevelopment},
		{"localhost:8080", "", "", ModeDevelopment},
		{"[::1]:8080", "", "", ModeDevelopment},
		{"0.0.0.0:8080", "", "", ModeProduction},
		{":8080", "", "", ModeProduction},
		{"10.0.0.5:8080", "", "", ModeProduction},
		{"127.0.0.1:8080", "mongodb://db/", "", ModeProduction},
		{"127.0.0.1:8080", "", "production", ModeProduction},
		{"0.0.0.0:8080", "", "development", ModeDevelopment},
		{"127.0.0.1:8080", "mongodb://db/", "development", ModeDevelopment},
	} {
		cfg, err := LoadConfig(envOf(map[string]string{"LISTEN_ADDR": tc.listen, "MONGODB_URI": tc.mongo, "SPEAKSAFE_MODE": tc.mode}))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Mode != tc.want {
			t.Errorf("LISTEN_ADDR=%s MONGODB_URI=%q SPEAKSAFE_MODE=%q: got %s, want %s", tc.listen, tc.mongo, tc.mode, cfg.Mode, tc.want)
		}
		wantMFA := tc.want == ModeProduction
		if got := len(cfg.MFARequiredRoles) > 0; got != wantMFA {
			t.Errorf("%s: default MFA roles %v", tc.want, cfg.MFARequiredRoles)
		}
	}
}

// The warning is driven by the ticker it is given: one line per tick.
func TestDevelopmentOnNetworkWarnsOnEveryTick(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&lockedBuffer{mu: &mu, b: &buf}, nil))
	ticks := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		devOnNetworkWarner(logger, "0.0.0.0:8080", ticks).Run(ctx)
	}()
	for range 3 {
		ticks <- time.Time{}
	}
	cancel()
	<-done
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Count(buf.String(), "DEVELOPMENT MODE ON A NETWORK ADDRESS"); got != 3 {
		t.Errorf("after 3 ticks: %d warnings, want 3:\n%s", got, buf.String())
	}
}

type lockedBuffer struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w *lockedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
