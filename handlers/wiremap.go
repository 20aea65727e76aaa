package handlers

// mapSlice maps every item to its wire form. A nil slice stays nil (null
// on the wire) and an empty one empty ([]), so that mapping never changes
// what a response says.
func mapSlice[T, R any](in []T, f func(T) R) []R {
	if in == nil {
		return nil
	}
	out := make([]R, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
