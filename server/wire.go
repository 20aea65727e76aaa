package server

import (
	"context"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/accounts"
	"speaksafe/alerts"
	"speaksafe/audit"
	"speaksafe/console"
	"speaksafe/content"
	"speaksafe/database"
	"speaksafe/devices"
	"speaksafe/fieldcrypt"
	"speaksafe/handlers"
	"speaksafe/hashbudget"
	"speaksafe/oncall"
	"speaksafe/outbound"
	"speaksafe/ratelimit"
	"speaksafe/referrals"
	"speaksafe/reminders"
	"speaksafe/reports"
	"speaksafe/stats"
)

// wiring holds what one domain's wiring builds and a later one needs.
// wire builds the domains in the order below.
type wiring struct {
	// DataKeys are DATA_KEYS, parsed once for every domain that seals fields.
	DataKeys *fieldcrypt.Keys
	// HashBudget is the memory every Argon2 hash of the process shares.
	HashBudget *hashbudget.Budget
	// Accounts: organisations, users, tokens, the audit log, rate limits.
	Accounts *accounts.Store
	Auth     *accounts.Auth
	Audit    *audit.Log
	Limiter  *ratelimit.Limiter
	Limits   *handlers.Limits
	// Content: the awareness library and school collections.
	Content *content.Store
	// Alerts is the alert engine (the reports store's Alerter; reports
	// calls Alerts.UseCases with itself).
	Alerts *alerts.Dispatcher
	// OnCall holds rotations, overrides and policies; with Pusher it
	// serves reminders (wire_reminders.go).
	OnCall *oncall.OnCall
	Pusher *alerts.ReminderPusher
	// Reports: intake, reporter sessions, cases (wire_reports.go).
	Reports *reports.Store
	// Pager pages an organisation's on-call outside the alert engine
	// (built with the alerts; referrals use it for overdue referrals).
	Pager *alerts.OwnerPager
	// Referrals shares cases with partner agencies (wire_referrals.go).
	Referrals *referrals.Service

	// Devices and StaffAuth are the device store and the access-token
	// check the API uses; the console uses them too.
	Devices   *devices.Devices
	StaffAuth *accounts.Authenticator
	// Console is the web console (wire_console.go).
	Console *console.Console

	// AuditMonitor verifies and checkpoints the audit chain (wire_audit.go).
	AuditMonitor *audit.Monitor
	// Reminders lists and pushes what waits in cases (wire_reminders.go).
	Reminders *reminders.Service
	// Stats computes the figures (wire_oversight.go).
	Stats *stats.Service
}

// wire builds every domain: stores, indexes, seed data, routes, workers.
func (a *App) wire(ctx context.Context) error {
	// Accounts: organisations, users, tokens, audit, rate limits.
	signing, err := accounts.ParseSigningKeys(a.cfg.JWTSigningKeys)
	if err != nil {
		return err
	}
	a.w.DataKeys, err = fieldcrypt.Parse(a.cfg.DataKeys)
	if err != nil {
		return err
	}
	a.w.HashBudget, err = hashbudget.New(hashbudget.Size(a.cfg.Argon2BudgetMiB,
		int64(a.cfg.Argon2.MaxConcurrent)*int64(a.cfg.Argon2.MemoryKiB)))
	if err != nil {
		return err
	}
	hasher, err := accounts.NewHasher(accounts.Argon2Params(a.cfg.Argon2), a.w.HashBudget)
	if err != nil {
		return err
	}
	mfaRoles, err := accounts.ParseRoles("MFA_REQUIRED_ROLES", a.cfg.MFARequiredRoles)
	if err != nil {
		return err
	}
	// Embedded mode is one process, so rate-limit counts live in memory
	// there; with MongoDB they are shared by every instance.
	a.w.Limiter, err = ratelimit.New(a.db, []byte(a.cfg.RateLimitSecret), a.cfg.Embedded, a.clock)
	if err != nil {
		return err
	}
	a.w.Limits = handlers.NewLimits(a.w.Limiter, handlers.NewClientAddrs(a.cfg.TrustedProxies))
	if err := a.wireAudit(); err != nil {
		return err
	}
	a.w.Accounts = accounts.NewStore(a.db, a.logger, a.clock, a.w.Audit)
	tokens := accounts.NewTokens(signing, a.clock)
	auth := accounts.NewAuth(accounts.AuthDeps{Store: a.w.Accounts, Tokens: tokens, Hasher: hasher,
		Limiter: a.w.Limiter, DataKeys: a.w.DataKeys, MFARoles: mfaRoles, Now: a.clock, Sleep: a.sleep})
	a.w.Auth = auth
	a.w.StaffAuth = accounts.NewAuthenticator(tokens, a.w.Accounts)
	a.Router.UseStaffAuthenticator(a.w.StaffAuth)
	a.AddSetup("accounts indexes", func(ctx context.Context) error {
		return database.EnsureIndexes(ctx, a.db, append(accounts.Indexes(), ratelimit.Indexes()...))
	})
	a.AddSetup("bootstrap admin", func(ctx context.Context) error {
		return auth.Bootstrap(ctx, a.cfg.BootstrapAdminEmail, a.cfg.BootstrapAdminPassword)
	})
	a.AddWorker("accounts sweep", accounts.Sweeper(a.w.Accounts, a.w.Limiter, a.logger))
	handlers.NewAuth(auth, a.w.Limits).Routes(a.Router)
	handlers.NewMe(a.w.Accounts, auth, a.w.Limits).Routes(a.Router)
	handlers.NewOrganisations(a.w.Accounts).Routes(a.Router)
	handlers.NewUsers(a.w.Accounts).Routes(a.Router)

	// Content.
	if err := a.wireContent(); err != nil {
		return err
	}

	// Alerts: devices, on-call, alerts, push.
	sender, err := alerts.NewSender(ctx, alerts.FCMConfig{ProjectID: a.cfg.FirebaseProjectID,
		CredentialsFile: a.cfg.GoogleCredentials, Endpoint: a.cfg.FCMEndpoint}, a.logger)
	if err != nil {
		return err
	}
	webhookHosts, err := outbound.ParseAllowedHosts(a.cfg.WebhookAllowedHosts)
	if err != nil {
		return fmt.Errorf("WEBHOOK_ALLOWED_HOSTS: %w", err)
	}
	onCall := oncall.NewOnCall(a.db, a.w.Accounts, a.clock, a.cfg.EscalationMinDelay, a.w.Audit, a.logger)
	a.w.OnCall = onCall
	devs := devices.NewDevices(a.db, a.w.Accounts, a.logger, a.clock, a.w.Audit)
	a.w.Devices = devs
	onCall.UseDevices(devs)
	onCall.AllowWebhookHosts(webhookHosts)
	a.w.Accounts.UseDeviceRevoker(devs) // account resets forget the user's phones
	engineDB, closeEngineDB, err := a.alertEngineDB()
	if err != nil {
		return err
	}
	// The engine reads rotas and devices through its own pool (when it has
	// one); its device changes (UNREGISTERED tokens) are audited too.
	engineOnCall, engineDevices := onCall, devs
	if engineDB != a.db {
		engineOnCall = oncall.NewOnCall(engineDB, a.w.Accounts, a.clock, a.cfg.EscalationMinDelay, a.w.Audit, a.logger)
		engineDevices = devices.NewDevices(engineDB, a.w.Accounts, a.logger, a.clock, a.w.Audit)
		engineOnCall.UseDevices(engineDevices)
		engineOnCall.AllowWebhookHosts(webhookHosts)
	}
	a.w.Alerts = alerts.NewDispatcher(alerts.Deps{DB: engineDB, OnCall: engineOnCall, Devices: engineDevices,
		Sender: sender, Audit: a.w.Audit, Metrics: alerts.NewMetrics(a.Metrics), Log: a.logger, Now: a.clock,
		Webhooks: outbound.NewWebhookClient(outbound.WebhookTimeout, webhookHosts)},
		alerts.EngineConfig{MinDelay: a.cfg.EscalationMinDelay, WebhookSecret: a.cfg.WebhookSecret,
			UnackedRepage: a.cfg.UnackedRepage, PageRatePerForce: a.cfg.PageRatePerForce})
	a.w.Pusher = alerts.NewReminderPusher(devs, sender, a.logger)
	a.AddSetup("alerts indexes", func(ctx context.Context) error {
		return database.EnsureIndexes(ctx, a.db, slices.Concat(devices.Indexes(), oncall.Indexes(), alerts.Indexes()))
	})
	a.AddSetup("alert list backfill", func(ctx context.Context) error {
		n, err := a.w.Alerts.BackfillList(ctx)
		if n > 0 {
			a.logger.InfoContext(ctx, "alerts stored before the list slots are listed", "alerts", n)
		}
		return err
	})
	a.AddWorker("alerts dispatcher", WorkerFunc(func(ctx context.Context) {
		a.w.Alerts.Run(ctx)
		closeEngineDB()
	}))
	a.w.Pager = alerts.NewOwnerPager(onCall, devs, sender, a.logger)
	handlers.NewDevices(devs).Routes(a.Router)
	handlers.NewOnCall(onCall).Routes(a.Router)
	a.AddWorker("override sweep", WorkerFunc(onCall.OverrideSweeper(time.Minute)))
	handlers.NewAlerts(a.w.Alerts).Routes(a.Router)

	// Reports.
	if err := a.wireReports(); err != nil {
		return err
	}
	if err := a.wireConcerns(); err != nil {
		return err
	}
	if err := a.wireReferrals(); err != nil {
		return err
	}

	// Oversight: figures, the audit log's reading.
	a.wireOversight()
	a.linkReferrals()

	// The web console, over the same stores.
	if err := a.wireConsole(); err != nil {
		return err
	}
	_ = ctx
	return nil
}

// AlertEngine returns the alert dispatcher, so that tests built without
// background workers can drive its sweeps with an injected clock.
func (a *App) AlertEngine() *alerts.Dispatcher { return a.w.Alerts }

// alertEngineDB gives the alert engine its own MongoDB connection pool when
// there is a MONGODB_URI, so that a page never waits for a connection
// behind routine requests. The embedded development store is one process
// and shares the app's pool.
func (a *App) alertEngineDB() (*mongo.Database, func(), error) {
	if a.cfg.Embedded || a.cfg.MongoURI == "" {
		return a.db, func() {}, nil
	}
	var extra []*options.ClientOptions
	if a.storeCommands != nil {
		extra = append(extra, a.storeCommands.ClientOptions())
	}
	client, err := database.Connect(a.cfg.MongoURI, extra...)
	if err != nil {
		return nil, nil, err
	}
	closeFn := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = client.Disconnect(ctx)
	}
	return client.Database(a.db.Name()), closeFn, nil
}
