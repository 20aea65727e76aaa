package content

// Helpline is a place a young person (or an adult worried about one) can
// turn to, with when it is the right one to use.
type Helpline struct {
	ID    string
	Name  string
	Phone string // as shown, e.g. "0800 1111"; "" when there is no phone line
	Tel   string // tel: URI for a tap-to-call button
	URL   string // https only
	When  string // when to use it, in the requested locale
	// Emergency marks the number to show first and most prominently.
	Emergency bool
	// ForAdults marks services meant for parents and professionals.
	ForAdults bool
}

type helplineText struct{ name, when string }

type helplineDef struct {
	id, phone, tel, url  string
	emergency, forAdults bool
	text                 map[string]helplineText
}

// helplineDefs is the fixed list. Numbers and links are public facts taken
// from each service's own website; review them before every release.
var helplineDefs = []helplineDef{
	{id: "emergency-999", phone: "999", tel: "tel:999", emergency: true, text: map[string]helplineText{
		LocaleEnglish: {"Police, ambulance or fire: 999", "Call 999 if you or someone else is in danger right now, or a crime is happening now."},
		LocaleWelsh:   {"Heddlu, ambiwlans neu dân: 999", "Ffonia 999 os wyt ti neu rywun arall mewn perygl nawr, neu os yw trosedd yn digwydd nawr."},
	}},
	{id: "childline", phone: "0800 1111", tel: "tel:08001111", url: "https://www.childline.org.uk/", text: map[string]helplineText{
		LocaleEnglish: {"Childline", "Talk to a trained counsellor about anything that worries you. Calls are free and do not show on the phone bill. You can also chat online."},
		LocaleWelsh:   {"Childline", "Siarad â chwnselydd am unrhyw beth sy'n dy boeni. Mae galwadau am ddim a dydyn nhw ddim yn dangos ar y bil ffôn. Gelli di sgwrsio ar-lein hefyd."},
	}},
	{id: "ceop", url: "https://www.ceop.police.uk/Safety-Centre/", text: map[string]helplineText{
		LocaleEnglish: {"CEOP Safety Centre (online reporting)", "Report to specialist police if someone online has asked you for sexual pictures, talked to you about sex, or made you feel unsafe."},
		LocaleWelsh:   {"Canolfan Ddiogelwch CEOP (adrodd ar-lein)", "Rho wybod i heddlu arbenigol os yw rhywun ar-lein wedi gofyn i ti am luniau rhywiol, wedi siarad â ti am ryw, neu wedi gwneud i ti deimlo'n anniogel."},
	}},
	{id: "report-remove", url: "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/remove-nude-image-shared-online/", text: map[string]helplineText{
		LocaleEnglish: {"Report Remove (Childline and IWF)", "If a nude or sexual picture or video of you (under 18) is online or might be shared, this tool helps get it taken down. Do not send the picture to anyone else, including us."},
		LocaleWelsh:   {"Report Remove (Childline ac IWF)", "Os oes llun neu fideo noeth neu rywiol ohonot ti (dan 18) ar-lein neu y gallai gael ei rannu, mae'r offeryn hwn yn helpu i'w dynnu i lawr. Paid ag anfon y llun at neb arall, gan gynnwys ni."},
	}},
	{id: "police-101", phone: "101", tel: "tel:101", text: map[string]helplineText{
		LocaleEnglish: {"Police non-emergency: 101", "Call 101 to tell the police about something that has happened when nobody is in danger right now."},
		LocaleWelsh:   {"Heddlu, nid argyfwng: 101", "Ffonia 101 i ddweud wrth yr heddlu am rywbeth sydd wedi digwydd pan nad oes neb mewn perygl nawr."},
	}},
	{id: "fearless", url: "https://www.fearless.org/", text: map[string]helplineText{
		LocaleEnglish: {"Fearless (Crimestoppers)", "Tell Crimestoppers' youth service about crime, including people being made to carry drugs or money, without giving your name."},
		LocaleWelsh:   {"Fearless (Crimestoppers)", "Dweud wrth wasanaeth ieuenctid Crimestoppers am drosedd, gan gynnwys pobl yn cael eu gorfodi i gario cyffuriau neu arian, heb roi dy enw."},
	}},
	{id: "meic", phone: "080 880 23456", tel: "tel:08088023456", url: "https://www.meic.cymru/", text: map[string]helplineText{
		LocaleEnglish: {"Meic (Wales)", "Free, confidential help for children and young people in Wales, in Welsh or English, by phone, text or online chat."},
		LocaleWelsh:   {"Meic (Cymru)", "Cymorth am ddim a chyfrinachol i blant a phobl ifanc yng Nghymru, yn Gymraeg neu yn Saesneg, dros y ffôn, neges destun neu sgwrs ar-lein."},
	}},
	{id: "nspcc-adults", phone: "0808 800 5000", tel: "tel:08088005000", url: "https://www.nspcc.org.uk/keeping-children-safe/our-services/nspcc-helpline/", forAdults: true, text: map[string]helplineText{
		LocaleEnglish: {"NSPCC Helpline (for adults)", "For parents, carers and professionals worried about a child. If a child is in danger now, call 999."},
		LocaleWelsh:   {"Llinell Gymorth NSPCC (i oedolion)", "I rieni, gofalwyr a gweithwyr proffesiynol sy'n poeni am blentyn. Os yw plentyn mewn perygl nawr, ffonia 999."},
	}},
}

// Helplines returns the helplines with their texts in locale (English when
// the locale is unknown), emergency first, in a fixed order.
func Helplines(locale string) []Helpline {
	out := make([]Helpline, 0, len(helplineDefs))
	for _, d := range helplineDefs {
		t, ok := d.text[locale]
		if !ok {
			t = d.text[LocaleEnglish]
		}
		out = append(out, Helpline{ID: d.id, Name: t.name, Phone: d.phone, Tel: d.tel, URL: d.url,
			When: t.when, Emergency: d.emergency, ForAdults: d.forAdults})
	}
	return out
}

// HelplineIDs lists the ids an item may name in its helplines field.
func HelplineIDs() []string {
	ids := make([]string, len(helplineDefs))
	for i, d := range helplineDefs {
		ids[i] = d.id
	}
	return ids
}
