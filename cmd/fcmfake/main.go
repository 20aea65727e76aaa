// Command fcmfake serves the fake FCM endpoint of package fcmfake on an
// address, for scripts that run the real binary (the console's browser
// tests): point the server's FCM_ENDPOINT at http://ADDR/v1. GET /requests
// lists what was pushed, as JSON.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"

	"speaksafe/fcmfake"
)

func main() {
	addr := flag.String("listen", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	fake := fcmfake.New()
	defer fake.Close()
	mux := http.NewServeMux()
	mux.Handle("/v1/", fake.Handler())
	mux.HandleFunc("/requests", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(fake.Requests())
	})
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fcmfake:", err)
		os.Exit(1)
	}
	fmt.Printf("http://%s/v1\n", ln.Addr())
	if err := http.Serve(ln, mux); err != nil {
		fmt.Fprintln(os.Stderr, "fcmfake:", err)
		os.Exit(1)
	}
}
