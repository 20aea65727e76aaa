// Command loadtest measures a SpeakSafe server and prints Markdown tables:
// requests per second, p50/p95/p99 latency, errors and peak server RSS for
// the content list, content 304, report intake, the reporter's case view, the
// officers' queue and the urgent path (201 → page at a fake FCM), beside
// references measured in the same run (a bare Fiber handler, receipt hashing
// alone, raw driver inserts on the same store), and then how intake, the
// case view and the queue change as stored reports grow.
//
// By default it builds the server and cmd/devstore, starts the store as its
// own process and the server against it (MONGODB_URI, production-style
// secrets, FCM_ENDPOINT at a fake FCM running inside this process), and
// stops both at the end:
//
//	go run ./loadtest
//	go run ./loadtest -duration 20s -conc 16 -growth 1000,10000,100000
//
// Against a server you started yourself, give its URL and the bootstrap
// admin; start it with FCM_ENDPOINT=http://<-fcm-listen>/v1 and
// TRUSTED_PROXIES=127.0.0.1 (each simulated child sends its own
// X-Forwarded-For from 198.18.0.0/15, so per-client limits apply per child),
// and pass -store-uri and -data-keys for the raw-insert reference and growth:
//
//	go run ./loadtest -base http://127.0.0.1:8080 -admin-email a@b -admin-password ... \
//	    -fcm-listen 127.0.0.1:9099 [-pid N] [-store-uri mongodb://...] [-data-keys k1:...]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	base, adminEmail, adminPassword string
	fcmListen, storeURI, dataKeys   string
	database                        string
	pid                             int
	conc                            int
	dur, urgentDur, growthDur       time.Duration
	urgentRates                     []int
	routineRate                     int
	urgentTrace                     string
	growth                          []int64
	out                             string
	keep                            string
	only                            string
	soak                            time.Duration
	soakRate                        int
	consoleOpen                     int
	consoleDur                      time.Duration
	serverEnv                       []string
}

func main() {
	var o options
	var growth string
	flag.StringVar(&o.base, "base", "", "base URL of a running server; empty = build and start one")
	flag.StringVar(&o.adminEmail, "admin-email", "", "bootstrap admin email (with -base)")
	flag.StringVar(&o.adminPassword, "admin-password", "", "bootstrap admin password (with -base)")
	flag.StringVar(&o.fcmListen, "fcm-listen", "127.0.0.1:0", "address of the fake FCM in this process (with -base: the server's FCM_ENDPOINT host)")
	flag.StringVar(&o.storeURI, "store-uri", "", "MongoDB URI of the server's store (with -base; enables raw inserts and growth)")
	flag.StringVar(&o.dataKeys, "data-keys", "", "the server's DATA_KEYS (with -base; for seeding growth)")
	flag.StringVar(&o.database, "db", "speaksafe", "the server's MONGODB_DATABASE")
	flag.IntVar(&o.pid, "pid", 0, "server pid for RSS (with -base; default: the process listening on the base port)")
	flag.IntVar(&o.conc, "conc", 16, "concurrent clients per closed-loop row")
	flag.DurationVar(&o.dur, "duration", 15*time.Second, "length of each closed-loop row")
	urgentRates := flag.String("urgent-rate", "20", "urgent reports per second (open loop); a comma-separated list runs each")
	flag.DurationVar(&o.urgentDur, "urgent-duration", time.Minute, "length of the urgent row")
	flag.StringVar(&o.urgentTrace, "urgent-trace", "", "write each urgent report's send time, request time and send-to-page time to this CSV file")
	flag.IntVar(&o.routineRate, "routine-rate", 0, "routine reports per second sent beside the urgent row (open loop; issue 14 goal 1 uses 100)")
	flag.StringVar(&growth, "growth", "1000,10000,100000", "stored-report counts to measure growth at (empty = skip)")
	flag.DurationVar(&o.growthDur, "growth-duration", 10*time.Second, "length of each row at each growth step")
	flag.StringVar(&o.out, "out", "", "also write the tables to this file")
	flag.StringVar(&o.keep, "workdir", "", "keep binaries and store files here (default: a temporary directory, removed)")
	flag.StringVar(&o.only, "only", "", "comma-separated rows to run: refs,content,intake,reporter,queue,console,urgent,logins,growth (default all)")
	flag.IntVar(&o.consoleOpen, "console-open", 1000, "open cases in the console row's force")
	flag.DurationVar(&o.consoleDur, "console-duration", 5*time.Second, "length of each console page's row (one request at a time)")
	flag.DurationVar(&o.soak, "soak", 0, "instead of the tables, run a steady mixed load for this long (e.g. 30m)")
	flag.IntVar(&o.soakRate, "soak-rate", 20, "requests per second during -soak")
	serverEnv := flag.String("server-env", "", "comma-separated NAME=value settings added to the server's environment (e.g. flood thresholds)")
	flag.Parse()
	if *serverEnv != "" {
		o.serverEnv = strings.Split(*serverEnv, ",")
	}
	for _, s := range strings.Split(growth, ",") {
		if s = strings.TrimSpace(s); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				fatal(fmt.Errorf("-growth: %w", err))
			}
			o.growth = append(o.growth, n)
		}
	}
	for _, s := range strings.Split(*urgentRates, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fatal(fmt.Errorf("-urgent-rate: %q", s))
		}
		o.urgentRates = append(o.urgentRates, n)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	var w io.Writer = os.Stdout
	if o.out != "" {
		f, err := os.Create(o.out)
		if err != nil {
			fatal(err)
		}
		defer f.Close()
		w = io.MultiWriter(os.Stdout, f)
	}
	if err := run(ctx, o, w); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "loadtest:", err)
	os.Exit(1)
}

func (o options) wants(row string) bool {
	if o.only == "" {
		return true
	}
	for _, s := range strings.Split(o.only, ",") {
		if strings.TrimSpace(s) == row {
			return true
		}
	}
	return false
}

func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := readMemTotal()
	return fmt.Sprintf("%s, %d cores, %s RAM, %s/%s, %s", model, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

func readMemTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(v)
			kb, _ := strconv.ParseInt(f[0], 10, 64)
			return fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
		}
	}
	return "?"
}

func portOf(base string) int {
	u, err := url.Parse(base)
	if err != nil {
		return 0
	}
	_, p, err := net.SplitHostPort(u.Host)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(p)
	return n
}

func workdir(keep string) (string, func(), error) {
	if keep != "" {
		abs, err := filepath.Abs(keep)
		if err != nil {
			return "", nil, err
		}
		return abs, func() {}, os.MkdirAll(abs, 0o700)
	}
	dir, err := os.MkdirTemp("", "speaksafe-loadtest-")
	return dir, func() { os.RemoveAll(dir) }, err
}
