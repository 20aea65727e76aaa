package outbound

import (
	"errors"
	"testing"
)

func TestWebhookURLsToNonPublicAddressesAreRefused(t *testing.T) {
	t.Parallel()
	refused := map[string][]string{
		"loopback":           {"https://127.0.0.1/hook", "https://127.9.9.9/hook", "https://[::1]/hook", "https://localhost/hook", "https://a.localhost:8443/hook", "https://LOCALHOST./hook"},
		"private (RFC 1918)": {"https://10.0.0.5/hook", "https://172.16.3.4/hook", "https://172.31.255.255/hook", "https://192.168.1.1/hook"},
		"private (ULA)":      {"https://[fc00::1]/hook", "https://[fd12:3456::7]/hook"},
		"link-local":         {"https://169.254.10.20/hook", "https://[fe80::1]/hook", "https://[fe80::1%25eth0]/hook"},
		"unspecified":        {"https://0.0.0.0/hook", "https://[::]/hook", "https://0.1.2.3/hook"},
		"multicast":          {"https://224.0.0.1/hook", "https://239.1.2.3/hook", "https://[ff02::1]/hook"},
		"CGNAT":              {"https://100.64.0.1/hook", "https://100.127.255.254/hook"},
		"metadata":           {"https://169.254.169.254/latest/meta-data/", "https://[fd00:ec2::254]/latest"},
		"IPv4-mapped IPv6":   {"https://[::ffff:127.0.0.1]/hook", "https://[::ffff:10.1.2.3]/hook", "https://[::ffff:169.254.169.254]/", "https://[::ffff:100.64.0.1]/", "https://[::ffff:0:0]/"},
		"NAT64 of private":   {"https://[64:ff9b::a00:1]/hook", "https://[64:ff9b::7f00:1]/hook"},
		"numeric spellings":  {"https://2130706433/hook", "https://0x7f.1/hook", "https://017700000001/hook", "https://127.1/hook"},
	}
	var none AllowedHosts
	for class, urls := range refused {
		for _, u := range urls {
			if err := none.CheckURL(u); !errors.Is(err, ErrBlockedAddress) {
				t.Errorf("%s: CheckURL(%q) = %v, want ErrBlockedAddress", class, u, err)
			}
		}
	}
	for _, u := range []string{"https://control-room.example/hook", "https://203.0.113.7/hook", "https://[2001:db8::1]:8443/x",
		"https://8.8.8.8/hook", "https://[::ffff:8.8.8.8]/hook", "https://100.128.0.1/hook"} {
		if err := none.CheckURL(u); err != nil {
			t.Errorf("public CheckURL(%q) = %v, want nil", u, err)
		}
	}
}

func TestAllowedHostsExemptOnlyWhatTheyName(t *testing.T) {
	t.Parallel()
	a, err := ParseAllowedHosts([]string{"127.0.0.1:8443", "cr.local", "[::1]", "10.0.0.5"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url     string
		allowed bool
	}{
		{"https://127.0.0.1:8443/hook", true},
		{"https://127.0.0.1/hook", false}, // other port (443)
		{"https://CR.local/hook", true},
		{"https://[::1]:9000/hook", true},
		{"https://[0:0:0:0:0:0:0:1]/hook", true}, // same address, other spelling
		{"https://10.0.0.5:444/hook", true},
		{"https://10.0.0.6/hook", false},
	}
	for _, tt := range tests {
		if err := a.CheckURL(tt.url); (err == nil) != tt.allowed {
			t.Errorf("CheckURL(%q) = %v, want allowed %v", tt.url, err, tt.allowed)
		}
	}
	for _, bad := range [][]string{{"host:0"}, {"host:99999"}, {"a/b"}, {"user@host"}, {"host:port"}} {
		if _, err := ParseAllowedHosts(bad); err == nil {
			t.Errorf("ParseAllowedHosts(%q) accepted a malformed entry", bad)
		}
	}
}

// receiver is a local webhook receiver counting the requests it gets.
