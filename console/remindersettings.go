package console

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"speaksafe/accounts"
	"speaksafe/handlers"
	"speaksafe/reminders"
)

// reminderSettingsRoutes are the force's reminder thresholds: read by its
// officers and supervisors, changed by its supervisors, as
// GET and PUT /v1/reminders/settings.
func (c *Console) reminderSettingsRoutes() {
	c.add(fiber.MethodGet, "/reminders/settings", handlers.Roles(handlerRoles()...), c.reminderSettings)
	c.add(fiber.MethodPost, "/reminders/settings", handlers.Roles(accounts.RoleSupervisor), c.saveReminderSettings)
}

// settingField is one threshold of the form, in minutes.
type settingField struct {
	Name, Label, Help string
	Minutes           int
}

type reminderSettingsView struct {
	Fields []settingField
	Manage bool
	Saved  bool
}

func settingFields(s reminders.Settings) []settingField {
	m := func(d time.Duration) int { return int(d.Minutes()) }
	labels := map[string]string{
		"notOpenedMinutes":     "A new case nobody opened (an urgent one follows the escalation policy when that is sooner)",
		"unreadMessageMinutes": "A message of the reporter nobody read",
		"noActivityMinutes":    "An open case nobody changed",
		"escalateAfterMinutes": "Then to the supervisors too, after it reached the assigned officer",
	}
	values := map[string]time.Duration{"notOpenedMinutes": s.NotOpened, "unreadMessageMinutes": s.UnreadMessage,
		"noActivityMinutes": s.NoActivity, "escalateAfterMinutes": s.EscalateAfter}
	var out []settingField
	for _, l := range reminders.Limits() {
		out = append(out, settingField{Name: l.Field, Label: labels[l.Field], Minutes: m(values[l.Field]),
			Help: fmt.Sprintf("%d to %d minutes", m(l.Min), m(l.Max))})
	}
	return out
}

// reminderSettings shows the thresholds; a supervisor gets them as a form.
func (c *Console) reminderSettings(ctx *fiber.Ctx) error {
	s, err := c.d.Reminders.Settings(ctx.UserContext())
	if err != nil {
		return err
	}
	who, _ := accounts.CallerFrom(ctx.UserContext())
	v := reminderSettingsView{Fields: settingFields(s), Manage: who.Role == accounts.RoleSupervisor, Saved: ctx.Query("saved") != ""}
	return c.render(ctx, "remindersettings", "Reminder thresholds", v)
}

// saveReminderSettings changes every threshold of the form, through the
// same service (validation, audit entry) as PUT /v1/reminders/settings.
func (c *Console) saveReminderSettings(ctx *fiber.Ctx) error {
	m := func(name string) time.Duration {
		n, err := strconv.Atoi(strings.TrimSpace(ctx.FormValue(name)))
		if err != nil || n < 0 || n > maxSettingMinutes {
			return -1 // out of every range: validation names the field
		}
		return time.Duration(n) * time.Minute
	}
	set := reminders.Settings{NotOpened: m("notOpenedMinutes"), UnreadMessage: m("unreadMessageMinutes"),
		NoActivity: m("noActivityMinutes"), EscalateAfter: m("escalateAfterMinutes")}
	if _, err := c.d.Reminders.SetSettings(ctx.UserContext(), set); err != nil {
		return err
	}
	return redirect(ctx, "/reminders/settings?saved=1")
}

// maxSettingMinutes keeps a huge number from wrapping into a valid
// duration (as the API does).
const maxSettingMinutes = 1 << 20
