package server

import (
	"strings"
	"testing"
)

// The pattern thresholds and HANDLE_KEYS are range-checked, each named;
// the defaults and a valid key pass.
func TestHandleSettingsAreChecked(t *testing.T) {
	t.Parallel()
	_, err := LoadConfig(envOf(map[string]string{
		"HANDLE_PATTERN_REPORTS": "1", "HANDLE_PATTERN_WINDOW": "1h", "HANDLE_PATTERN_FORCES": "51",
	}))
	for _, name := range []string{"HANDLE_PATTERN_REPORTS", "HANDLE_PATTERN_WINDOW", "HANDLE_PATTERN_FORCES"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
	cfg, err := LoadConfig(envOf(map[string]string{"HANDLE_KEYS": "k1:short"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "HANDLE_KEYS") {
		t.Errorf("error does not name HANDLE_KEYS: %v", err)
	}
	cfg, err = LoadConfig(envOf(map[string]string{"HANDLE_KEYS": "h1:" + strings.Repeat("A", 43)}))
	if err != nil {
		t.Fatal(err)
	}
	if errs := cfg.handleErrors(); len(errs) != 0 {
		t.Errorf("defaults and a valid key refused: %v", errs)
	}
	if p := cfg.patternLimits(); p.Reports != 3 || p.Forces != 2 || p.Window.Hours() != 720 {
		t.Errorf("default thresholds: got %+v", p)
	}
}
