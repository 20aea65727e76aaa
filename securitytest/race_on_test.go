//go:build race

package securitytest

// raceFlags builds the server with the race detector when the tests run
// under it: the packages are already compiled that way.
var raceFlags = []string{"-race"}
