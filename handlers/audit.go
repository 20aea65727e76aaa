package handlers

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/audit"
	"speaksafe/auditlog"
	"speaksafe/errkind"
)

// Audit serves the audit log (/v1/audit): its entries to admins (every
// entry) and supervisors (their force's), the check of its chain, and the
// chain's state to admins.
type Audit struct {
	log     *audit.Log
	reader  *auditlog.Reader
	monitor *audit.Monitor
}

// NewAudit returns the /v1/audit handlers.
func NewAudit(log *audit.Log, reader *auditlog.Reader, monitor *audit.Monitor) *Audit {
	return &Audit{log: log, reader: reader, monitor: monitor}
}

// Routes registers the routes: reading and verifying for admins and
// supervisors, the chain's state and its acknowledgement for admins only.
func (h *Audit) Routes(r *Router) {
	leads := Roles(accounts.RoleAdmin, accounts.RoleSupervisor)
	r.Add(fiber.MethodGet, "/v1/audit", leads, h.list)
	r.Add(fiber.MethodGet, "/v1/audit/verify", leads, h.verify)
	r.Add(fiber.MethodGet, "/v1/audit/status", Roles(accounts.RoleAdmin), h.status)
	r.Add(fiber.MethodPost, "/v1/audit/acknowledge", Roles(accounts.RoleAdmin), h.acknowledge)
}

type auditCheckpointResponse struct {
	N    int64     `json:"n"`
	Seq  int64     `json:"seq"`
	Head string    `json:"head"`
	At   time.Time `json:"at"`
}

type auditProblemResponse struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

type auditStatusResponse struct {
	OK         bool                     `json:"ok"`
	Entries    int64                    `json:"entries"`
	Head       string                   `json:"head"`
	Checkpoint *auditCheckpointResponse `json:"checkpoint"`
	CheckedAt  time.Time                `json:"checkedAt"`
	Problems   []auditProblemResponse   `json:"problems"`
}

func toAuditStatus(st audit.Status) auditStatusResponse {
	out := auditStatusResponse{OK: st.OK, Entries: st.Entries, Head: st.Head, CheckedAt: st.CheckedAt}
	if cp := st.Checkpoint; cp.N > 0 {
		out.Checkpoint = &auditCheckpointResponse{N: cp.N, Seq: cp.Seq, Head: cp.Head, At: cp.At}
	}
	if st.Problems != nil {
		out.Problems = make([]auditProblemResponse, 0, len(st.Problems))
	}
	for _, p := range st.Problems {
		out.Problems = append(out.Problems, auditProblemResponse{Seq: p.Seq, Kind: p.Kind, Detail: p.Detail})
	}
	return out
}

func (h *Audit) status(c *fiber.Ctx) error {
	return c.JSON(toAuditStatus(h.monitor.Status()))
}

type acknowledgeRequest struct {
	Through int64 `json:"through"`
}

// acknowledge records that the caller has seen the problems up to an
// entry, checks the chain again and answers its state.
func (h *Audit) acknowledge(c *fiber.Ctx) error {
	var req acknowledgeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	st := h.monitor.Status()
	if req.Through < 1 || req.Through > st.Entries {
		return errkind.Invalid("through", "must be an entry of the chain, 1 to "+strconv.FormatInt(st.Entries, 10))
	}
	caller, err := accounts.RequireCaller(c.UserContext())
	if err != nil {
		return err
	}
	if err := h.log.Acknowledge(c.UserContext(), caller.UserID, req.Through); err != nil {
		return err
	}
	return c.JSON(toAuditStatus(h.monitor.Check(c.UserContext())))
}
