package handlers

import (
	"bytes"

	"speaksafe/accounts"
)

// readingHoursBody is a force's reading hours as the API shows them.
type readingHoursBody struct {
	FirstDay string `json:"firstDay,omitempty"`
	LastDay  string `json:"lastDay,omitempty"`
	From     int    `json:"from"`
	To       int    `json:"to"`
}

func toReadingHours(h *accounts.ReadingHours) *readingHoursBody {
	if h == nil {
		return nil
	}
	return &readingHoursBody{FirstDay: h.FirstDay, LastDay: h.LastDay, From: h.From, To: h.To}
}

func (b *readingHoursBody) hours() *accounts.ReadingHours {
	if b == nil {
		return nil
	}
	return &accounts.ReadingHours{FirstDay: b.FirstDay, LastDay: b.LastDay, From: b.From, To: b.To}
}

// optionalReadingHours is readingHours in a PATCH body: absent changes
// nothing, null clears them, an object replaces them (decoded as strictly
// as any body).
type optionalReadingHours struct {
	set   bool
	value *readingHoursBody
}

// UnmarshalJSON records that the field was present.
func (o *optionalReadingHours) UnmarshalJSON(b []byte) error {
	o.set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.value = nil
		return nil
	}
	var h readingHoursBody
	if err := DecodeJSON("application/json", b, &h); err != nil {
		return err
	}
	o.value = &h
	return nil
}

func (o optionalReadingHours) patch() accounts.OptionalHours {
	return accounts.OptionalHours{Set: o.set, Hours: o.value.hours()}
}
