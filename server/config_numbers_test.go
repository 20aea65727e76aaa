package server

import (
	"strconv"
	"strings"
	"testing"
)

// Every numeric setting is range-checked where it is read: a value that
// would wrap in its field (ARGON2_THREADS=257 once became 1), a negative
// duration, a zero where zero means nothing, or a number too big for any
// integer is refused with an error naming the variable; the largest and
// smallest accepted values load as written.
func TestEveryNumericSettingIsRangeChecked(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		bad      []string
		good     []string
		loaded   func(Config) string
		wantGood []string
	}{
		{"ARGON2_TIME", []string{"0", "-1", "65", "4294967297"}, []string{"1", "64"}, func(c Config) string { return itoa(int64(c.Argon2.Time)) }, nil},
		{"ARGON2_MEMORY_KIB", []string{"8191", "-19456", "4194305", "4294967296"}, []string{"8192", "4194304"}, func(c Config) string { return itoa(int64(c.Argon2.MemoryKiB)) }, nil},
		{"ARGON2_THREADS", []string{"0", "-1", "256", "257"}, []string{"1", "255"}, func(c Config) string { return itoa(int64(c.Argon2.Threads)) }, nil},
		{"ARGON2_MAX_CONCURRENT", []string{"0", "-8", "1025"}, []string{"1", "1024"}, func(c Config) string { return itoa(int64(c.Argon2.MaxConcurrent)) }, nil},
		{"BODY_LIMIT", []string{"0", "1023", "-65536", "67108865", "99999999999999999999"}, []string{"1024", "67108864"}, func(c Config) string { return itoa(int64(c.BodyLimit)) }, nil},
		{"PAGE_RATE_PER_FORCE", []string{"0", "-20", "10001", "1.5"}, []string{"1", "10000"}, func(c Config) string { return itoa(int64(c.PageRatePerForce)) }, nil},
		{"URGENT_FLOOD_PER_NETWORK", []string{"0", "-3", "100001"}, []string{"1", "100000"}, func(c Config) string { return itoa(int64(c.UrgentFloodPerNetwork)) }, nil},
		{"URGENT_FLOOD_PER_FORCE", []string{"0", "-12", "100001"}, []string{"1", "100000"}, func(c Config) string { return itoa(int64(c.UrgentFloodPerForce)) }, nil},
		{"ESCALATION_MIN_DELAY", []string{"0s", "-60s", "999ms", "25h", "3000000h"}, []string{"1s", "24h"}, func(c Config) string { return c.EscalationMinDelay.String() }, []string{"1s", "24h0m0s"}},
		{"UNACKED_REPAGE", []string{"0s", "-10m", "25h"}, []string{"1s", "24h"}, func(c Config) string { return c.UnackedRepage.String() }, []string{"1s", "24h0m0s"}},
		{"CLOSED_CASE_RETENTION", []string{"0s", "-2160h", "23h", "87601h"}, []string{"24h", "87600h"}, func(c Config) string { return c.ClosedCaseRetention.String() }, []string{"24h0m0s", "87600h0m0s"}},
		{"SHUTDOWN_TIMEOUT", []string{"0s", "-15s", "61m"}, []string{"1s", "1h"}, func(c Config) string { return c.ShutdownTimeout.String() }, []string{"1s", "1h0m0s"}},
		{"URGENT_FLOOD_WINDOW", []string{"0s", "-10m", "59s", "25h"}, []string{"1m", "24h"}, func(c Config) string { return c.UrgentFloodWindow.String() }, []string{"1m0s", "24h0m0s"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range tt.bad {
				_, err := LoadConfig(envOf(map[string]string{tt.name: v}))
				if err == nil || !strings.HasPrefix(err.Error(), tt.name+": ") {
					t.Errorf("%s=%s: got %v, want an error naming %s", tt.name, v, err, tt.name)
				}
			}
			for i, v := range tt.good {
				c, err := LoadConfig(envOf(map[string]string{tt.name: v}))
				if err != nil {
					t.Errorf("%s=%s: got %v, want it accepted", tt.name, v, err)
					continue
				}
				want := v
				if tt.wantGood != nil {
					want = tt.wantGood[i]
				}
				if got := tt.loaded(c); got != want {
					t.Errorf("%s=%s: loaded %s, want %s", tt.name, v, got, want)
				}
			}
		})
	}
}

// A configuration built in code is held to the same ranges by Validate, and
// its errors come in the same order every time.
func TestValidateRangesInAStableOrder(t *testing.T) {
	t.Parallel()
	c, err := LoadConfig(envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	c.Argon2.Threads = 0
	c.BodyLimit = -1
	c.ShutdownTimeout = -15e9
	c.UrgentFloodWindow = 0
	first := c.Validate()
	if first == nil {
		t.Fatal("out-of-range values accepted")
	}
	for _, name := range []string{"ARGON2_THREADS", "BODY_LIMIT", "SHUTDOWN_TIMEOUT", "URGENT_FLOOD_WINDOW", "JWT_SIGNING_KEY", "RECEIPT_KEYS"} {
		if !strings.Contains(first.Error(), name+": ") {
			t.Errorf("error does not name %s: %v", name, first)
		}
	}
	for range 20 {
		if again := c.Validate(); again.Error() != first.Error() {
			t.Fatalf("errors changed order:\n%v\nthen\n%v", first, again)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
