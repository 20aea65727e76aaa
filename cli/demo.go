package cli

import (
	"context"

	"speaksafe/server"
)

func demoCommand() command {
	return command{
		name:    "demo",
		summary: "serve with a seeded demonstration force (development mode only)",
		help: `
Serves as "serve" does and, on the first start with an empty DATA_DIR, seeds
a demonstration force: a school, the area's MASH (a partner agency), users
of every role (admin, officer, supervisor and the MASH's practitioner and
lead with TOTP), a rota with a default escalation policy, a few reports of
each kind, a referral to the MASH and a school concern. It prints the console address and every demo user's
password and TOTP secret (also kept in DATA_DIR/demo-users.json). It refuses
to run in production mode.`,
		run: func(ctx context.Context, e Env, _ []string) error {
			return server.RunDemo(ctx, e.Spec, e.Stdout)
		},
	}
}
