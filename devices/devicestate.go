package devices

import (
	"context"
	"time"

	"speaksafe/accounts"
	"speaksafe/internal/staff"
)

// Device states of an on-call member, from best to worst.
const (
	// DeviceLive: at least one device can be paged and was seen recently.
	DeviceLive = "live"
	// DeviceStale: devices can be paged but none was seen for
	// DeviceStaleAfter; pushes may no longer reach them.
	DeviceStale = "stale"
	// DeviceSignedOut: devices are registered, but their owner has signed
	// out everywhere since, so none is paged.
	DeviceSignedOut = "signed-out"
	// DeviceNone: no device is registered.
	DeviceNone = "none"
)

// DeviceStaleAfter is how long a device may go unseen before it is shown as
// stale. The app registers on every start; FCM itself treats tokens unused
// for a month as likely stale.
const DeviceStaleAfter = 30 * 24 * time.Hour

// DeviceState is what a member's devices mean for paging them.
type DeviceState struct {
	State string
	// Pageable counts the devices an alert would page now.
	Pageable int
	// LastSeen is the latest last-seen time of a pageable device.
	LastSeen time.Time
}

// Gap reports whether an alert would reach the member on no device.
func (d DeviceState) Gap() bool { return d.Pageable == 0 }

// StateOf says how u, an active member of the force, can be paged now.
func (s *Devices) StateOf(ctx context.Context, u accounts.User, now time.Time) (DeviceState, error) {
	devs, err := s.ForUser(ctx, u.ID)
	if err != nil {
		return DeviceState{}, err
	}
	st := DeviceState{State: DeviceNone}
	for _, d := range devs {
		if d.TokenVersion != u.TokenVersion || d.ForceID != staff.OrgOf(u) {
			continue
		}
		st.Pageable++
		if d.LastSeen.After(st.LastSeen) {
			st.LastSeen = d.LastSeen
		}
	}
	switch {
	case st.Pageable > 0 && now.Sub(st.LastSeen) <= DeviceStaleAfter:
		st.State = DeviceLive
	case st.Pageable > 0:
		st.State = DeviceStale
	case len(devs) > 0:
		st.State = DeviceSignedOut
	}
	return st, nil
}
