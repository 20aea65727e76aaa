package handlers

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/devices"
	"speaksafe/oncall"
)

type webhookBody struct {
	URL string `json:"url"`
}

type tierBody struct {
	RotationID   string       `json:"rotationId,omitempty"`
	UserIDs      []string     `json:"userIds,omitempty"`
	Webhook      *webhookBody `json:"webhook,omitempty"`
	DelaySeconds int          `json:"delaySeconds"`
}

type policyRequest struct {
	Name   string     `json:"name"`
	Tiers  []tierBody `json:"tiers"`
	Repeat int        `json:"repeat"`
}

type policyResponse struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Tiers     []tierBody `json:"tiers"`
	Repeat    int        `json:"repeat"`
	IsDefault bool       `json:"isDefault"`
	CreatedAt time.Time  `json:"createdAt"`
}

type policyList struct {
	Items           []policyResponse `json:"items"`
	DefaultPolicyID string           `json:"defaultPolicyId,omitempty"`
}

func toPolicy(p oncall.Policy, isDefault bool) policyResponse {
	tiers := make([]tierBody, len(p.Tiers))
	for i, t := range p.Tiers {
		tiers[i] = tierBody{RotationID: t.RotationID, UserIDs: t.UserIDs, DelaySeconds: t.DelaySeconds}
		if t.Webhook != nil {
			tiers[i].Webhook = &webhookBody{URL: t.Webhook.URL}
		}
	}
	return policyResponse{ID: p.ID, Name: p.Name, Tiers: tiers, Repeat: p.Repeat, IsDefault: isDefault, CreatedAt: p.CreatedAt}
}

// policy is the policy the request describes.
func (req policyRequest) policy() oncall.Policy {
	p := oncall.Policy{Name: req.Name, Repeat: req.Repeat, Tiers: make([]oncall.Tier, len(req.Tiers))}
	for i, t := range req.Tiers {
		p.Tiers[i] = oncall.Tier{RotationID: t.RotationID, UserIDs: t.UserIDs, DelaySeconds: t.DelaySeconds}
		if t.Webhook != nil {
			p.Tiers[i].Webhook = &oncall.Webhook{URL: t.Webhook.URL}
		}
	}
	return p
}

func (h *OnCall) createPolicy(c *fiber.Ctx) error {
	var req policyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := h.store.CreatePolicy(c.UserContext(), req.policy())
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(toPolicy(p, false))
}

func (h *OnCall) listPolicies(c *fiber.Ctx) error {
	items, def, err := h.store.Policies(c.UserContext())
	if err != nil {
		return err
	}
	out := policyList{Items: make([]policyResponse, len(items)), DefaultPolicyID: def}
	for i, p := range items {
		out.Items[i] = toPolicy(p, p.ID == def)
	}
	return c.JSON(out)
}

func (h *OnCall) setDefault(c *fiber.Ctx) error {
	p, err := h.store.SetDefault(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toPolicy(p, true))
}

type memberNowResponse struct {
	UserID      string     `json:"userId"`
	Name        string     `json:"name"`
	DeviceState string     `json:"deviceState"`
	LiveDevices int        `json:"liveDevices"`
	LastSeen    *time.Time `json:"lastSeen,omitempty"`
	Gap         bool       `json:"gap"`
	GapReason   string     `json:"gapReason,omitempty"`
}

type tierNowResponse struct {
	Index      int                 `json:"index"`
	Kind       string              `json:"kind"`
	RotationID string              `json:"rotationId,omitempty"`
	UserIDs    []string            `json:"userIds"`
	Members    []memberNowResponse `json:"members"`
	Gap        bool                `json:"gap"`
	GapReason  string              `json:"gapReason,omitempty"`
}

type onCallNowResponse struct {
	PolicyID string            `json:"policyId,omitempty"`
	Tiers    []tierNowResponse `json:"tiers"`
}

func (h *OnCall) now(c *fiber.Ctx) error {
	id, tiers, err := h.store.Now(c.UserContext())
	if err != nil {
		return err
	}
	out := onCallNowResponse{PolicyID: id, Tiers: make([]tierNowResponse, len(tiers))}
	for i, t := range tiers {
		out.Tiers[i] = toTierNow(t)
	}
	return c.JSON(out)
}

func toTierNow(t oncall.TierNow) tierNowResponse {
	kind := "users"
	switch {
	case t.Webhook:
		kind = "webhook"
	case t.RotationID != "":
		kind = "rotation"
	}
	users := t.UserIDs
	if users == nil {
		users = []string{}
	}
	members := make([]memberNowResponse, len(t.Members))
	for i, m := range t.Members {
		members[i] = toMemberNow(m)
	}
	return tierNowResponse{Index: t.Index, Kind: kind, RotationID: t.RotationID, UserIDs: users, Members: members,
		Gap: t.Gap, GapReason: t.GapReason}
}

// toMemberNow says how one on-call member can be paged; a member with no
// phone that can be paged is a gap, named before an alert needs them.
func toMemberNow(m oncall.MemberNow) memberNowResponse {
	out := memberNowResponse{UserID: m.UserID, Name: m.Name, DeviceState: m.Devices.State, LiveDevices: m.Devices.Pageable,
		Gap: m.Devices.Gap()}
	if !m.Devices.LastSeen.IsZero() {
		at := m.Devices.LastSeen
		out.LastSeen = &at
	}
	switch m.Devices.State {
	case devices.DeviceNone:
		out.GapReason = "no-device"
	case devices.DeviceSignedOut:
		out.GapReason = "signed-out"
	}
	return out
}
