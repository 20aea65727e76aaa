package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/notifications"
)

// Devices serves an officer's registered phones, which receive pages.
type Devices struct {
	store *notifications.Devices
}

// NewDevices returns the /v1/me/devices handlers.
func NewDevices(store *notifications.Devices) *Devices { return &Devices{store: store} }

// Routes registers the routes.
func (h *Devices) Routes(r *Router) {
	force := Roles(accounts.RoleOfficer, accounts.RoleSupervisor)
	r.Add(fiber.MethodPost, "/v1/me/devices", force, h.register)
	r.Add(fiber.MethodGet, "/v1/me/devices", force, h.list)
	r.Add(fiber.MethodDelete, "/v1/me/devices/:id", force, h.delete)
}

type registerDeviceRequest struct {
	Token      string `json:"token"`
	Platform   string `json:"platform"`
	AppVersion string `json:"appVersion"`
}

// deviceResponse never carries the token.
type deviceResponse struct {
	ID         string    `json:"id"`
	Platform   string    `json:"platform"`
	AppVersion string    `json:"appVersion"`
	CreatedAt  time.Time `json:"createdAt"`
	LastSeen   time.Time `json:"lastSeen"`
}

type deviceList struct {
	Items []deviceResponse `json:"items"`
}

func toDevice(d notifications.Device) deviceResponse {
	return deviceResponse{ID: d.ID, Platform: d.Platform, AppVersion: d.AppVersion, CreatedAt: d.CreatedAt, LastSeen: d.LastSeen}
}

func (h *Devices) register(c *fiber.Ctx) error {
	var req registerDeviceRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := h.store.Register(c.UserContext(), notifications.DeviceInput{
		Token: req.Token, Platform: req.Platform, AppVersion: req.AppVersion,
	})
	if err != nil {
		return err
	}
	return c.JSON(toDevice(d))
}

func (h *Devices) list(c *fiber.Ctx) error {
	items, err := h.store.Mine(c.UserContext())
	if err != nil {
		return err
	}
	out := deviceList{Items: make([]deviceResponse, len(items))}
	for i, d := range items {
		out.Items[i] = toDevice(d)
	}
	return c.JSON(out)
}

func (h *Devices) delete(c *fiber.Ctx) error {
	if err := h.store.Delete(c.UserContext(), c.Params("id")); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}
