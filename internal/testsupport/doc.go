// Package testsupport holds the few things every kind of test needs the same
// way: a clock tests can read and move, a free loopback address, a log
// collector and a poll for a condition in another process. It is for
// tests, the load test and the fault suite; the server never imports it.
package testsupport
