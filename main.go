// SpeakSafe serves awareness content to young people, takes their reports
// and pages on-call officers for urgent ones.
package main

import (
	"context"
	_ "embed"
	"fmt"
	"os"

	"speaksafe/server"
)

//go:embed mobile-api.yaml
var spec []byte

func main() {
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		os.Exit(server.Healthcheck(os.Getenv))
	}
	if err := server.Run(context.Background(), spec, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "speaksafe:", err)
		os.Exit(1)
	}
}
