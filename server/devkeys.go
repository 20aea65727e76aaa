package server

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// devSecrets are the keys a development instance generates on first start
// and reuses afterwards, so that tokens and encrypted fields survive a restart.
type devSecrets struct {
	JWTSigningKey   string `json:"jwtSigningKey"`
	DataKeys        string `json:"dataKeys"`
	RateLimitSecret string `json:"rateLimitSecret"`
	WebhookSecret   string `json:"webhookSecret"`
	// AuditKeys was added later: a file without it gains one on next start.
	AuditKeys string `json:"auditKeys,omitempty"`
	// ReceiptKeys was added later too.
	ReceiptKeys string `json:"receiptKeys,omitempty"`
}

// fillDevSecrets loads DATA_DIR/dev-secrets.json, generating it when absent,
// and fills any secret the environment did not set. Only the embedded
// development mode calls it; production must bring its own secrets.
func fillDevSecrets(c *Config) (generated bool, err error) {
	path := filepath.Join(c.DataDir, "dev-secrets.json")
	var s devSecrets
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &s); err != nil {
			return false, fmt.Errorf("server: %s is damaged: %w", path, err)
		}
	case errors.Is(err, fs.ErrNotExist):
		s = devSecrets{
			JWTSigningKey:   "dev1:" + randomB64(32),
			DataKeys:        "dev1:" + randomB64(32),
			RateLimitSecret: randomB64(32),
			WebhookSecret:   randomB64(32),
			AuditKeys:       "dev1:" + randomB64(32),
			ReceiptKeys:     "dev1:" + randomB64(32),
		}
		if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
			return false, fmt.Errorf("server: data dir: %w", err)
		}
		if err := writeDevSecrets(path, s); err != nil {
			return false, err
		}
		generated = true
	default:
		return false, fmt.Errorf("server: read %s: %w", path, err)
	}
	if s.AuditKeys == "" {
		s.AuditKeys = "dev1:" + randomB64(32)
		if err := writeDevSecrets(path, s); err != nil {
			return false, err
		}
	}
	if s.ReceiptKeys == "" {
		s.ReceiptKeys = "dev1:" + randomB64(32)
		if err := writeDevSecrets(path, s); err != nil {
			return false, err
		}
	}
	fill := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	fill(&c.JWTSigningKeys, s.JWTSigningKey)
	fill(&c.DataKeys, s.DataKeys)
	fill(&c.RateLimitSecret, s.RateLimitSecret)
	fill(&c.WebhookSecret, s.WebhookSecret)
	fill(&c.AuditKeys, s.AuditKeys)
	fill(&c.ReceiptKeys, s.ReceiptKeys)
	return generated, nil
}

func writeDevSecrets(path string, s devSecrets) error {
	out, _ := json.MarshalIndent(s, "", "  ")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		return fmt.Errorf("server: write %s: %w", path, err)
	}
	return nil
}

func randomB64(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("server: crypto/rand failed: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
