package reminders

import "context"

// Outstanding counts the reminders waiting now in forces, for the figures
// supervisors and commissioners read. It is the same computation as the
// list, so the two cannot disagree.
func (s *Service) Outstanding(ctx context.Context, forces []string) (int, error) {
	now := s.d.Now()
	n := 0
	for _, f := range forces {
		all, _, err := s.forceReminders(ctx, f, now)
		if err != nil {
			return 0, err
		}
		n += len(all)
	}
	return n, nil
}
