// Package cli is the speaksafe command line: with no arguments it serves
// the API; with a command it runs an operator's task (backup, restore,
// user administration, audit verification) against the same store.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Exit codes of every command.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// Env is the world a command runs in; main passes the process's own.
type Env struct {
	Spec   []byte
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// command is one operator task: "backup" or a two-word one like
// "user disable".
type command struct {
	name    string
	args    string
	summary string
	help    string
	// nargs is how many positional arguments it takes.
	nargs int
	// flags, when set, declares the command's flags; run sees their values
	// through the variables flags bound them to.
	flags func(fs *flag.FlagSet)
	run   func(ctx context.Context, e Env, args []string) error
}

func commands() []command {
	return []command{
		serveCommand(), healthcheckCommand(), demoCommand(),
		backupCommand(), restoreCommand(),
		createAdminCommand(), disableUserCommand(), resetMFACommand(),
		auditVerifyCommand(), auditExportCommand(),
		verifyKeysCommand(), rekeyCommand(),
		caseExportCommand(), caseVerifyExportCommand(),
	}
}

// errUsage marks a wrong invocation: exit code 2 and the command's usage.
var errUsage = errors.New("usage")

// Main runs the command named by args (the process arguments without the
// program name) and returns its exit code.
func Main(ctx context.Context, args []string, e Env) int {
	if len(args) == 0 {
		return exitCode(e, serveCommand(), serveCommand().run(ctx, e, nil))
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		usage(e.Stdout)
		return ExitOK
	}
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(args) < len(words) || strings.Join(args[:len(words)], " ") != c.name {
			continue
		}
		return runCommand(ctx, e, c, args[len(words):])
	}
	fmt.Fprintf(e.Stderr, "speaksafe: unknown command %q\n\n", strings.Join(args, " "))
	usage(e.Stderr)
	return ExitUsage
}

func runCommand(ctx context.Context, e Env, c command, args []string) int {
	fs := flag.NewFlagSet("speaksafe "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if c.flags != nil {
		c.flags(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			commandHelp(e.Stdout, c)
			return ExitOK
		}
		fmt.Fprintf(e.Stderr, "speaksafe %s: %v\n", c.name, err)
		commandHelp(e.Stderr, c)
		return ExitUsage
	}
	if fs.NArg() != c.nargs {
		fmt.Fprintf(e.Stderr, "speaksafe %s: wants %d argument(s), got %d\n", c.name, c.nargs, fs.NArg())
		commandHelp(e.Stderr, c)
		return ExitUsage
	}
	return exitCode(e, c, c.run(ctx, e, fs.Args()))
}

func exitCode(e Env, c command, err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, errUsage):
		fmt.Fprintf(e.Stderr, "speaksafe %s: %v\n", c.name, err)
		commandHelp(e.Stderr, c)
		return ExitUsage
	}
	fmt.Fprintf(e.Stderr, "speaksafe %s: %v\n", c.name, err)
	return ExitFailure
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: speaksafe [command]")
	fmt.Fprintln(w, "\nWith no command, serves the API (configuration from the environment; see README).")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-28s %s\n", strings.TrimSpace(c.name+" "+c.args), c.summary)
	}
	fmt.Fprintln(w, "\nRun `speaksafe COMMAND --help` for details. Exit codes: 0 done, 1 failed, 2 wrong usage.")
}

func commandHelp(w io.Writer, c command) {
	fmt.Fprintf(w, "Usage: speaksafe %s\n\n%s\n\n%s\n", strings.TrimSpace(c.name+" "+c.args), c.summary, strings.TrimSpace(c.help))
}
