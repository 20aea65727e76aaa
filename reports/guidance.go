package reports

// Guidance tells the app what to show the young person right after they
// report. It carries no case data, so it may be the same for everyone.
type Guidance struct {
	// CallEmergencyNow makes the app show "call 999 now" before anything else.
	CallEmergencyNow bool
	WhatHappensNext  string
	Helplines        []Helpline
	Images           ImagesAdvice
}

// Helpline is a service the young person can contact themselves.
type Helpline struct {
	Name  string
	Phone string
	URL   string
	When  string
}

// ImagesAdvice points to a safe path for intimate images: SpeakSafe never
// accepts photos or videos of a child; Report Remove (Childline and the
// Internet Watch Foundation) gets them taken down.
type ImagesAdvice struct {
	Text string
	URL  string
}

// GuidanceFor returns the guidance for a report with the given urgency.
func GuidanceFor(inDangerNow, urgent bool) Guidance {
	next := "A police officer who works with young people will read your report. " +
		"Keep your reference and receipt safe: with them you can come back in the app to see " +
		"when it has been read, send more details and read replies."
	if urgent {
		next = "Your report has been sent to the on-call police team now and they have been alerted. " +
			"If you are in danger, call 999. Keep your reference and receipt safe: with them you can " +
			"come back in the app to see replies."
	}
	return Guidance{
		CallEmergencyNow: inDangerNow,
		WhatHappensNext:  next,
		Helplines: []Helpline{
			{Name: "Emergency (police, ambulance)", Phone: "999", When: "If you are in danger now"},
			{Name: "Childline", Phone: "0800 1111", URL: "https://www.childline.org.uk", When: "Any time, free and confidential"},
			{Name: "CEOP online reporting", URL: "https://www.ceop.police.uk/Safety-Centre/", When: "To report online sexual abuse"},
			{Name: "Police (non-emergency)", Phone: "101", When: "When it is not an emergency"},
		},
		Images: ImagesAdvice{
			Text: "Do not send us photos or videos. If a nude image or video of you is online or someone " +
				"threatens to share one, Report Remove from Childline and the Internet Watch Foundation " +
				"can help get it taken down.",
			URL: "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/remove-nude-image-shared-online/",
		},
	}
}
