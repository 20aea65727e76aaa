package reports

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The bundle's JSON is a file format that records systems read: its field
// names are fixed by ExportFormat and documented in docs/concerns.md.
type exportBundle struct {
	Format     string            `json:"format"`
	ExportedAt time.Time         `json:"exportedAt"`
	ExportedBy string            `json:"exportedBy"`
	Case       exportCaseBody    `json:"case"`
	Messages   []exportMessage   `json:"messages"`
	Notes      []exportNote      `json:"notes"`
	AlertState *exportAlert      `json:"alertState"`
	LegalHold  *exportHold       `json:"legalHold"`
	History    []json.RawMessage `json:"history"`
	Referrals  []json.RawMessage `json:"referrals"`
}

type exportCaseBody struct {
	ID               string         `json:"id"`
	Reference        string         `json:"reference"`
	Kind             string         `json:"kind"`
	ForceID          string         `json:"forceId"`
	Category         string         `json:"category"`
	Urgent           bool           `json:"urgent"`
	UrgentReasons    []Reason       `json:"urgentReasons"`
	Status           string         `json:"status"`
	CreatedAt        time.Time      `json:"createdAt"`
	WhatHappened     string         `json:"whatHappened"`
	Answers          answersFormat  `json:"answers"`
	Identified       bool           `json:"identified"`
	Contact          *contactFormat `json:"contact"`
	AssignedTo       string         `json:"assignedTo,omitempty"`
	FirstReadAt      *time.Time     `json:"firstReadAt,omitempty"`
	FirstReadBy      string         `json:"firstReadBy,omitempty"`
	AcknowledgedAt   *time.Time     `json:"acknowledgedAt,omitempty"`
	AcknowledgedBy   string         `json:"acknowledgedBy,omitempty"`
	Disposition      string         `json:"disposition,omitempty"`
	Outcome          string         `json:"outcome,omitempty"`
	ClosedAt         *time.Time     `json:"closedAt,omitempty"`
	ClosedBy         string         `json:"closedBy,omitempty"`
	RelatedReference string         `json:"relatedReference,omitempty"`
	Flood            string         `json:"flood,omitempty"`
	Concern          *exportConcern `json:"concern,omitempty"`
}

type exportConcern struct {
	SchoolID    string      `json:"schoolId"`
	RaisedBy    string      `json:"raisedBy"`
	ObservedAt  time.Time   `json:"observedAt"`
	ParentsKnow bool        `json:"parentsKnow"`
	ReferToMash bool        `json:"referToMash"`
	Pupil       pupilFormat `json:"pupil"`
}

// exportMessage is one message of the case's thread with the reporter.
type exportMessage struct {
	ID   string    `json:"id"`
	From string    `json:"from"`         // "reporter" or "staff"
	By   string    `json:"by,omitempty"` // the member of staff; empty for the reporter
	At   time.Time `json:"at"`
	Body string    `json:"body"`
}

// exportNote is a staff note, never shown to the reporter.
type exportNote struct {
	ID   string    `json:"id"`
	By   string    `json:"by"` // the member of staff who wrote it
	At   time.Time `json:"at"`
	Body string    `json:"body"`
}

// exportAlert is the urgent alert's last state (open, overdue,
// unacknowledged, acknowledged) and when it was reached.
type exportAlert struct {
	State     string    `json:"state"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// exportHold is the legal hold that keeps the case from the retention sweep.
type exportHold struct {
	Reason string    `json:"reason"`
	By     string    `json:"by"` // who placed the hold
	At     time.Time `json:"at"`
}

func exportCaseOf(d *caseDoc, detail *CaseDetail) exportCaseBody {
	out := exportCaseBody{
		ID: d.ID, Reference: d.Reference, Kind: string(d.Kind.orReport()), ForceID: d.ForceID, Category: string(d.Category),
		Urgent: d.Urgent, UrgentReasons: d.UrgentReasons, Status: string(d.Status), CreatedAt: d.CreatedAt,
		WhatHappened: detail.WhatHappened, Answers: answersFormatOf(detail.Answers), Identified: d.Identified, Contact: contactFormatOf(detail.Contact),
		AssignedTo: d.AssignedTo, FirstReadAt: d.FirstReadAt, FirstReadBy: d.FirstReadBy,
		AcknowledgedAt: d.AcknowledgedAt, AcknowledgedBy: d.AcknowledgedBy, Disposition: d.Disposition,
		Outcome: detail.Outcome, ClosedAt: d.ClosedAt, ClosedBy: d.ClosedBy, RelatedReference: d.RelatedReference,
		Flood: string(d.FloodKind),
	}
	if out.UrgentReasons == nil {
		out.UrgentReasons = []Reason{}
	}
	if c := detail.Concern; c != nil {
		out.Concern = &exportConcern{SchoolID: c.SchoolID, RaisedBy: c.RaisedBy, ObservedAt: c.ObservedAt,
			ParentsKnow: c.ParentsKnow, ReferToMash: c.ReferToMash, Pupil: pupilFormat(c.Pupil)}
	}
	return out
}

// signedExport is the file a force receives: the bundle and its signature.
type signedExport struct {
	Bundle    json.RawMessage `json:"bundle"`
	Signature exportSignature `json:"signature"`
}

type exportSignature struct {
	Alg   string `json:"alg"`
	Kid   string `json:"kid"`
	Value string `json:"value"`
}

// exportSigAlg is the only signature algorithm of ExportFormat.
const exportSigAlg = "Ed25519"

// signedMessage is what a bundle's signature covers: a fixed prefix and
// the bundle's JSON without insignificant white space, so re-indenting the
// file keeps it valid while any change of a value breaks it.
func signedMessage(bundle []byte) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("speaksafe case export v1\x00")
	if err := json.Compact(&buf, bundle); err != nil {
		return nil, fmt.Errorf("reports: export bundle is not JSON: %w", err)
	}
	return buf.Bytes(), nil
}

func signBundle(keys *ExportKeys, b *exportBundle) ([]byte, error) {
	raw, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("reports: encode export: %w", err)
	}
	msg, err := signedMessage(raw)
	if err != nil {
		return nil, err
	}
	kid, sig := keys.sign(msg)
	out, err := json.MarshalIndent(signedExport{Bundle: raw, Signature: exportSignature{Alg: exportSigAlg, Kid: kid,
		Value: base64.RawURLEncoding.EncodeToString(sig)}}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("reports: encode export: %w", err)
	}
	return append(out, '\n'), nil
}

// ExportSummary is what VerifyExport read from a genuine bundle.
type ExportSummary struct {
	Reference  string
	Kid        string
	ExportedAt time.Time
	ExportedBy string
}

// ErrExportSignature is the error of a bundle whose signature does not
// verify under any of the keys: it was changed, or signed elsewhere.
var ErrExportSignature = errors.New("reports: export bundle signature does not verify")

// VerifyExport checks the signature of the export file data under keys
// and answers what the bundle says about itself; ErrExportSignature (or a
// format error) otherwise.
func VerifyExport(keys *ExportKeys, data []byte) (ExportSummary, error) {
	var f signedExport
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil || len(f.Bundle) == 0 {
		return ExportSummary{}, fmt.Errorf("reports: not an export file: %v", err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(f.Signature.Value)
	if err != nil || f.Signature.Alg != exportSigAlg {
		return ExportSummary{}, ErrExportSignature
	}
	msg, err := signedMessage(f.Bundle)
	if err != nil {
		return ExportSummary{}, err
	}
	if !keys.verify(f.Signature.Kid, msg, sig) {
		return ExportSummary{}, ErrExportSignature
	}
	var b struct {
		Format     string    `json:"format"`
		ExportedAt time.Time `json:"exportedAt"`
		ExportedBy string    `json:"exportedBy"`
		Case       struct {
			Reference string `json:"reference"`
		} `json:"case"`
	}
	if err := json.Unmarshal(f.Bundle, &b); err != nil || b.Format != ExportFormat {
		return ExportSummary{}, fmt.Errorf("reports: signed, but not a %s bundle", ExportFormat)
	}
	return ExportSummary{Reference: b.Case.Reference, Kid: f.Signature.Kid, ExportedAt: b.ExportedAt, ExportedBy: b.ExportedBy}, nil
}
