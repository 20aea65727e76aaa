package server

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"speaksafe/audit"
	"speaksafe/outbound"
	"speaksafe/reports"
)

// Config is everything SpeakSafe reads from its environment, loaded once and
// validated as a whole.
type Config struct {
	ListenAddr    string
	MongoURI      string
	MongoDatabase string
	DataDir       string
	// Embedded means no MONGODB_URI: an in-process MongoDB-wire server
	// (FerretDB on SQLite) keeps the data in DATA_DIR. It is a deployment
	// choice (one node), not a mode: see Mode.
	Embedded bool
	// Mode is development or production; see decideMode for the rules.
	Mode Mode
	// Explicit reports whether SPEAKSAFE_MODE chose Mode.
	Explicit bool
	// Loopback reports whether LISTEN_ADDR is reachable from this machine
	// only.
	Loopback bool

	FirebaseProjectID string
	GoogleCredentials string
	FCMEndpoint       string

	// JWTSigningKeys is "kid:base64url(Ed25519 seed)[,kid:…]"; the first signs.
	JWTSigningKeys string
	// DataKeys is "kid:base64url(32 bytes)[,kid:…]"; the first encrypts.
	DataKeys string
	// RateLimitSecret keys the hash of client addresses used by rate limits.
	RateLimitSecret string
	// WebhookSecret signs control-room webhooks.
	WebhookSecret string
	// AuditKeys is "kid:base64url(32 bytes)[,kid:…]", the HMAC keys of the
	// audit chain; the first signs.
	AuditKeys string
	// ReceiptKeys is "kid:base64url(32 bytes)[,kid:…]", the HMAC keys
	// receipts are hashed under; the first hashes new ones, all verify.
	ReceiptKeys string
	// HandleKeys is "kid:base64url(32 bytes)[,kid:…]", the HMAC key that
	// offenders' handles are hashed under for matching; optional: without
	// it the key is derived from the first RECEIPT_KEYS key.
	HandleKeys string
	// HandlePattern* set when a handle named again raises a signal to the
	// force's supervisors: Reports reports of one force within Window, or
	// reports in Forces forces.
	HandlePatternReports int
	HandlePatternWindow  time.Duration
	HandlePatternForces  int
	// ExportKeys is "kid:base64url(32-byte Ed25519 seed)[,kid:…]", the keys
	// that sign case export bundles; empty derives them from AuditKeys.
	ExportKeys string
	// WebhookAllowedHosts (host or host:port) may receive webhooks even at
	// loopback or private addresses: test receivers, on-premises control rooms.
	WebhookAllowedHosts []string

	TrustedProxies []string
	CORSOrigins    []string

	BootstrapAdminEmail    string
	BootstrapAdminPassword string
	MFARequiredRoles       []string

	Argon2 Argon2Params
	// Argon2BudgetMiB is the memory every Argon2 hash of the process shares
	// (ARGON2_MEMORY_BUDGET_MIB); 0: a quarter of GOMEMLIMIT when that is
	// set, else ARGON2_MAX_CONCURRENT hashes' worth.
	Argon2BudgetMiB int

	EscalationMinDelay  time.Duration
	ClosedCaseRetention time.Duration
	ShutdownTimeout     time.Duration
	BodyLimit           int

	// UnackedRepage is how often an alert whose policy ran out re-pages
	// the force's supervisors (UNACKED_REPAGE).
	UnackedRepage time.Duration
	// PageRatePerForce bounds the individual pages a force's officers get
	// per minute; the excess is folded into digests (PAGE_RATE_PER_FORCE).
	PageRatePerForce int
	// UrgentFlood* set when urgent reports are paged as one digest per
	// network or per force instead of one page each (never refused).
	UrgentFloodPerNetwork int
	UrgentFloodPerForce   int
	UrgentFloodWindow     time.Duration
	// RoutineInFlight bounds the routine reports a process stores at once
	// (ROUTINE_IN_FLIGHT); beyond it they wait a moment, then get 503.
	// Urgent reports never wait for it.
	RoutineInFlight int

	LogFormat string
	LogLevel  string
}

// Argon2Params tune password hashing. MaxConcurrent bounds how many hashes run
// at once, so that a flood of logins cannot exhaust memory.
type Argon2Params struct {
	Time          uint32
	MemoryKiB     uint32
	Threads       uint8
	MaxConcurrent int
}

// LoadConfig reads the environment through getenv (os.Getenv in production)
// and applies defaults. It does not validate: call Validate after any
// development keys are filled in.
func LoadConfig(getenv func(string) string) (Config, error) {
	var errs []error
	env := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	secret := func(name string) string {
		if path := strings.TrimSpace(getenv(name + "_FILE")); path != "" {
			b, err := os.ReadFile(path)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: %w", name, err))
				return ""
			}
			return strings.TrimSpace(string(b))
		}
		return strings.TrimSpace(getenv(name))
	}
	duration := func(name string, def time.Duration) time.Duration {
		v := env(name, "")
		if v == "" {
			return def
		}
		d, err := parseDuration(name, v, def)
		if err != nil {
			errs = append(errs, err)
		}
		return d
	}
	number := func(name string, def int) int {
		v := env(name, "")
		if v == "" {
			return def
		}
		n, err := parseNumber(name, v, def)
		if err != nil {
			errs = append(errs, err)
		}
		return n
	}

	c := Config{
		ListenAddr:             env("LISTEN_ADDR", "127.0.0.1:8080"),
		MongoURI:               secret("MONGODB_URI"),
		MongoDatabase:          env("MONGODB_DATABASE", "speaksafe"),
		DataDir:                env("DATA_DIR", "./data"),
		FirebaseProjectID:      env("FIREBASE_PROJECT_ID", ""),
		GoogleCredentials:      env("GOOGLE_APPLICATION_CREDENTIALS", ""),
		FCMEndpoint:            env("FCM_ENDPOINT", ""),
		JWTSigningKeys:         secret("JWT_SIGNING_KEY"),
		DataKeys:               secret("DATA_KEYS"),
		RateLimitSecret:        secret("RATE_LIMIT_SECRET"),
		WebhookSecret:          secret("WEBHOOK_SECRET"),
		AuditKeys:              secret("AUDIT_KEYS"),
		ReceiptKeys:            secret("RECEIPT_KEYS"),
		HandleKeys:             secret("HANDLE_KEYS"),
		HandlePatternReports:   number("HANDLE_PATTERN_REPORTS", reports.DefaultPatternReports),
		HandlePatternWindow:    duration("HANDLE_PATTERN_WINDOW", reports.DefaultPatternWindow),
		HandlePatternForces:    number("HANDLE_PATTERN_FORCES", reports.DefaultPatternForces),
		ExportKeys:             secret("EXPORT_KEYS"),
		WebhookAllowedHosts:    list(env("WEBHOOK_ALLOWED_HOSTS", "")),
		TrustedProxies:         list(env("TRUSTED_PROXIES", "")),
		CORSOrigins:            list(env("CORS_ORIGINS", "")),
		BootstrapAdminEmail:    env("BOOTSTRAP_ADMIN_EMAIL", ""),
		BootstrapAdminPassword: secret("BOOTSTRAP_ADMIN_PASSWORD"),
		EscalationMinDelay:     duration("ESCALATION_MIN_DELAY", 60*time.Second),
		UnackedRepage:          duration("UNACKED_REPAGE", 10*time.Minute),
		PageRatePerForce:       number("PAGE_RATE_PER_FORCE", 20),
		ClosedCaseRetention:    duration("CLOSED_CASE_RETENTION", 90*24*time.Hour),
		ShutdownTimeout:        duration("SHUTDOWN_TIMEOUT", 15*time.Second),
		BodyLimit:              number("BODY_LIMIT", 64*1024),
		UrgentFloodPerNetwork:  number("URGENT_FLOOD_PER_NETWORK", reports.DefaultFloodPerNetwork),
		UrgentFloodPerForce:    number("URGENT_FLOOD_PER_FORCE", reports.DefaultFloodPerForce),
		UrgentFloodWindow:      duration("URGENT_FLOOD_WINDOW", reports.DefaultFloodWindow),
		RoutineInFlight:        number("ROUTINE_IN_FLIGHT", reports.DefaultRoutineInFlight),
		LogFormat:              env("LOG_FORMAT", "text"),
		LogLevel:               env("LOG_LEVEL", "info"),
		Argon2BudgetMiB:        number("ARGON2_MEMORY_BUDGET_MIB", 0),
		Argon2: Argon2Params{
			// 19 MiB, t=2, p=1 is OWASP's Argon2id baseline; MaxConcurrent
			// of 8 caps hashing memory at about 152 MiB under any flood.
			Time:          uint32(number("ARGON2_TIME", 2)),
			MemoryKiB:     uint32(number("ARGON2_MEMORY_KIB", 19*1024)),
			Threads:       uint8(number("ARGON2_THREADS", 1)),
			MaxConcurrent: number("ARGON2_MAX_CONCURRENT", 8),
		},
	}
	c.Embedded = c.MongoURI == ""
	c.Loopback = isLoopback(c.ListenAddr)
	mode, err := decideMode(env("SPEAKSAFE_MODE", ""), c.Loopback, c.Embedded)
	if err != nil {
		errs = append(errs, err)
	}
	c.Mode, c.Explicit = mode, env("SPEAKSAFE_MODE", "") != ""
	defaultMFA := strings.Join(productionMFARoles, ",")
	if c.Mode == ModeDevelopment {
		defaultMFA = ""
	}
	c.MFARequiredRoles = list(env("MFA_REQUIRED_ROLES", defaultMFA))
	return c, errors.Join(errs...)
}

// Validate checks the configuration as a whole and names every variable that
// is wrong. Every secret must be set and strong (development mode fills
// missing ones from DATA_DIR first); production mode also requires MFA for
// staff roles and a push configuration. Keys are parsed by their owners at
// start-up, which names the variable on failure too.
func (c Config) Validate() error {
	var errs []error
	if c.Mode == ModeProduction {
		errs = append(errs, c.productionErrors()...)
	}
	if _, _, err := net.SplitHostPort(c.ListenAddr); err != nil {
		errs = append(errs, fmt.Errorf("LISTEN_ADDR: %w", err))
	}
	if c.MongoDatabase == "" || strings.ContainsAny(c.MongoDatabase, "/\\. \"$") {
		errs = append(errs, errors.New("MONGODB_DATABASE: must be a plain database name"))
	}
	for _, s := range []struct{ name, v string }{
		{"JWT_SIGNING_KEY", c.JWTSigningKeys}, {"DATA_KEYS", c.DataKeys},
		{"RATE_LIMIT_SECRET", c.RateLimitSecret}, {"WEBHOOK_SECRET", c.WebhookSecret},
		{"AUDIT_KEYS", c.AuditKeys}, {"RECEIPT_KEYS", c.ReceiptKeys},
	} {
		if s.v == "" {
			errs = append(errs, fmt.Errorf("%s: missing (set it or %s_FILE)", s.name, s.name))
		}
	}
	for _, s := range []struct{ name, v string }{{"RATE_LIMIT_SECRET", c.RateLimitSecret}, {"WEBHOOK_SECRET", c.WebhookSecret}} {
		if s.v != "" && len(s.v) < 32 {
			errs = append(errs, fmt.Errorf("%s: too weak, use at least 32 random characters", s.name))
		}
	}
	if c.AuditKeys != "" {
		if _, err := audit.ParseKeys(c.AuditKeys); err != nil {
			errs = append(errs, err)
		}
	}
	if c.ExportKeys != "" {
		if _, err := reports.ParseExportKeys(c.ExportKeys, ""); err != nil {
			errs = append(errs, err)
		}
	}
	if c.ReceiptKeys != "" {
		if _, err := reports.ParseReceiptKeys(c.ReceiptKeys); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, c.handleErrors()...)
	if c.BootstrapAdminEmail != "" && len(c.BootstrapAdminPassword) < 12 {
		errs = append(errs, errors.New("BOOTSTRAP_ADMIN_PASSWORD: at least 12 characters are required with BOOTSTRAP_ADMIN_EMAIL"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, errors.New("LOG_FORMAT: must be text or json"))
	}
	errs = append(errs, c.rangeErrors()...)
	if b := c.Argon2BudgetMiB; b != 0 && (b < 8 || b > 65536 || int64(b)*1024 < int64(c.Argon2.MemoryKiB)) {
		errs = append(errs, errors.New("ARGON2_MEMORY_BUDGET_MIB: 0 (automatic) or 8 to 65536, and at least ARGON2_MEMORY_KIB"))
	}
	if _, err := outbound.ParseAllowedHosts(c.WebhookAllowedHosts); err != nil {
		errs = append(errs, fmt.Errorf("WEBHOOK_ALLOWED_HOSTS: %w", err))
	}
	for _, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				errs = append(errs, fmt.Errorf("TRUSTED_PROXIES: %q is not an IP or CIDR", p))
			}
		}
	}
	return errors.Join(errs...)
}

func list(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
