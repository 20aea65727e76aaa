package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"speaksafe/database"
	"speaksafe/fcmfake"
	"speaksafe/internal/harness"
	"speaksafe/internal/testsupport"
)

// stack is the system under test.
type stack struct {
	base, storeURI, dataKeys, db string
	adminEmail, adminPassword    string
	pid, storePID                int
	stop                         func()
}

func spawn(ctx context.Context, o options, dir, fcmEndpoint string) (*stack, error) {
	root, err := harness.ModuleRoot()
	if err != nil {
		return nil, err
	}
	fmt.Fprintln(os.Stderr, "loadtest: building the server and cmd/devstore…")
	bins, err := harness.Build(ctx, root, filepath.Join(dir, "bin"))
	if err != nil {
		return nil, err
	}
	storeAddr, err := testsupport.FreeAddr()
	if err != nil {
		return nil, err
	}
	store, err := harness.StartStore(ctx, bins.Store, storeAddr, filepath.Join(dir, "store"))
	if err != nil {
		return nil, err
	}
	addr, err := testsupport.FreeAddr()
	if err != nil {
		store.Kill()
		return nil, err
	}
	cfg := harness.ServerConfig{Addr: addr, StoreURI: "mongodb://" + storeAddr + "/", Database: o.database,
		DataDir: filepath.Join(dir, "server"), Secrets: harness.NewSecrets(),
		AdminUser: "admin@speaksafe.test", AdminPass: "admin-" + harness.RandomHex(12), FCM: fcmEndpoint,
		// Access logs at warn keep the server's own output small under load.
		Extra: append([]string{"LOG_LEVEL=warn"}, o.serverEnv...)}
	srv, err := harness.StartServer(bins.Server, cfg)
	if err != nil {
		store.Kill()
		return nil, err
	}
	if err := srv.WaitReady(ctx, 2*time.Minute); err != nil {
		srv.Kill()
		store.Kill()
		return nil, err
	}
	return &stack{base: "http://" + addr, storeURI: cfg.StoreURI, dataKeys: cfg.Secrets.DataKeys, db: o.database,
		adminEmail: cfg.AdminUser, adminPassword: cfg.AdminPass, pid: srv.PID(), storePID: store.PID(),
		stop: func() {
			if err := srv.Stop(30 * time.Second); err != nil {
				fmt.Fprintln(os.Stderr, "loadtest: server stop:", err)
			}
			_ = store.Stop(30 * time.Second)
			summariseErrors(srv.Logs(), filepath.Join(dir, "server.log"))
		}}, nil
}

func run(ctx context.Context, o options, w io.Writer) error {
	fcm := fcmfake.New()
	defer fcm.Close()
	endpoint := fcm.Endpoint()
	var st *stack
	if o.base == "" {
		dir, cleanup, err := workdir(o.keep)
		if err != nil {
			return err
		}
		defer cleanup()
		if st, err = spawn(ctx, o, dir, endpoint); err != nil {
			return err
		}
		defer st.stop()
	} else {
		ln, err := net.Listen("tcp", o.fcmListen)
		if err != nil {
			return fmt.Errorf("fake FCM: %w", err)
		}
		hs := &http.Server{Handler: fcm.Handler()}
		go func() { _ = hs.Serve(ln) }()
		defer hs.Close()
		fmt.Fprintf(os.Stderr, "loadtest: fake FCM at http://%s/v1 (the server's FCM_ENDPOINT)\n", ln.Addr())
		st = &stack{base: o.base, storeURI: o.storeURI, dataKeys: o.dataKeys, db: o.database,
			adminEmail: o.adminEmail, adminPassword: o.adminPassword, pid: o.pid}
		if st.pid == 0 {
			if st.pid, err = pidListening(portOf(o.base)); err != nil {
				fmt.Fprintln(os.Stderr, "loadtest: no server RSS:", err)
			}
		}
	}
	pc := newPageClock(fcm)
	e := &env{client: harness.NewClient(st.base, o.conc*2), pid: st.pid, storePID: st.storePID, conc: o.conc, dur: o.dur, routineRate: o.routineRate, urgentTrace: o.urgentTrace}

	admin, err := e.client.Login(ctx, st.adminEmail, st.adminPassword)
	if err != nil {
		return fmt.Errorf("admin sign-in (set BOOTSTRAP_ADMIN_* on the server): %w", err)
	}
	suffix := harness.RandomHex(3)
	intakeForce, err := e.client.SetUpForce(ctx, admin, "lt-intake-"+suffix)
	if err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	urgentForce, err := e.client.SetUpForce(ctx, admin, "lt-urgent-"+suffix)
	if err != nil {
		return fmt.Errorf("set-up: %w", err)
	}

	if o.soak > 0 {
		fmt.Fprintf(w, "## SpeakSafe soak — %s\n\nmachine: %s\nserver: %s, store: %s\n", time.Now().UTC().Format(time.RFC3339), machine(), st.base, storeName(st))
		return soak(ctx, e, w, intakeForce, urgentForce, pc, o.soakRate, o.soak, time.Minute)
	}
	fmt.Fprintf(w, "## SpeakSafe load test — %s\n\nmachine: %s\nserver: %s, store: %s; %d concurrent clients per closed-loop row, %s per row\n",
		time.Now().UTC().Format(time.RFC3339), machine(), st.base, storeName(st), o.conc, o.dur)
	var rows []result
	add := func(r result) {
		rows = append(rows, r)
		printTable(os.Stderr, "row done", []result{r})
	}
	if o.wants("refs") {
		add(e.bareFiber(ctx))
		add(receiptHashes(ctx, o.dur, 2, 19*1024, 1, 8))
		if st.storeURI != "" {
			add(e.rawInserts(ctx, st.storeURI))
		}
	}
	if o.wants("content") {
		add(e.contentList(ctx))
		add(e.contentNotModified(ctx))
	}
	if o.wants("intake") {
		add(e.withStoreWrites(ctx, func() result { return e.intake(ctx, intakeForce.Code) }))
	}
	if o.wants("reporter") {
		add(e.reporterCase(ctx, intakeForce.Code, 20))
	}
	if o.wants("queue") {
		add(e.officerQueue(ctx, intakeForce.Officer.Token, o.dur))
	}
	if o.wants("console") {
		if err := consoleRow(ctx, o, st, e, admin, "lt-console-"+suffix, w); err != nil {
			return err
		}
	}
	if o.wants("urgent") {
		for _, rate := range o.urgentRates {
			for _, r := range e.urgent(ctx, urgentForce, pc, rate, o.urgentDur) {
				add(r)
			}
		}
	}
	if o.wants("logins") {
		add(e.loginFlood(ctx, st.adminEmail, st.adminPassword, 400))
	}
	printTable(w, "Rows", rows)
	printIntakeAgainstStore(w, rows)
	if st.pid > 0 {
		fmt.Fprintf(w, "\nserver VmHWM (peak RSS over its whole life so far): %s MiB\n", mib(readStatusKB(st.pid, "VmHWM")))
	}
	if o.wants("growth") && len(o.growth) > 0 {
		if err := growthRows(ctx, o, st, e, intakeForce, w); err != nil {
			return err
		}
	}
	return nil
}

func storeName(st *stack) string {
	if st.storePID > 0 {
		return "embedded FerretDB/SQLite as its own process (cmd/devstore), reached by MONGODB_URI"
	}
	if st.storeURI != "" {
		return st.storeURI
	}
	return "not reachable from the load test"
}

// growthRows seeds the intake force's reports through the domain store up
// to each count and measures intake, the case view and the queue again.
func growthRows(ctx context.Context, o options, st *stack, e *env, f harness.Force, w io.Writer) error {
	if st.storeURI == "" || st.dataKeys == "" {
		fmt.Fprintln(w, "\ngrowth: skipped (needs -store-uri and -data-keys with -base)")
		return nil
	}
	client, err := database.Connect(st.storeURI)
	if err != nil {
		return err
	}
	defer client.Disconnect(context.Background())
	db := client.Database(st.db)
	sd, err := newSeeder(db, st.dataKeys, f.ID, f.Code)
	if err != nil {
		return err
	}
	ge := *e
	ge.dur = o.growthDur
	var rows []result
	var steps []growthStep
	for _, n := range o.growth {
		// One count per step: on the embedded store a count reads every
		// case, which at 100 000 costs about a minute.
		before, err := countCases(ctx, db)
		if err != nil {
			return err
		}
		took, err := sd.add(ctx, n-before, 2)
		if err != nil {
			return fmt.Errorf("seeding to %d: %w", n, err)
		}
		have := max(before, n)
		rate := float64(have-before) / max(took.Seconds(), 0.001)
		fmt.Fprintf(os.Stderr, "loadtest: %d cases stored (seeding %d took %s, %.0f cases/s)\n", have, have-before, took.Round(time.Second), rate)
		// Access tokens live 15 minutes; seeding may take longer.
		tok, err := e.client.Login(ctx, f.Officer.Email, f.Officer.Password)
		if err != nil {
			return err
		}
		// The seeder wrote its open cases' queue changes in a burst a
		// server never sees from its own traffic; one queue read lets the
		// server take them in (reports/queueview.go) before the rows.
		if res, err := e.client.Do(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/cases?limit=1", Token: tok}); err != nil || res.Status != http.StatusOK {
			return fmt.Errorf("queue after seeding: %d %v", res.Status, err)
		}
		label := func(r result) result {
			r.Name = fmt.Sprintf("%d stored: %s", have, r.Name)
			if took > 0 {
				r.Note = fmt.Sprintf("seeded %d via reports.Store.Seed in %s (%.0f cases/s)", have-before, took.Round(time.Second), rate)
			}
			return r
		}
		step := growthStep{cases: have}
		for _, measure := range []func() result{
			func() result { return ge.intake(ctx, f.Code) },
			func() result { return ge.reporterCase(ctx, f.Code, 8) },
			func() result { return ge.sessionOpen(ctx, f.Code, 8) },
			func() result { return ge.officerQueue(ctx, tok, o.growthDur) },
			func() result { return ge.officerCase(ctx, tok) },
			func() result { return ge.alertList(ctx, tok) },
			func() result { return ge.contentList(ctx) },
		} {
			r := measure()
			step.rows = append(step.rows, r)
			rows = append(rows, label(r))
			printTable(os.Stderr, "growth row done", rows[len(rows)-1:])
		}
		steps = append(steps, step)
		if errors.Is(ctx.Err(), context.Canceled) {
			break
		}
	}
	printTable(w, "Growth with stored reports", rows)
	printGrowthRatios(w, steps)
	return nil
}

// consoleRow sets up a force with consoleOpen open cases, seeded through
// the domain store, and measures every console page (console.go).
func consoleRow(ctx context.Context, o options, st *stack, e *env, admin, code string, w io.Writer) error {
	if st.storeURI == "" || st.dataKeys == "" {
		fmt.Fprintln(w, "\nconsole: skipped (needs -store-uri and -data-keys with -base)")
		return nil
	}
	f, err := e.client.SetUpForce(ctx, admin, code)
	if err != nil {
		return fmt.Errorf("console set-up: %w", err)
	}
	client, err := database.Connect(st.storeURI)
	if err != nil {
		return err
	}
	defer client.Disconnect(context.Background())
	sd, err := newSeeder(client.Database(st.db), st.dataKeys, f.ID, f.Code)
	if err != nil {
		return err
	}
	sd.allOpen = true
	if _, err := sd.add(ctx, int64(o.consoleOpen), 2); err != nil {
		return fmt.Errorf("console: seeding: %w", err)
	}
	var page struct {
		Items []harness.CaseSummary `json:"items"`
	}
	if err := e.client.JSON(ctx, harness.Request{Method: http.MethodGet, Path: "/v1/cases?limit=1", Token: f.Officer.Token},
		http.StatusOK, &page); err != nil || len(page.Items) == 0 {
		return fmt.Errorf("console: no case in the queue: %v", err)
	}
	rows := e.consoleRows(ctx, f, st.adminEmail, st.adminPassword, page.Items[0].ID, o.consoleDur)
	printTable(os.Stderr, "console rows done", rows)
	printConsoleGoal(w, o.consoleOpen, rows)
	return nil
}

var hexID = regexp.MustCompile(`[0-9a-f]{24,64}`)

// summariseErrors keeps the server's log in the work directory and prints
// how many error lines it has and the distinct causes, so that a row's
// errors can be explained.
func summariseErrors(logs, path string) {
	_ = os.WriteFile(path, []byte(logs), 0o600)
	causes := map[string]int{}
	n := 0
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, `"level":"ERROR"`) {
			continue
		}
		n++
		var e struct {
			Msg   string `json:"msg"`
			Error string `json:"error"`
			Err   string `json:"err"`
		}
		_ = json.Unmarshal([]byte(line), &e)
		cause := hexID.ReplaceAllString(e.Msg+": "+e.Error+e.Err, "<id>")
		if len(cause) > 160 {
			cause = cause[:160]
		}
		causes[cause]++
	}
	fmt.Fprintf(os.Stderr, "loadtest: server log kept at %s: %d error lines\n", path, n)
	for c, k := range causes {
		fmt.Fprintf(os.Stderr, "  %6d × %s\n", k, c)
	}
}
