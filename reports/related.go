package reports

import "context"

// RelatedReference returns the reference of the earlier report that case
// id points to (empty when none), for an officer of the case's force. The
// reference is as the child gave it: it may name no case, or a case of
// another force, and opens nothing by itself.
func (s *Store) RelatedReference(ctx context.Context, id string) (string, error) {
	_, d, err := s.caseFor(ctx, id)
	if err != nil {
		return "", err
	}
	return d.RelatedReference, nil
}
