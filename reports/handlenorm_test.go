package reports

import "testing"

func TestHandlesNormaliseToOneForm(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"cool_uncle_99", "Cool_Uncle_99", "@COOL_UNCLE_99", " @@cool_uncle_99 ",
		"ｃｏｏｌ_ｕｎｃｌｅ_９９", "cооl_uncle_99", "cool\u200b_uncle_99", "ＣＯＯＬ_uncle_99"} {
		if got := NormalizeHandle(h); got != "cool_uncle_99" {
			t.Errorf("NormalizeHandle(%q) = %q, want cool_uncle_99", h, got)
		}
	}
	for _, h := range []string{"cool_uncle_90", "cool_uncle_9", "cool-uncle_99", "coo1_uncle_99"} {
		if got := NormalizeHandle(h); got == "cool_uncle_99" {
			t.Errorf("NormalizeHandle(%q) = %q: a different handle matched", h, got)
		}
	}
	for in, want := range map[string]string{"Instagram": "instagram", "insta": "instagram", "IG": "instagram",
		"instagram.com": "instagram", "X": "twitter", "Twitter": "twitter", "x.com": "twitter", "Snap Chat": "snapchat",
		"TikTok": "tiktok", "Tik-Tok": "tiktok", "": "unknown", "PS5": "playstation", "Kik": "kik", "MySpace": "myspace"} {
		if got := NormalizePlatform(in); got != want {
			t.Errorf("NormalizePlatform(%q) = %q, want %q", in, got, want)
		}
	}
}
