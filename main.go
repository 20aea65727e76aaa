// SpeakSafe serves awareness content to young people, takes their reports
// and pages on-call officers for urgent ones. With a command it runs an
// operator's task instead: `speaksafe help` lists them.
package main

import (
	"context"
	_ "embed"
	"os"

	"speaksafe/cli"
)

//go:embed mobile-api.yaml
var spec []byte

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Env{
		Spec: spec, Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
	}))
}
