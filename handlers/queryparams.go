package handlers

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/gofiber/fiber/v2"

	"speaksafe/errkind"
)

// QueryParams names, per route (RouteKey), the query parameters the route
// declares in the contract. A parameter a route does not declare is refused
// with 400 rather than ignored: a filter the client believes it applied, and
// the server silently dropped, shows an officer the wrong cases.
type QueryParams map[string][]string

var pathParam = regexp.MustCompile(`\{([^}/]+)\}`)

// QueryParamsFromContract reads the query parameters of every operation in
// spec (mobile-api.yaml), keyed as the router keys routes ("GET /v1/cases/:id").
func QueryParamsFromContract(spec []byte) (QueryParams, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("handlers: contract: %w", err)
	}
	out := QueryParams{}
	for path, item := range doc.Paths.Map() {
		route := pathParam.ReplaceAllString(path, ":$1")
		for method, op := range item.Operations() {
			names := []string{}
			for _, list := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, p := range list {
					if p != nil && p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
						names = append(names, p.Value.Name)
					}
				}
			}
			out[RouteKey(strings.ToUpper(method), route)] = names
		}
	}
	return out, nil
}

// UseQueryParams makes every route refuse query parameters it does not
// declare. Without it (no contract given) no route checks them.
func (r *Router) UseQueryParams(q QueryParams) { r.queries = q }

// checkQuery answers 400 naming the first undeclared query parameter of a
// request to the route key.
func (r *Router) checkQuery(c *fiber.Ctx, key string) error {
	if r.queries == nil {
		return nil
	}
	allowed := r.queries[key]
	var unknown string
	c.Context().QueryArgs().VisitAll(func(k, _ []byte) {
		if unknown == "" && !slices.Contains(allowed, string(k)) {
			unknown = string(k)
		}
	})
	if unknown == "" {
		return nil
	}
	if len(unknown) > 64 {
		unknown = unknown[:64]
	}
	return &errkind.ValidationError{Fields: []errkind.FieldError{{
		Field: unknown, Message: "is not a query parameter of this route",
	}}}
}
