package reports

import "strings"

// Every text a young person reads from the child routes, per locale, in
// tables. The Welsh is a first draft and must be reviewed by a fluent
// speaker before launch (docs/reports.md, "Languages").

// Codes of child-route errors: stable names the app may switch on, each
// with a child-friendly text per locale.
const (
	CodeReceiptNotRecognised = "receipt_not_recognised"
	CodeSessionEnded         = "session_ended"
	CodeInvalidInput         = "invalid_input"
	CodeBadRequest           = "bad_request"
	CodeTooManyAttempts      = "too_many_attempts"
	CodeCaseClosed           = "case_closed"
	CodeReportConflict       = "report_conflict"
	CodeTooLarge             = "too_large"
	CodeNoUploads            = "no_uploads"
	CodeNotFound             = "not_found"
	CodeUnavailable          = "unavailable"
	CodeServerError          = "server_error"
	CodeRequestRefused       = "request_refused"
)

var errorTexts = map[string]map[Locale]string{
	CodeReceiptNotRecognised: {
		LocaleEN: "We could not find a report with that reference and receipt. Check them and try again: only letters and numbers count, and capitals do not matter. " +
			"If you have lost your receipt, make a new report and mention your old reference in it. You can also call Childline on 0800 1111, any time.",
		LocaleCY: "Dydyn ni ddim yn gallu dod o hyd i adroddiad gyda'r cyfeirnod a'r dderbynneb yna. Gwiria nhw a rho gynnig arall arni: dim ond llythrennau a rhifau sy'n cyfrif, a does dim ots am lythrennau mawr. " +
			"Os wyt ti wedi colli dy dderbynneb, gwna adroddiad newydd a sôn am dy hen gyfeirnod ynddo. Gelli di hefyd ffonio Childline ar 0800 1111, unrhyw bryd.",
	},
	CodeSessionEnded: {
		LocaleEN: "Your time to look at your report has run out. Enter your reference and receipt again to come back to it. " +
			"If you have lost your receipt, make a new report and mention your old reference in it, or call Childline on 0800 1111.",
		LocaleCY: "Mae dy amser i edrych ar dy adroddiad wedi dod i ben. Rho dy gyfeirnod a dy dderbynneb eto i ddod yn ôl ato. " +
			"Os wyt ti wedi colli dy dderbynneb, gwna adroddiad newydd a sôn am dy hen gyfeirnod ynddo, neu ffonia Childline ar 0800 1111.",
	},
	CodeInvalidInput: {
		LocaleEN: "Some answers are missing or not quite right. Check the marked parts and try again. If you are in danger now, call 999.",
		LocaleCY: "Mae rhai atebion ar goll neu ddim yn hollol iawn. Gwiria'r rhannau sydd wedi'u marcio a rho gynnig arall arni. Os wyt ti mewn perygl nawr, ffonia 999.",
	},
	CodeBadRequest: {
		LocaleEN: "The app sent something we could not read. Please update the app and try again. If you are in danger now, call 999.",
		LocaleCY: "Anfonodd yr ap rywbeth nad oedden ni'n gallu ei ddarllen. Diweddara'r ap a rho gynnig arall arni. Os wyt ti mewn perygl nawr, ffonia 999.",
	},
	CodeTooManyAttempts: {
		LocaleEN: "You have tried a lot of times. Please wait a little while and try again. If you are in danger now, call 999. You can call Childline on 0800 1111 at any time.",
		LocaleCY: "Rwyt ti wedi trio lawer gwaith. Aros ychydig a rho gynnig arall arni. Os wyt ti mewn perygl nawr, ffonia 999. Gelli di ffonio Childline ar 0800 1111 unrhyw bryd.",
	},
	CodeCaseClosed: {
		LocaleEN: "This report is closed, so it cannot take more messages. If something else has happened, please make a new report and mention this reference in it.",
		LocaleCY: "Mae'r adroddiad hwn wedi cau, felly does dim modd anfon mwy o negeseuon. Os oes rhywbeth arall wedi digwydd, gwna adroddiad newydd a sôn am y cyfeirnod hwn ynddo.",
	},
	CodeReportConflict: {
		LocaleEN: "This report was already sent with different words. Please start a new report in the app.",
		LocaleCY: "Cafodd yr adroddiad hwn ei anfon yn barod gyda geiriau gwahanol. Dechreua adroddiad newydd yn yr ap.",
	},
	CodeTooLarge: {
		LocaleEN: "That is too long to send. Please make it shorter and try again.",
		LocaleCY: "Mae hynny'n rhy hir i'w anfon. Gwna fe'n fyrrach a rho gynnig arall arni.",
	},
	CodeNoUploads: {
		LocaleEN: "We cannot take photos, videos or files here. If a nude image of you is online or someone threatens to share one, Report Remove from Childline can help get it taken down.",
		LocaleCY: "Dydyn ni ddim yn gallu derbyn lluniau, fideos na ffeiliau yma. Os oes llun noeth ohonot ti ar-lein neu os oes rhywun yn bygwth ei rannu, gall Report Remove gan Childline helpu i'w dynnu i lawr.",
	},
	CodeNotFound: {
		LocaleEN: "We could not find that. If you are in danger now, call 999.",
		LocaleCY: "Dydyn ni ddim yn gallu dod o hyd i hwnna. Os wyt ti mewn perygl nawr, ffonia 999.",
	},
	CodeUnavailable: {
		LocaleEN: "We cannot take this right now. Please try again in a few minutes. If you are in danger now, call 999.",
		LocaleCY: "Dydyn ni ddim yn gallu derbyn hwn ar hyn o bryd. Rho gynnig arall arni mewn ychydig funudau. Os wyt ti mewn perygl nawr, ffonia 999.",
	},
	CodeServerError: {
		LocaleEN: "Something went wrong on our side. Please try again in a few minutes. If you are in danger now, call 999, or call Childline on 0800 1111.",
		LocaleCY: "Aeth rhywbeth o'i le ar ein hochr ni. Rho gynnig arall arni mewn ychydig funudau. Os wyt ti mewn perygl nawr, ffonia 999, neu ffonia Childline ar 0800 1111.",
	},
	CodeRequestRefused: {
		LocaleEN: "We could not do that. Please try again. If you are in danger now, call 999.",
		LocaleCY: "Doedden ni ddim yn gallu gwneud hynny. Rho gynnig arall arni. Os wyt ti mewn perygl nawr, ffonia 999.",
	},
}

// ErrorCodes returns every child-route error code.
func ErrorCodes() []string {
	out := make([]string, 0, len(errorTexts))
	for c := range errorTexts {
		out = append(out, c)
	}
	return out
}

// ErrorText returns the child-friendly text of error code in locale l
// (English when l has none; the server-error text for an unknown code).
func ErrorText(code string, l Locale) string {
	texts, ok := errorTexts[code]
	if !ok {
		texts = errorTexts[CodeServerError]
	}
	if t, ok := texts[l]; ok {
		return t
	}
	return texts[DefaultLocale]
}

// guidanceText is the guidance after a report, in one language.
type guidanceText struct {
	urgentAnonymous  string
	urgentIdentified string
	routine          string
	keepReceipt      string
	hoursDefault     string
	// hoursStated is formatted with the days and the from and to times.
	hoursStated string
	everyDay    string
	// dayRange is formatted with the first and last day.
	dayRange  string
	days      [7]string // Sunday first, as time.Weekday
	images    string
	helplines []Helpline
}

var guidanceTexts = map[Locale]guidanceText{
	LocaleEN: {
		urgentAnonymous: "We have sent your report to the police team on call, and they have been alerted now. " +
			"You did not tell us who you are, so the police do not know who you are or where you are, and they cannot come to find you. " +
			"If you are in danger now, call 999 and tell them where you are.",
		urgentIdentified: "We have sent your report to the police team on call, and they have been alerted now. " +
			"They may contact you using the details you gave. If you are in danger now, call 999 and tell them where you are.",
		routine:      "A police officer who works with young people will read your report.",
		keepReceipt:  "Keep your reference and receipt safe: with them you can come back in the app to see when it has been read, send more details and read replies. If you are in danger now, call 999.",
		hoursDefault: "The team reads reports during their working hours, not every minute, so it may not be read straight away.",
		hoursStated:  "The team reads reports %s, from %s to %s. If you send it at another time, it will be read when they are next working.",
		everyDay:     "every day",
		dayRange:     "%s to %s",
		days:         [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		images: "Do not send us photos or videos. If a nude image or video of you is online or someone " +
			"threatens to share one, Report Remove from Childline and the Internet Watch Foundation " +
			"can help get it taken down.",
		helplines: []Helpline{
			{Name: "Emergency (police, ambulance)", Phone: "999", When: "If you are in danger now"},
			{Name: "Childline", Phone: "0800 1111", URL: "https://www.childline.org.uk", When: "Any time, free and confidential"},
			{Name: "CEOP online reporting", URL: "https://www.ceop.police.uk/Safety-Centre/", When: "To report online sexual abuse"},
			{Name: "Police (non-emergency)", Phone: "101", When: "When it is not an emergency"},
		},
	},
	LocaleCY: {
		urgentAnonymous: "Rydyn ni wedi anfon dy adroddiad at dîm yr heddlu sydd ar alwad, ac maen nhw wedi cael rhybudd nawr. " +
			"Wnest ti ddim dweud wrthym ni pwy wyt ti, felly dydy'r heddlu ddim yn gwybod pwy wyt ti na ble rwyt ti, a dydyn nhw ddim yn gallu dod i chwilio amdanat ti. " +
			"Os wyt ti mewn perygl nawr, ffonia 999 a dweud wrthyn nhw ble rwyt ti.",
		urgentIdentified: "Rydyn ni wedi anfon dy adroddiad at dîm yr heddlu sydd ar alwad, ac maen nhw wedi cael rhybudd nawr. " +
			"Efallai y byddan nhw'n cysylltu â ti gan ddefnyddio'r manylion a roddaist ti. Os wyt ti mewn perygl nawr, ffonia 999 a dweud wrthyn nhw ble rwyt ti.",
		routine:      "Bydd swyddog heddlu sy'n gweithio gyda phobl ifanc yn darllen dy adroddiad.",
		keepReceipt:  "Cadwa dy gyfeirnod a dy dderbynneb yn ddiogel: gyda nhw gelli di ddod yn ôl yn yr ap i weld pryd mae wedi cael ei ddarllen, anfon mwy o fanylion a darllen atebion. Os wyt ti mewn perygl nawr, ffonia 999.",
		hoursDefault: "Mae'r tîm yn darllen adroddiadau yn ystod eu horiau gwaith, nid bob munud, felly efallai na fydd yn cael ei ddarllen yn syth.",
		hoursStated:  "Mae'r tîm yn darllen adroddiadau %s, o %s tan %s. Os wyt ti'n ei anfon ar adeg arall, bydd yn cael ei ddarllen pan fyddan nhw'n gweithio nesaf.",
		everyDay:     "bob dydd",
		dayRange:     "o %s i %s",
		days:         [7]string{"ddydd Sul", "ddydd Llun", "ddydd Mawrth", "ddydd Mercher", "ddydd Iau", "ddydd Gwener", "ddydd Sadwrn"},
		images: "Paid ag anfon lluniau na fideos aton ni. Os oes llun neu fideo noeth ohonot ti ar-lein, neu os oes rhywun yn " +
			"bygwth ei rannu, gall Report Remove gan Childline a'r Internet Watch Foundation helpu i'w dynnu i lawr.",
		helplines: []Helpline{
			{Name: "Argyfwng (heddlu, ambiwlans)", Phone: "999", When: "Os wyt ti mewn perygl nawr"},
			{Name: "Childline", Phone: "0800 1111", URL: "https://www.childline.org.uk", When: "Unrhyw bryd, am ddim a chyfrinachol"},
			{Name: "Adrodd ar-lein CEOP", URL: "https://www.ceop.police.uk/Safety-Centre/", When: "I adrodd am gam-drin rhywiol ar-lein"},
			{Name: "Heddlu (nid argyfwng)", Phone: "101", When: "Pan nad yw'n argyfwng"},
		},
	},
}

// caseTexts are what the reporter is told about where their case stands.
var caseTexts = map[Locale]map[string]string{
	LocaleEN: {
		"waiting":     "Your report is waiting for a police officer to read it. If you are in danger now, call 999.",
		"read":        "A police officer has read your report. They may send you a message here, so check back. If you are in danger now, call 999.",
		"in_progress": "A police officer is working on your report. Check back here for messages. If you are in danger now, call 999.",
		"closed":      "Your report is closed. If something else happens, make a new report and mention this reference in it. If you are in danger now, call 999.",
	},
	LocaleCY: {
		"waiting":     "Mae dy adroddiad yn aros i swyddog heddlu ei ddarllen. Os wyt ti mewn perygl nawr, ffonia 999.",
		"read":        "Mae swyddog heddlu wedi darllen dy adroddiad. Efallai y byddan nhw'n anfon neges atat ti yma, felly edrycha eto. Os wyt ti mewn perygl nawr, ffonia 999.",
		"in_progress": "Mae swyddog heddlu yn gweithio ar dy adroddiad. Edrycha yma eto am negeseuon. Os wyt ti mewn perygl nawr, ffonia 999.",
		"closed":      "Mae dy adroddiad wedi cau. Os bydd rhywbeth arall yn digwydd, gwna adroddiad newydd a sôn am y cyfeirnod hwn ynddo. Os wyt ti mewn perygl nawr, ffonia 999.",
	},
}

// fieldTextsCY are the Welsh of the field messages of the child routes'
// validation (Report.Validate, checkText, Submit).
var fieldTextsCY = map[string]string{
	"is required": "rhaid ei lenwi",
	"must be the police force code shown in the app":                     "rhaid iddo fod y cod heddlu sydd yn yr ap",
	"is not a police force code we know":                                 "dydyn ni ddim yn adnabod y cod heddlu hwn",
	"must be one of the listed categories":                               "rhaid iddo fod yn un o'r categorïau ar y rhestr",
	"must be valid UTF-8 text":                                           "rhaid iddo fod yn destun UTF-8 dilys",
	"must not contain control characters":                                "rhaid iddo beidio â chynnwys nodau rheoli",
	"only applies when a meeting is planned":                             "dim ond pan fydd cyfarfod wedi'i drefnu",
	"must be one of the listed age bands":                                "rhaid iddo fod yn un o'r grwpiau oedran ar y rhestr",
	"at most 10 handles":                                                 "dim mwy na 10 enw defnyddiwr",
	"must be a phone number":                                             "rhaid iddo fod yn rhif ffôn",
	"must be an email address":                                           "rhaid iddo fod yn gyfeiriad e-bost",
	"give a phone number or an email address so that we can contact you": "rho rif ffôn neu gyfeiriad e-bost er mwyn i ni allu cysylltu â ti",
}

// FieldText returns the field message msg in locale l: messages the child
// routes give have a Welsh text; any other stays as it is (those are for
// the app's developers: wrong types, unknown fields).
func FieldText(msg string, l Locale) string {
	if l != LocaleCY {
		return msg
	}
	if t, ok := fieldTextsCY[msg]; ok {
		return t
	}
	if n, ok := strings.CutPrefix(msg, "must be at most "); ok {
		if n, ok := strings.CutSuffix(n, " characters"); ok {
			return "dim mwy na " + n + " nod"
		}
	}
	return msg
}
