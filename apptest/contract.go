package apptest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

var contract struct {
	once   sync.Once
	raw    []byte
	doc    *openapi3.T
	router routers.Router
	err    error
}

// SpecPath is the path of mobile-api.yaml at the root of the module.
func SpecPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "mobile-api.yaml")
}

func loadContract() {
	contract.once.Do(func() {
		contract.raw, contract.err = os.ReadFile(SpecPath())
		if contract.err != nil {
			return
		}
		loader := openapi3.NewLoader()
		contract.doc, contract.err = loader.LoadFromData(contract.raw)
		if contract.err != nil {
			return
		}
		if contract.err = contract.doc.Validate(context.Background()); contract.err != nil {
			return
		}
		// Charts (SVG) and exports (JSON Lines) are documents: the contract
		// checks their status and type, and the tests parse them.
		openapi3filter.RegisterBodyDecoder("image/svg+xml", openapi3filter.FileBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/x-ndjson", openapi3filter.FileBodyDecoder)
		// Match requests to operations whatever host the test used.
		contract.doc.Servers = openapi3.Servers{{URL: "/"}}
		contract.router, contract.err = legacy.NewRouter(contract.doc)
	})
}

// Spec returns mobile-api.yaml, failing the test if it is not a valid
// OpenAPI document.
func Spec(t testing.TB) []byte {
	t.Helper()
	loadContract()
	if contract.err != nil {
		t.Fatalf("apptest: mobile-api.yaml: %v", contract.err)
	}
	return contract.raw
}

// Document returns the parsed contract.
func Document(t testing.TB) *openapi3.T {
	t.Helper()
	Spec(t)
	return contract.doc
}

// checkContract fails the test when the answer to r is not one the contract
// describes: an undocumented route or status, a body that does not match its
// schema. Answers to routes the app does not have must still be problems.
func checkContract(t testing.TB, r *http.Request, res *Response) {
	t.Helper()
	loadContract()
	if contract.err != nil {
		t.Fatalf("apptest: mobile-api.yaml: %v", contract.err)
	}
	route, params, err := contract.router.FindRoute(r)
	if err != nil {
		if res.Status < 400 {
			t.Errorf("apptest: %s %s answered %d but the contract has no such operation", r.Method, r.URL.Path, res.Status)
		}
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
			t.Errorf("apptest: %s %s answered %d with Content-Type %q, want application/problem+json", r.Method, r.URL.Path, res.Status, ct)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: r, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: res.Status,
		Header: res.Header,
		Body:   io.NopCloser(bytes.NewReader(res.Body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("apptest: %s %s answered %d, which breaks mobile-api.yaml: %v\nbody: %.500s", r.Method, r.URL.Path, res.Status, err, res.Body)
	}
}
