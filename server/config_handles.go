package server

import (
	"errors"
	"time"

	"speaksafe/reports"
)

// handleErrors checks HANDLE_KEYS and the pattern signal thresholds.
func (c Config) handleErrors() []error {
	var errs []error
	if c.HandleKeys != "" {
		if _, err := reports.ParseHandleKeys(c.HandleKeys); err != nil {
			errs = append(errs, err)
		}
	}
	if c.HandlePatternReports < 2 || c.HandlePatternReports > 100 {
		errs = append(errs, errors.New("HANDLE_PATTERN_REPORTS: 2 to 100"))
	}
	if c.HandlePatternWindow < 24*time.Hour || c.HandlePatternWindow > 366*24*time.Hour {
		errs = append(errs, errors.New("HANDLE_PATTERN_WINDOW: 24h to 8784h (a year)"))
	}
	if c.HandlePatternForces < 2 || c.HandlePatternForces > 50 {
		errs = append(errs, errors.New("HANDLE_PATTERN_FORCES: 2 to 50"))
	}
	return errs
}

// handleKeys parses HANDLE_KEYS; nil when unset (derived from RECEIPT_KEYS).
func (c Config) handleKeys() (*reports.HandleKeys, error) {
	if c.HandleKeys == "" {
		return nil, nil
	}
	return reports.ParseHandleKeys(c.HandleKeys)
}

// patternLimits are the pattern signal thresholds.
func (c Config) patternLimits() reports.PatternLimits {
	return reports.PatternLimits{Reports: c.HandlePatternReports, Window: c.HandlePatternWindow, Forces: c.HandlePatternForces}
}
