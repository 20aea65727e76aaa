package server

import (
	"log/slog"
	"math"
)

// memoryHeadroom is what the server's heap needs beside its password
// hashes at their budget (docs/PERFORMANCE.md, the login flood).
const memoryHeadroom = 80 << 20

// limitMemoryForHashes gives the collector a soft memory limit of the hash
// budget plus memoryHeadroom when GOMEMLIMIT sets none. Without a limit the
// collector lets the heap grow to twice what is live before it runs, and
// the hashes of a login flood (19 MiB each, garbage the moment they end)
// took the server to 370–427 MiB of RSS; with the default budget (152 MiB)
// the limit is 232 MiB and the flood peaked at 276–277 MiB. An operator's
// GOMEMLIMIT is left alone.
// set is debug.SetMemoryLimit.
func limitMemoryForHashes(budgetKiB int64, set func(int64) int64, logger *slog.Logger) {
	if set(-1) != math.MaxInt64 {
		return
	}
	limit := budgetKiB*1024 + memoryHeadroom
	set(limit)
	logger.Info("soft memory limit set from the password-hash budget", "limit_mib", limit>>20)
}
