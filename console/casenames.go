package console

import (
	"context"
	"errors"
	"strings"

	"speaksafe/accounts"
	"speaksafe/errkind"
	"speaksafe/reports"
)

// personKeys are the detail keys of a case's timeline whose value names
// people by user id: the assignee, the user a page went to, the users a
// step paged (comma-separated).
var personKeys = map[string]bool{"assignee": true, "user": true, "users": true}

// historyStep is one step of a case's timeline as the console shows it:
// Detail (shadowing the entry's) names people instead of giving their ids.
type historyStep struct {
	reports.HistoryEntry
	Detail map[string]string
}

// namedSteps returns the steps with the people their details name by
// name, and the names of everyone the steps mention (actors included).
func (c *Console) namedSteps(ctx context.Context, entries []reports.HistoryEntry) ([]historyStep, map[string]string, error) {
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.Actor)
		for k, v := range e.Detail {
			if personKeys[k] {
				ids = append(ids, strings.Split(v, ",")...)
			}
		}
	}
	names, err := c.forceNames(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	out := make([]historyStep, len(entries))
	for i, e := range entries {
		d := e.Detail
		for k := range e.Detail {
			if personKeys[k] {
				d = withNames(d, k, names)
			}
		}
		out[i] = historyStep{HistoryEntry: e, Detail: d}
	}
	return out, names, nil
}

// withNames is d with the ids of key k replaced by the names known.
func withNames(d map[string]string, k string, names map[string]string) map[string]string {
	out := make(map[string]string, len(d))
	for key, v := range d {
		out[key] = v
	}
	ids := strings.Split(d[k], ",")
	for i, id := range ids {
		if n := names[id]; n != "" {
			ids[i] = n
		}
	}
	out[k] = strings.Join(ids, ", ")
	return out
}

// forceNames looks up each user id once (by _id) and answers the display
// names of those who are members of the caller's force; anyone else, and
// anything that is not a user ("system", "reporter"), keeps its id.
func (c *Console) forceNames(ctx context.Context, ids []string) (map[string]string, error) {
	who, _ := accounts.CallerFrom(ctx)
	names := map[string]string{}
	seen := map[string]bool{}
	for _, id := range ids {
		if id == "" || seen[id] || who.ForceID == "" {
			continue
		}
		seen[id] = true
		u, err := c.d.Accounts.LookupUser(ctx, id)
		if errors.Is(err, errkind.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if u.OrgID == who.ForceID && u.Name != "" {
			names[id] = u.Name
		}
	}
	return names, nil
}
