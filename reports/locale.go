package reports

import (
	"strconv"
	"strings"
)

// Locale is a language the young person is answered in.
type Locale string

// Locales the child routes speak. Welsh texts are marked for review by a
// fluent speaker (docs/reports.md).
const (
	LocaleEN Locale = "en"
	LocaleCY Locale = "cy"
)

// DefaultLocale is used when the request names no supported language.
const DefaultLocale = LocaleEN

// ParseLocale returns the supported locale a language tag names ("cy",
// "cy-GB", "EN-gb"), and false for any other.
func ParseLocale(tag string) (Locale, bool) {
	primary, _, _ := strings.Cut(strings.TrimSpace(tag), "-")
	switch strings.ToLower(primary) {
	case "en":
		return LocaleEN, true
	case "cy":
		return LocaleCY, true
	}
	return "", false
}

// NegotiateLocale picks the locale of a child's request: the first of
// explicit (a `locale` field or parameter) that is supported, else the
// supported language of Accept-Language with the highest weight, else
// DefaultLocale. An unsupported locale is never an error: a child is
// answered in English rather than refused.
func NegotiateLocale(acceptLanguage string, explicit ...string) Locale {
	for _, e := range explicit {
		if l, ok := ParseLocale(e); ok {
			return l
		}
	}
	best, bestQ := DefaultLocale, 0.0
	for i, part := range strings.Split(acceptLanguage, ",") {
		if i >= 20 { // a header is a short list; never parse a long one
			break
		}
		tag, params, _ := strings.Cut(part, ";")
		l, ok := ParseLocale(tag)
		if !ok {
			continue
		}
		if q := weight(params); q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// weight reads "q=0.7" from the parameters of an Accept-Language entry;
// 1 when absent, 0 when malformed.
func weight(params string) float64 {
	params = strings.TrimSpace(params)
	if params == "" {
		return 1
	}
	v, ok := strings.CutPrefix(params, "q=")
	if !ok {
		return 0
	}
	q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || q < 0 || q > 1 {
		return 0
	}
	return q
}
