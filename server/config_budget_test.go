package server

import (
	"strings"
	"testing"
)

func TestArgon2MemoryBudgetIsRangeChecked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		value string
		ok    bool
	}{
		{"", true}, {"0", true}, {"64", true}, {"19", true},
		{"7", false}, {"18", false}, {"65537", false}, {"-1", false}, {"lots", false},
	} {
		cfg, err := LoadConfig(envOf(map[string]string{"ARGON2_MEMORY_BUDGET_MIB": tc.value}))
		if err == nil {
			cfg.DataDir = t.TempDir()
			if _, err := fillDevSecrets(&cfg); err != nil {
				t.Fatal(err)
			}
			err = cfg.Validate()
		}
		named := err != nil && strings.Contains(err.Error(), "ARGON2_MEMORY_BUDGET_MIB")
		if tc.ok && err != nil {
			t.Errorf("ARGON2_MEMORY_BUDGET_MIB=%q: got %v, want accepted", tc.value, err)
		}
		if !tc.ok && !named {
			t.Errorf("ARGON2_MEMORY_BUDGET_MIB=%q: got %v, want an error naming it", tc.value, err)
		}
	}
}
