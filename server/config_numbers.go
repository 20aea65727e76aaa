package server

import (
	"fmt"
	"strconv"
	"time"
)

// numberRange is the range a numeric setting must fall in: wide enough for
// any real deployment, narrow enough that no value wraps when it is stored
// in its field (ARGON2_THREADS is a uint8) or means nothing (a zero limit).
type numberRange struct{ min, max int64 }

// numberRanges names every whole-number setting and its range.
func numberRanges() map[string]numberRange {
	return map[string]numberRange{
		"ARGON2_TIME":              {1, 64},
		"ARGON2_MEMORY_KIB":        {8 * 1024, 4 * 1024 * 1024},
		"ARGON2_THREADS":           {1, 255},
		"ARGON2_MAX_CONCURRENT":    {1, 1024},
		"BODY_LIMIT":               {1024, 64 << 20},
		"PAGE_RATE_PER_FORCE":      {1, 10_000},
		"URGENT_FLOOD_PER_NETWORK": {1, 100_000},
		"URGENT_FLOOD_PER_FORCE":   {1, 100_000},
		"ROUTINE_IN_FLIGHT":        {1, 1024},
		"ARGON2_MEMORY_BUDGET_MIB": {0, 65536}, // 0: automatic; Validate refuses 1 to 7
		"HANDLE_PATTERN_REPORTS":   {2, 100},
		"HANDLE_PATTERN_FORCES":    {2, 50},
	}
}

// durationRange is the range a duration setting must fall in.
type durationRange struct{ min, max time.Duration }

// durationRanges names every duration setting and its range.
func durationRanges() map[string]durationRange {
	return map[string]durationRange{
		"ESCALATION_MIN_DELAY":  {time.Second, 24 * time.Hour},
		"UNACKED_REPAGE":        {time.Second, 24 * time.Hour},
		"CLOSED_CASE_RETENTION": {24 * time.Hour, 10 * 365 * 24 * time.Hour},
		"SHUTDOWN_TIMEOUT":      {time.Second, time.Hour},
		"URGENT_FLOOD_WINDOW":   {time.Minute, 24 * time.Hour},
		"HANDLE_PATTERN_WINDOW": {24 * time.Hour, 8784 * time.Hour},
	}
}

// numberIn checks that setting name holds n.
func numberIn(name string, n int64) error {
	r, ok := numberRanges()[name]
	if !ok {
		return fmt.Errorf("%s: no range is declared for this setting", name)
	}
	if n < r.min || n > r.max {
		return fmt.Errorf("%s: %d is out of range: %d to %d", name, n, r.min, r.max)
	}
	return nil
}

// durationIn checks that setting name holds d.
func durationIn(name string, d time.Duration) error {
	r, ok := durationRanges()[name]
	if !ok {
		return fmt.Errorf("%s: no range is declared for this setting", name)
	}
	if d < r.min || d > r.max {
		return fmt.Errorf("%s: %s is out of range: %s to %s", name, d, r.min, r.max)
	}
	return nil
}

// parseNumber reads setting name's text v as a whole number within its
// range. On any failure it answers def, so that a bad value never reaches
// a field narrower than int64.
func parseNumber(name, v string, def int) (int, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return def, fmt.Errorf("%s: %q is not a whole number", name, v)
	}
	if err := numberIn(name, n); err != nil {
		return def, err
	}
	return int(n), nil
}

// parseDuration reads setting name's text v as a duration within its range.
func parseDuration(name, v string, def time.Duration) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil {
		return def, fmt.Errorf("%s: %w", name, err)
	}
	if err := durationIn(name, d); err != nil {
		return def, err
	}
	return d, nil
}

// rangeErrors checks every numeric setting of c, in a fixed order: c may
// have been built in code rather than by LoadConfig.
func (c Config) rangeErrors() []error {
	numbers := []struct {
		name string
		v    int64
	}{
		{"ARGON2_TIME", int64(c.Argon2.Time)},
		{"ARGON2_MEMORY_KIB", int64(c.Argon2.MemoryKiB)},
		{"ARGON2_THREADS", int64(c.Argon2.Threads)},
		{"ARGON2_MAX_CONCURRENT", int64(c.Argon2.MaxConcurrent)},
		{"BODY_LIMIT", int64(c.BodyLimit)},
		{"PAGE_RATE_PER_FORCE", int64(c.PageRatePerForce)},
		{"URGENT_FLOOD_PER_NETWORK", int64(c.UrgentFloodPerNetwork)},
		{"URGENT_FLOOD_PER_FORCE", int64(c.UrgentFloodPerForce)},
		{"ROUTINE_IN_FLIGHT", int64(c.RoutineInFlight)},
	}
	durations := []struct {
		name string
		v    time.Duration
	}{
		{"ESCALATION_MIN_DELAY", c.EscalationMinDelay},
		{"UNACKED_REPAGE", c.UnackedRepage},
		{"CLOSED_CASE_RETENTION", c.ClosedCaseRetention},
		{"SHUTDOWN_TIMEOUT", c.ShutdownTimeout},
		{"URGENT_FLOOD_WINDOW", c.UrgentFloodWindow},
	}
	var errs []error
	for _, n := range numbers {
		if err := numberIn(n.name, n.v); err != nil {
			errs = append(errs, err)
		}
	}
	for _, d := range durations {
		if err := durationIn(d.name, d.v); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}
