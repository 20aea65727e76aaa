package audit

import (
	"testing"
	"time"
)

// A check's walk keeps up with whatever was written since the last one (it
// ends within three quarters of the interval, however far behind) but
// never reads faster than it must: a minute's entries are spread, not a
// burst.
func TestAChecksWalkIsPacedToEndWithinTheInterval(t *testing.T) {
	for _, behind := range []int64{0, 150, 3_600, 100_000, 2_000_000} {
		p := walkPace(behind, time.Minute)
		if p.Burst() != walkBurst {
			t.Errorf("%d behind: burst %d, want %d", behind, p.Burst(), walkBurst)
		}
		ends := time.Duration(float64(max(0, behind-walkBurst)) / float64(p.Limit()) * float64(time.Second))
		if ends > 45*time.Second+time.Millisecond {
			t.Errorf("%d behind: the walk takes %v, want at most 45s", behind, ends)
		}
		if float64(p.Limit()) < walkMinRate {
			t.Errorf("%d behind: %v entries/s, want at least %d", behind, p.Limit(), walkMinRate)
		}
		if behind == 3_600 && float64(p.Limit()) > 100 {
			t.Errorf("a minute at 60 entries/s walked at %v entries/s: a burst", p.Limit())
		}
	}
}
