package console

import (
	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/handlers"
)

// oversightRoutes registers the oversight screens: the force's figures
// and charts, a case's audit log, and the editing of the on-call set-up.
// Each has the policy of the API route it mirrors.
func (c *Console) oversightRoutes() {
	figures := handlers.Roles(figureRoles()...)
	c.add(fiber.MethodGet, "/figures", figures, c.figures)
	c.add(fiber.MethodGet, "/figures/figures.csv", figures, c.figuresCSV)
	c.add(fiber.MethodGet, "/figures/charts/:chart", figures, c.figureChart)
	c.add(fiber.MethodGet, "/cases/:id/history", handlers.Roles(handlerRoles()...), c.caseHistory)
	c.add(fiber.MethodGet, "/cases/:id/audit", handlers.Roles(accounts.RoleSupervisor, accounts.RoleAdmin), c.caseAudit)
	manage := handlers.Roles(accounts.RoleSupervisor)
	c.add(fiber.MethodGet, "/oncall/rotations/:id", manage, c.editRotationPage)
	c.add(fiber.MethodPost, "/oncall/rotations/:id", manage, c.updateRotation)
	c.add(fiber.MethodPost, "/oncall/rotations/:id/delete", manage, c.deleteRotation)
	c.add(fiber.MethodGet, "/oncall/policies/:id", manage, c.editPolicyPage)
	c.add(fiber.MethodPost, "/oncall/policies/:id", manage, c.replacePolicy)
	c.add(fiber.MethodPost, "/oncall/policies/:id/delete", manage, c.deletePolicy)
	c.add(fiber.MethodPost, "/oncall/overrides/:id/delete", manage, c.deleteOverride)
}
