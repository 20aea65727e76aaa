package database

// LastTaken returns the last taken position of a sequence without gaps
// (positions claimed in order by _id insert), searching from lo, a
// position known to be taken or the one before the first: doubling steps
// and then halving find it in O(log distance) probes, each one read by
// _id in taken.
func LastTaken(lo int64, taken func(n int64) (bool, error)) (int64, error) {
	step := int64(1)
	var hi int64
	for {
		ok, err := taken(lo + step)
		if err != nil {
			return 0, err
		}
		if !ok {
			hi = lo + step
			break
		}
		lo, step = lo+step, step*2
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := taken(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, nil
}
