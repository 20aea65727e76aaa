package content

import (
	"bufio"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

//go:embed seed/*.md
var seedFS embed.FS

// seedAuthor is the author recorded on library items shipped with the app.
const seedAuthor = "speaksafe-library"

// SeedItems parses the library shipped with the binary. Each file holds
// "key: value" header lines, a line "---", then the Markdown body.
func SeedItems() ([]Draft, error) {
	names, err := fs.Glob(seedFS, "seed/*.md")
	if err != nil {
		return nil, err
	}
	out := make([]Draft, 0, len(names))
	for _, name := range names {
		b, err := seedFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		d, err := parseSeed(string(b))
		if err != nil {
			return nil, fmt.Errorf("content: seed %s: %w", name, err)
		}
		if err := d.Validate(); err != nil {
			return nil, fmt.Errorf("content: seed %s: %w", name, err)
		}
		out = append(out, d)
	}
	return out, nil
}

func parseSeed(src string) (Draft, error) {
	head, body, ok := strings.Cut(src, "\n---\n")
	if !ok {
		return Draft{}, fmt.Errorf("no --- line after the header")
	}
	var d Draft
	sc := bufio.NewScanner(strings.NewReader(head))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			return Draft{}, fmt.Errorf("header line %q has no colon", sc.Text())
		}
		v = strings.TrimSpace(v)
		switch strings.TrimSpace(k) {
		case "slug":
			d.Slug = v
		case "locale":
			d.Locale = v
		case "title":
			d.Title = v
		case "summary":
			d.Summary = v
		case "ageBands":
			d.AgeBands = splitList(v)
		case "topics":
			d.Topics = splitList(v)
		case "helplines":
			d.Helplines = splitList(v)
		default:
			return Draft{}, fmt.Errorf("unknown header %q", k)
		}
	}
	d.Body = strings.TrimSpace(body) + "\n"
	return d, nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// seedID is the deterministic id of a library item, so that every start
// (and every instance) claims the same documents.
func seedID(d Draft) string { return "lib-" + d.Locale + "-" + d.Slug }

// Seed publishes every library item that has never existed. An item that
// exists (perhaps edited or withdrawn by staff since) is left alone: the
// claim on its first version fails and only an interrupted seed is
// completed.
func (s *Store) Seed(ctx context.Context) error {
	drafts, err := SeedItems()
	if err != nil {
		return err
	}
	now := s.now().UTC()
	for _, d := range drafts {
		id := seedID(d)
		if err := s.claimSlug(ctx, d.Locale, d.Slug, id); err != nil && !isConflict(err) {
			return err
		}
		// An item that exists is left alone before anything is audited;
		// reading it also completes an interrupted seed.
		if _, err := s.loadItem(ctx, id); !isNotFound(err) {
			if err != nil {
				return err
			}
			continue
		}
		it := Item{ID: id, Draft: d, State: StatePublished, Author: seedAuthor, Version: 1, Revision: 1,
			Live: true, UpdatedBy: seedAuthor, UpdatedAt: now, CreatedAt: now}
		err := s.commit(ctx, it, actionSeed, seedAuthor)
		if isPrecondition(err) {
			if _, err := s.loadItem(ctx, id); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}
