package alerts

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"firebase.google.com/go/v4/messaging"

	"speaksafe/devices"
)

// ReminderText is the only text a reminder push carries.
const ReminderText = "A case is waiting for you — open SpeakSafe"

// ReminderChannel is the Android channel of reminders: routine, not the
// urgent alerts' channel.
const ReminderChannel = "reminders"

// ReminderRef makes a Page a routine reminder: its data names the
// reminder and its case (ids only), at normal priority.
type ReminderRef struct {
	ID     string
	CaseID string
}

// reminderMessage is the FCM message of a reminder page.
func reminderMessage(p Page) *messaging.Message {
	ttl := p.TTL
	if ttl <= 0 {
		ttl = 24 * time.Hour
	}
	return &messaging.Message{
		Token:        p.Token,
		Data:         map[string]string{"reminderId": p.Reminder.ID, "caseId": p.Reminder.CaseID},
		Notification: &messaging.Notification{Title: "SpeakSafe", Body: ReminderText},
		Android: &messaging.AndroidConfig{Priority: "normal", CollapseKey: p.Reminder.ID, TTL: &ttl,
			Notification: &messaging.AndroidNotification{ChannelID: ReminderChannel}},
		APNS: &messaging.APNSConfig{Headers: map[string]string{
			"apns-priority": "5", "apns-push-type": "alert", "apns-collapse-id": p.Reminder.ID,
			"apns-expiration": strconv.FormatInt(time.Now().Add(ttl).Unix(), 10),
		}},
	}
}

// ReminderPusher pushes reminders to staff phones with the push sender,
// outside the paging path: one attempt per device, no escalation (the
// reminder stays in the list until it is acted on).
type ReminderPusher struct {
	devices *devices.Devices
	sender  Sender
	log     *slog.Logger
}

// NewReminderPusher returns a pusher over devices and sender.
func NewReminderPusher(devs *devices.Devices, sender Sender, log *slog.Logger) *ReminderPusher {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &ReminderPusher{devices: devs, sender: sender, log: log}
}

// Push sends reminder ref to every device of user userID that may still
// be paged, and answers how many accepted it.
func (p *ReminderPusher) Push(ctx context.Context, userID string, ref ReminderRef) (int, error) {
	devs, err := p.devices.ForUser(ctx, userID)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, d := range devs {
		ok, err := p.devices.Pageable(ctx, d)
		if err != nil {
			return sent, fmt.Errorf("alerts: reminder: %w", err)
		}
		if !ok {
			continue
		}
		sendCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = p.sender.Send(sendCtx, Page{Token: d.Token, Platform: d.Platform, Reminder: &ref})
		cancel()
		if err != nil {
			p.log.WarnContext(ctx, "reminder push failed", "reminder_id", ref.ID, "device_id", d.ID, "reason", ReasonOf(err))
			if ReasonOf(err) == ReasonUnregistered {
				_ = p.devices.Remove(ctx, d.ID)
			}
			continue
		}
		sent++
	}
	return sent, nil
}
