package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"speaksafe/audit"
	"speaksafe/database"
	"speaksafe/errkind"
	"speaksafe/referrals"
)

func verifyKeysCommand() command {
	return command{
		name:    "verify-keys",
		summary: "report sealed values under a key that DATA_KEYS no longer has",
		help: `
Reads every document with sealed fields (users' TOTP secrets; cases' text,
handles, contact and outcome; messages and notes; their copies in the case
version events) and counts the values each data key id seals. Exit 1 when
any value is under a key id that DATA_KEYS does not list (those can no
longer be opened: put the key back), 0 otherwise. Values under a listed key
other than the first are reported too: run rekey before retiring that key.
Prints counts and key ids only, never a value. Runs against DATA_DIR's
embedded store (beside a running server) or MONGODB_URI.`,
		run: runVerifyKeys,
	}
}

func runVerifyKeys(ctx context.Context, e Env, _ []string) error {
	s, err := openSession(ctx, e, "verify-keys")
	if err != nil {
		return err
	}
	defer s.close()
	pr := newProgress(e, "verify-keys")
	c, err := scanSealed(ctx, s.tools.DB, s.tools.DataKeys, pr)
	if err != nil {
		return err
	}
	pr.done("%d documents, %d sealed values", c.docs, c.total())
	return reportKeys(e, c, s)
}

// reportKeys prints the census and fails when a value is under a key that
// is not configured.
func reportKeys(e Env, c *keyCensus, s *session) error {
	keys := s.tools.DataKeys
	retired, old := c.problems(keys)
	for _, line := range old {
		fmt.Fprintf(e.Stdout, "to rekey: %s (listed, not first)\n", line)
	}
	for _, line := range retired {
		fmt.Fprintf(e.Stdout, "CANNOT OPEN: %s (not in DATA_KEYS)\n", line)
	}
	if len(retired) > 0 {
		return fmt.Errorf("%d place(s) hold values under keys not in DATA_KEYS: put those keys back in DATA_KEYS (after the first) and run rekey", len(retired))
	}
	if len(old) == 0 {
		fmt.Fprintf(e.Stdout, "all %d sealed values are under key %q, the first of DATA_KEYS; the other keys may be retired\n", c.total(), keys.CurrentKeyID())
		return nil
	}
	fmt.Fprintf(e.Stdout, "every sealed value opens with DATA_KEYS; run rekey before retiring any key but %q\n", keys.CurrentKeyID())
	return nil
}

func rekeyCommand() command {
	return command{
		name:    "rekey",
		summary: "re-encrypt every sealed value under the first key of DATA_KEYS",
		help: `
Re-encrypts every sealed value not under the first key of DATA_KEYS with
that key, so that the other keys can be retired. Run it after the server
itself runs with the new key first and the old ones after it (DATA_KEYS=
new,old): it is safe beside live traffic, skips what is already under the
first key, and can be run again after an interruption. It scans again
after each pass (up to three) for values a concurrent writer put back, and
ends with the check of verify-keys: exit 0 when every value is under the
first key, 1 when some are not (run it again). Then remove the old key from DATA_KEYS,
restart, and run verify-keys. Recorded in the audit log as data.rekeyed by
operator:cli. How it stays safe beside officers' changes: docs/rekey.md.
Runs against DATA_DIR's embedded store (beside a running server) or
MONGODB_URI.`,
		run: runRekey,
	}
}

// rekeyPasses bounds how often rekey scans again for values a concurrent
// writer put back under an older key while it ran.
const rekeyPasses = 3

func runRekey(ctx context.Context, e Env, _ []string) error {
	s, err := openSession(ctx, e, "rekey")
	if err != nil {
		return err
	}
	defer s.close()
	keys := s.tools.DataKeys
	pr := newProgress(e, "rekey")
	census, err := scanSealed(ctx, s.tools.DB, keys, pr)
	if err != nil {
		return err
	}
	n := 0
	for range rekeyPasses {
		if _, old := census.problems(keys); len(old) == 0 {
			break
		}
		k, err := rekeyRecords(ctx, s, census, pr)
		n += k
		if err != nil {
			pr.done("%d values rewritten, then stopped", n)
			return errors.Join(fmt.Errorf("%w; what was done stays done: run rekey again", err), auditRekey(ctx, s, n))
		}
		if census, err = scanSealed(ctx, s.tools.DB, keys, pr); err != nil {
			return errors.Join(err, auditRekey(ctx, s, n))
		}
	}
	pr.done("%d values rewritten under key %q", n, keys.CurrentKeyID())
	if err := auditRekey(ctx, s, n); err != nil {
		return err
	}
	if err := reportKeys(e, census, s); err != nil {
		return err
	}
	if _, old := census.problems(keys); len(old) > 0 {
		return errors.New("values changed while rekey ran are still under older keys: run rekey again")
	}
	return nil
}

// auditRekey records the run when it rewrote anything.
func auditRekey(ctx context.Context, s *session, n int) error {
	if n == 0 {
		return nil
	}
	err := s.tools.Audit.Record(ctx, audit.Entry{Actor: operator, Action: "data.rekeyed", ObjectType: "data_keys",
		ObjectID: s.tools.DataKeys.CurrentKeyID(), Detail: map[string]string{"values": strconv.Itoa(n)}})
	if err != nil {
		return fmt.Errorf("%d values rekeyed but not audited: %w", n, err)
	}
	return nil
}

// rekeyRecords reseals the users and cases the census found under older
// keys, and answers how many values it rewrote.
func rekeyRecords(ctx context.Context, s *session, c *keyCensus, pr *progress) (int, error) {
	n := 0
	for _, id := range sortedKeys(c.stale["users"]) {
		changed, err := s.tools.Auth.ResealTOTP(ctx, id)
		if err != nil && !errors.Is(err, errkind.NotFound) {
			return n, err
		}
		if changed {
			n++
		}
		pr.update("%d values rewritten", n)
	}
	cases := map[string]bool{}
	for _, coll := range []string{"cases", "case_threads", "case_events"} {
		for id := range c.stale[coll] {
			cases[id] = true
		}
	}
	ctx = adminCaller(ctx)
	for i, id := range sortedKeys(cases) {
		k, err := s.tools.Reports.ResealCase(ctx, id, operator)
		n += k
		// A case deleted meanwhile (retention) has nothing left to reseal.
		if err != nil && !errors.Is(err, errkind.NotFound) {
			return n, err
		}
		pr.update("%d values rewritten, case %d of %d", n, i+1, len(cases))
	}
	k, err := rekeyReferrals(ctx, s, c, pr, n)
	return n + k, err
}

// rekeyReferrals reseals the referrals (and their steps) the census found
// under older keys.
func rekeyReferrals(ctx context.Context, s *session, c *keyCensus, pr *progress, before int) (int, error) {
	ids := map[string]bool{}
	for _, coll := range []string{"referrals", "referral_events"} {
		for id := range c.stale[coll] {
			ids[id] = true
		}
	}
	n := 0
	for i, id := range sortedKeys(ids) {
		k, err := referrals.Reseal(ctx, s.tools.DB, s.tools.DataKeys, id)
		n += k
		if err != nil && !database.IsNotFound(err) {
			return n, err
		}
		pr.update("%d values rewritten, referral %d of %d", before+n, i+1, len(ids))
	}
	return n, nil
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		if strings.TrimSpace(k) != "" {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
