package testsupport

import "net"

// FreeAddr returns a loopback address with a port nothing listens on now,
// for a process the test starts and tells where to listen.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
