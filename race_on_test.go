//go:build race

package main

// raceEnabled: the tests run under the race detector, so the binary they
// start is built with it too (and reuses the packages already compiled).
const raceEnabled = true
