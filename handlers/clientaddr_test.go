package handlers

import (
	"net"
	"testing"
)

func TestClientAddressBehindTrustedProxies(t *testing.T) {
	t.Parallel()
	ca := NewClientAddrs([]string{"10.0.0.0/8", "192.168.1.5"})
	cases := []struct {
		name, remote, xff, want string
	}{
		{"direct client, header ignored", "203.0.113.9", "1.2.3.4", "203.0.113.9"},
		{"one trusted proxy", "10.0.0.2", "198.51.100.7", "198.51.100.7"},
		{"client-forged entries to the left are ignored", "10.0.0.2", "1.1.1.1, 2.2.2.2, 198.51.100.7", "198.51.100.7"},
		{"two trusted proxies", "10.0.0.2", "198.51.100.7, 192.168.1.5", "198.51.100.7"},
		{"no header from a trusted proxy", "10.0.0.2", "", "10.0.0.2"},
		{"malformed hop stops the walk", "10.0.0.2", "198.51.100.7, garbage", "10.0.0.2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			remote := net.ParseIP(tc.remote)
			var got string
			if !ca.isTrusted(remote) {
				got = remote.String()
			} else {
				got = ca.fromForwarded(remote, []byte(tc.xff))
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
