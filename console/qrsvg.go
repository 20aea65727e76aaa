package console

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"strings"

	"rsc.io/qr"
)

// qrDataURI renders text as a QR code in SVG (drawn on the server, so no
// script or outside service sees the text) and answers it as a data: URI
// for an <img>. The CSP allows data: images only.
func qrDataURI(text string) (template.URL, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return "", fmt.Errorf("console: QR code: %w", err)
	}
	const quiet = 4
	n := code.Size + 2*quiet
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges">`, n, n)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="`, n, n)
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if code.Black(x, y) {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	// The URI is built here from our own SVG, never from input markup.
	return template.URL("data:image/svg+xml;base64," + base64.StdEncoding.EncodeToString([]byte(b.String()))), nil
}
