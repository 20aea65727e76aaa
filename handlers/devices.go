package handlers

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/devices"
)

// Devices serves an officer's registered phones, which receive pages.
type Devices struct {
	store *devices.Devices
}

// NewDevices returns the /v1/me/devices handlers.
func NewDevices(store *devices.Devices) *Devices { return &Devices{store: store} }

// Routes registers the routes.
func (h *Devices) Routes(r *Router) {
	force := Roles(onCallRoles()...) // whoever may be paged registers the phones pages go to
	r.Add(fiber.MethodPost, "/v1/me/devices", force, h.register)
	r.Add(fiber.MethodGet, "/v1/me/devices", force, h.list)
	r.Add(fiber.MethodDelete, "/v1/me/devices/:id", force, h.delete)
}

type registerDeviceRequest struct {
	Token      string `json:"token"`
	Platform   string `json:"platform"`
	AppVersion string `json:"appVersion"`
}

// Device states in a device list.
const (
	deviceActive    = "active"
	deviceSignedOut = "signed-out"
	deviceMoved     = "moved"
)

// deviceResponse never carries the token. A moved device was registered by
// a colleague since; it names no one.
type deviceResponse struct {
	ID         string     `json:"id"`
	Platform   string     `json:"platform"`
	AppVersion string     `json:"appVersion"`
	State      string     `json:"state"`
	CreatedAt  time.Time  `json:"createdAt"`
	LastSeen   time.Time  `json:"lastSeen"`
	MovedAt    *time.Time `json:"movedAt,omitempty"`
}

func toDevice(d devices.Device, state string) deviceResponse {
	return deviceResponse{ID: d.ID, Platform: d.Platform, AppVersion: d.AppVersion, State: state,
		CreatedAt: d.CreatedAt, LastSeen: d.LastSeen}
}

func toMoved(m devices.MovedDevice) deviceResponse {
	at := m.MovedAt
	return deviceResponse{ID: m.DeviceID, Platform: m.Platform, AppVersion: m.AppVersion, State: deviceMoved,
		CreatedAt: m.CreatedAt, LastSeen: m.LastSeen, MovedAt: &at}
}

func (h *Devices) register(c *fiber.Ctx) error {
	var req registerDeviceRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := h.store.Register(c.UserContext(), devices.DeviceInput{
		Token: req.Token, Platform: req.Platform, AppVersion: req.AppVersion,
	})
	if err != nil {
		return err
	}
	return c.JSON(toDevice(d, deviceActive))
}

func (h *Devices) list(c *fiber.Ctx) error {
	ctx := c.UserContext()
	items, err := h.store.Mine(ctx)
	if err != nil {
		return err
	}
	moved, err := h.store.MovedFromMe(ctx)
	if err != nil {
		return err
	}
	out := listResponse[deviceResponse]{Items: make([]deviceResponse, 0, len(items)+len(moved))}
	for _, d := range items {
		live, err := h.store.Pageable(ctx, d)
		if err != nil {
			return err
		}
		state := deviceActive
		if !live {
			state = deviceSignedOut
		}
		out.Items = append(out.Items, toDevice(d, state))
	}
	for _, m := range moved {
		out.Items = append(out.Items, toMoved(m))
	}
	return c.JSON(out)
}

func (h *Devices) delete(c *fiber.Ctx) error {
	if err := h.store.Delete(c.UserContext(), strings.Clone(c.Params("id"))); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
