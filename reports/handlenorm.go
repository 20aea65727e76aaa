package reports

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Handle matching compares what children type about the same person, who
// will spell it differently: "Cool_Uncle_99", "@cool_uncle_99",
// "ｃｏｏｌ_uncle_99" (full-width) and "cооl_uncle_99" (Cyrillic о) are one
// handle. A handle is normalised by, in order: NFKC (compatibility forms:
// full-width letters, ligatures, superscripts), Unicode case folding,
// dropping invisible characters (zero-width spaces and joiners, soft
// hyphens, byte-order marks) and surrounding space, dropping leading @
// signs, then mapping the letters of other scripts that look like Latin
// letters (confusables) to those letters, and NFKC again. Platforms are
// normalised the same way, with spaces, dots and dashes dropped, a ".com"
// suffix dropped and the aliases of platformAliases applied; no platform
// given is "unknown".

// platformAliases maps what children call a platform to one name. Keep it
// in step with docs/oversight.md ("Related cases and patterns").
var platformAliases = map[string]string{
	"insta": "instagram", "ig": "instagram", "instagram": "instagram", "instagramcom": "instagram",
	"x": "twitter", "twitter": "twitter", "xcom": "twitter", "twittercom": "twitter", "tweet": "twitter",
	"snap": "snapchat", "sc": "snapchat", "snapchat": "snapchat",
	"tiktok": "tiktok", "tt": "tiktok", "tik": "tiktok",
	"fb": "facebook", "facebook": "facebook", "meta": "facebook",
	"messenger": "messenger", "fbmessenger": "messenger", "facebookmessenger": "messenger",
	"whatsapp": "whatsapp", "wa": "whatsapp", "whatsap": "whatsapp",
	"discord": "discord", "disc": "discord",
	"roblox": "roblox", "rblx": "roblox",
	"fortnite": "fortnite", "epic": "fortnite", "epicgames": "fortnite",
	"minecraft": "minecraft", "mc": "minecraft",
	"xbox": "xbox", "xboxlive": "xbox", "xbl": "xbox",
	"playstation": "playstation", "psn": "playstation", "ps": "playstation", "ps4": "playstation", "ps5": "playstation",
	"steam": "steam", "twitch": "twitch", "reddit": "reddit", "telegram": "telegram", "kik": "kik",
	"youtube": "youtube", "yt": "youtube", "omegle": "omegle", "threads": "threads", "bereal": "bereal",
	"": "unknown", "unknown": "unknown", "other": "unknown", "dontknow": "unknown", "idk": "unknown",
}

// confusables maps letters of Cyrillic, Greek and other scripts, and a
// few Latin look-alikes, to the Latin letter they are mistaken for (after
// case folding). Digits are never mapped: 0 and o differ in a handle.
var confusables = map[rune]rune{
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p', 'с': 'c',
	'т': 't', 'у': 'y', 'х': 'x', 'і': 'i', 'ї': 'i', 'ј': 'j', 'ѕ': 's', 'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w',
	'ѵ': 'v', 'һ': 'h', 'ӏ': 'l', 'ɡ': 'g', 'ı': 'i', 'ɩ': 'i', 'ℓ': 'l',
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p', 'τ': 't',
	'υ': 'u', 'χ': 'x', 'γ': 'y', 'ϲ': 'c', 'ϳ': 'j', 'ԍ': 'g', 'ո': 'n', 'օ': 'o', 'ս': 'u',
}

// invisible reports whether r is a character nobody sees in a handle.
func invisible(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u180e':
		return true
	}
	return unicode.Is(unicode.Cf, r) || unicode.IsControl(r)
}

// NormalizeHandle returns the form of handle that matching compares.
func NormalizeHandle(handle string) string {
	s := cases.Fold().String(norm.NFKC.String(handle))
	s = strings.Map(func(r rune) rune {
		if invisible(r) {
			return -1
		}
		if l, ok := confusables[r]; ok {
			return l
		}
		return r
	}, s)
	s = strings.TrimLeft(strings.TrimSpace(s), "@＠")
	return norm.NFKC.String(strings.TrimSpace(s))
}

// NormalizePlatform returns the one name of platform that matching
// compares: an alias of platformAliases, or the normalised spelling.
func NormalizePlatform(platform string) string {
	s := NormalizeHandle(platform)
	s = strings.TrimSuffix(s, ".com")
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '.' || r == '-' || r == '_' || r == '\'' {
			return -1
		}
		return r
	}, s)
	if name, ok := platformAliases[s]; ok {
		return name
	}
	return s
}
