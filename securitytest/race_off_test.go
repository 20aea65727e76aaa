//go:build !race

package securitytest

var raceFlags []string
