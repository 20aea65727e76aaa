package alerts

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"speaksafe/devices"
	"speaksafe/oncall"
)

// ReferralText is the only text of a page about an overdue referral.
const ReferralText = "Safeguarding referral overdue — open SpeakSafe"

// OwnerPager pages whoever an organisation (a force or an agency) has on
// call now, once, outside the alert engine: for reminders such as an
// overdue referral, which have no escalation of their own.
type OwnerPager struct {
	oncall  *oncall.OnCall
	devices *devices.Devices
	sender  Sender
	log     *slog.Logger
}

// NewOwnerPager returns a pager over the on-call store, devices and sender.
func NewOwnerPager(oc *oncall.OnCall, devs *devices.Devices, sender Sender, log *slog.Logger) *OwnerPager {
	return &OwnerPager{oncall: oc, devices: devs, sender: sender, log: log}
}

// OnCallNow returns the active members owner has on call at at (see
// oncall.OnCall.OnCallNow).
func (p *OwnerPager) OnCallNow(ctx context.Context, owner string, at time.Time) ([]string, error) {
	return p.oncall.OnCallNow(ctx, owner, at)
}

// PageReferral pushes one page about referral referralID to every pageable
// device of whoever owner has on call at at, and answers how many got
// through. The push carries the referral id and generic text only. The
// caller makes sure it runs once (a claim by _id).
func (p *OwnerPager) PageReferral(ctx context.Context, owner, referralID string, at time.Time) (int, error) {
	users, err := p.OnCallNow(ctx, owner, at)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, u := range users {
		devs, err := p.devices.ForUser(ctx, u)
		if err != nil {
			return sent, err
		}
		for _, d := range devs {
			if ok, err := p.devices.Pageable(ctx, d); err != nil || !ok {
				continue
			}
			page := Page{ReferralID: referralID, Token: d.Token, Platform: d.Platform, TTL: 2 * time.Hour, Text: ReferralText}
			if _, err := p.sender.Send(ctx, page); err != nil {
				p.log.WarnContext(ctx, "referral page not delivered", "referral_id", referralID, "reason", string(ReasonOf(err)))
				continue
			}
			sent++
		}
	}
	if len(users) == 0 {
		return 0, fmt.Errorf("alerts: nobody on call for the referral's agency")
	}
	return sent, nil
}
