package cli

import (
	"context"

	"speaksafe/server"
)

func serveCommand() command {
	return command{
		name:    "serve",
		summary: "serve the API (the default with no command)",
		help: `
Serves the API until SIGINT or SIGTERM. Development mode (generated keys, no
MFA) only on a loopback LISTEN_ADDR with the embedded store, or when
SPEAKSAFE_MODE=development says so; anything else is production mode, which
refuses to start without its secrets, MFA roles and push configuration.`,
		run: func(ctx context.Context, e Env, _ []string) error {
			return server.Run(ctx, e.Spec, e.Stdout)
		},
	}
}

func healthcheckCommand() command {
	return command{
		name:    "healthcheck",
		summary: "exit 0 when the server on LISTEN_ADDR is ready",
		help:    "Asks GET /readyz of the instance on LISTEN_ADDR; the Docker image's health check runs it.",
		run: func(_ context.Context, e Env, _ []string) error {
			if server.Healthcheck(e.Getenv) != 0 {
				return errNotReady
			}
			return nil
		},
	}
}
