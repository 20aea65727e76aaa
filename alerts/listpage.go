package alerts

import (
	"context"
	"fmt"
	"strconv"

	"speaksafe/accounts"
	"speaksafe/database"
	"speaksafe/errkind"
	"speaksafe/internal/staff"
)

// slotReadsPerPage bounds the slots one page reads beyond its limit (slots
// whose alert is voided or listed elsewhere are skipped): a page that
// reaches the bound ends early, with a cursor.
const slotReadsPerPage = 64

// List returns the caller's force's alerts, newest first (at most limit).
func (d *Dispatcher) List(ctx context.Context, limit int) ([]Alert, error) {
	out, _, err := d.Page(ctx, limit, "")
	return out, err
}

// Page returns one page of the caller's force's alerts, newest first: at
// most limit, from cursor (the next of the previous page, or "" for the
// first), and the cursor of the page after it ("" at the end of the list).
// A page reads O(limit) documents, however many alerts the force has. A
// cursor this list did not produce is Invalid.
func (d *Dispatcher) Page(ctx context.Context, limit int, cursor string) ([]Alert, string, error) {
	c, err := staff.Caller(ctx)
	if err != nil {
		return nil, "", err
	}
	pos, err := parseCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	if c.OrgKind != accounts.OrgForce || c.ForceID == "" {
		return []Alert{}, "", nil
	}
	if cursor == "" {
		head, err := d.lastSlot(ctx, c.ForceID, regionMain, 0)
		if err != nil {
			return nil, "", err
		}
		pos = slotPos{regionMain, head}
		if head == 0 {
			pos = slotPos{regionOld, 1}
		}
	}
	return d.page(ctx, c.ForceID, pos, cursor != "", limit)
}

func (d *Dispatcher) page(ctx context.Context, forceID string, pos slotPos, fromCursor bool, limit int) ([]Alert, string, error) {
	out := []Alert{}
	for reads := 0; len(out) < limit; reads++ {
		if reads >= limit+slotReadsPerPage {
			return out, formatCursor(pos), nil
		}
		s, err := d.readSlot(ctx, forceID, pos)
		if err != nil {
			return nil, "", err
		}
		if s.ID == "" {
			if reads == 0 && fromCursor && pos.region == regionMain {
				// Main slots are never free below the newest: this
				// position was never in the list.
				return nil, "", fmt.Errorf("alerts: list alerts: %w", errkind.Invalid("cursor", "is not a position in this list"))
			}
			return out, "", nil
		}
		pos = pos.next()
		a, ok, err := d.listable(ctx, forceID, s)
		if err != nil {
			return nil, "", err
		}
		if ok {
			out = append(out, d.withCase(ctx, a))
		}
	}
	more, err := d.slotExists(ctx, forceID, pos)
	if err != nil || !more {
		return out, "", err
	}
	return out, formatCursor(pos), nil
}

// listable reads slot s's alert: ok is false when the slot does not count
// (its alert names another slot, or its listed mark does, or the alert is
// voided, gone or of another force).
func (d *Dispatcher) listable(ctx context.Context, forceID string, s listSlot) (Alert, bool, error) {
	a, err := database.FindByID[slottedAlert](ctx, d.db.Collection(colAlerts), s.AlertID, nil)
	if err != nil {
		return Alert{}, false, fmt.Errorf("alerts: list alerts: %w", err)
	}
	if a.ID == "" || a.ForceID != forceID || a.State == StateVoided {
		return Alert{}, false, nil
	}
	if a.ListSlot != s.ID {
		if a.ListSlot != "" {
			return Alert{}, false, nil
		}
		m, err := database.FindByID[listedDoc](ctx, d.db.Collection(colListed), s.AlertID, nil)
		if err != nil {
			return Alert{}, false, fmt.Errorf("alerts: list alerts: %w", err)
		}
		if m.Slot != s.ID {
			return Alert{}, false, nil
		}
	}
	if a.AckAt != nil {
		a.State = StateAcknowledged
	}
	return a.Alert, true, nil
}

// A cursor is a position in the list: its region's letter and the slot
// number, in decimal without leading zeros.
func formatCursor(p slotPos) string { return string(p.region) + strconv.FormatInt(p.n, 10) }

func parseCursor(s string) (slotPos, error) {
	if s == "" {
		return slotPos{}, nil
	}
	bad := fmt.Errorf("alerts: list alerts: %w", errkind.Invalid("cursor", "is not a cursor of this list"))
	if len(s) < 2 || len(s) > 20 || (s[0] != regionMain && s[0] != regionOld) {
		return slotPos{}, bad
	}
	n, err := strconv.ParseInt(s[1:], 10, 64)
	p := slotPos{s[0], n}
	if err != nil || n < 1 || formatCursor(p) != s {
		return slotPos{}, bad
	}
	return p, nil
}
