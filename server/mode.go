package server

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"
)

// Mode tells a development instance (generated keys, no MFA, pages only
// logged) from a production one.
type Mode string

// Modes. SPEAKSAFE_MODE names one explicitly.
const (
	ModeDevelopment Mode = "development"
	ModeProduction  Mode = "production"
)

// productionMFARoles must use TOTP in production mode: every role that can
// see reports or run the service, the commissioner's office, whose figures
// span forces, and partner agencies' staff, who receive referrals.
var productionMFARoles = []string{"admin", "supervisor", "officer", "commissioner", "partner_practitioner", "partner_lead"}

// decideMode applies the rules: an explicit SPEAKSAFE_MODE wins; otherwise
// MONGODB_URI (as before) or a listen address other machines can reach means
// production, and only the embedded store on loopback is the zero-set-up
// development mode of `go run .`.
func decideMode(explicit string, loopback, embedded bool) (Mode, error) {
	switch Mode(strings.ToLower(explicit)) {
	case ModeProduction:
		return ModeProduction, nil
	case ModeDevelopment:
		return ModeDevelopment, nil
	case "":
		if embedded && loopback {
			return ModeDevelopment, nil
		}
		return ModeProduction, nil
	}
	return ModeProduction, fmt.Errorf("SPEAKSAFE_MODE: %q is not development or production", explicit)
}

// isLoopback reports whether addr (host:port) listens on loopback only. An
// empty host, a wildcard or a name other than localhost is reachable from
// elsewhere.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// modeReason says why c is in its mode, for start-up messages.
func (c Config) modeReason() string {
	switch {
	case c.Mode == ModeDevelopment && c.Loopback:
		return "development mode: embedded store on loopback"
	case c.Mode == ModeDevelopment:
		return "development mode: SPEAKSAFE_MODE=development"
	case c.Explicit:
		return "production mode: SPEAKSAFE_MODE=production"
	case !c.Loopback:
		return "production mode: LISTEN_ADDR " + c.ListenAddr + " is reachable from other machines; SPEAKSAFE_MODE=development allows a development instance there"
	}
	return "production mode: MONGODB_URI is set"
}

// productionErrors names what production mode requires and c lacks. Missing
// and weak secrets are checked by Validate in every mode.
func (c Config) productionErrors() []error {
	var errs []error
	var missing []string
	for _, r := range productionMFARoles {
		if !slices.Contains(c.MFARequiredRoles, r) {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		errs = append(errs, fmt.Errorf("MFA_REQUIRED_ROLES: production mode requires MFA for %s", strings.Join(missing, ", ")))
	}
	switch {
	case c.FCMEndpoint != "":
	case c.FirebaseProjectID == "" && c.GoogleCredentials == "":
		errs = append(errs, fmt.Errorf("FIREBASE_PROJECT_ID, GOOGLE_APPLICATION_CREDENTIALS: production mode pages officers by push; set both (or FCM_ENDPOINT)"))
	case c.FirebaseProjectID == "":
		errs = append(errs, fmt.Errorf("FIREBASE_PROJECT_ID: missing (required with GOOGLE_APPLICATION_CREDENTIALS)"))
	case c.GoogleCredentials == "":
		errs = append(errs, fmt.Errorf("GOOGLE_APPLICATION_CREDENTIALS: missing (required with FIREBASE_PROJECT_ID)"))
	}
	return errs
}

// devOnNetworkWarner logs, on every tick, that a development instance is
// reachable from other machines, so that nobody mistakes it for a real
// deployment. Run starts it with a one-minute ticker.
func devOnNetworkWarner(logger *slog.Logger, addr string, ticks <-chan time.Time) Worker {
	return WorkerFunc(func(ctx context.Context) {
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticks:
				warnDevOnNetwork(logger, addr)
			}
		}
	})
}

func warnDevOnNetwork(logger *slog.Logger, addr string) {
	logger.Warn("DEVELOPMENT MODE ON A NETWORK ADDRESS: generated keys, no MFA, pages only logged; not for real reports",
		"addr", addr, "fix", "unset SPEAKSAFE_MODE and provide production configuration")
}
