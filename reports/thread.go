package reports

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"speaksafe/database"
	"speaksafe/errkind"
)

// Caps on a case's thread keep its document well inside MongoDB's limit.
const (
	MaxMessagesPerCase = 500
	MaxNotesPerCase    = 500
	MaxNote            = 4000
)

// Author says who wrote a message.
type Author string

// Authors of messages.
const (
	AuthorReporter Author = "reporter"
	AuthorStaff    Author = "staff"
)

// Message is one message between the reporter and the officers.
type Message struct {
	ID   string
	From Author
	// By is the member of staff who wrote it; never shown to the reporter.
	By   string
	At   time.Time
	Body string
}

// Note is a private note of the officers; the reporter never sees notes.
type Note struct {
	ID   string
	By   string
	At   time.Time
	Body string
}

// threadDoc holds a case's messages and notes, apart from the case so that
// the queue scans small documents. _id is the case id. It is a copy: each
// entry is first recorded in the event of the case version that added it,
// and Version is the newest such version the document holds.
type threadDoc struct {
	ID       string     `bson:"_id"`
	Version  int64      `bson:"version,omitempty"`
	Messages []entryDoc `bson:"messages,omitempty"`
	Notes    []entryDoc `bson:"notes,omitempty"`
}

// The lists of a thread.
const (
	listMessages = "messages"
	listNotes    = "notes"
)

type entryDoc struct {
	ID   string    `bson:"id"`
	From Author    `bson:"from,omitempty"`
	By   string    `bson:"by,omitempty"`
	At   time.Time `bson:"at"`
	Body string    `bson:"body"`
}

// Each message and note is bound to its case and its own id, so a
// ciphertext cannot be moved to another message either.
func messageField(id string) string { return "message:" + id }
func noteField(id string) string    { return "note:" + id }

// loadThread returns the thread of case d as of d.ThreadVersion. When the
// thread document is behind (its writer crashed, or an older version's
// write landed last) the missing entries are read from their events, whose
// PrevThread links lead from the newest back to the document's version,
// and the document is written again.
func (s *Store) loadThread(ctx context.Context, d *caseDoc) (*threadDoc, error) {
	found, err := database.FindByID[threadDoc](ctx, s.coll(collThreads), d.ID, nil)
	if err != nil {
		return nil, dbErr("load thread", err)
	}
	t := &found
	t.ID = d.ID
	if t.Version >= d.ThreadVersion {
		return t, nil
	}
	var missing []*caseEvent
	for v := d.ThreadVersion; v > t.Version; {
		ev, err := s.event(ctx, d.ID, v)
		if err != nil {
			return nil, err
		}
		if ev == nil || ev.Entry == nil {
			return nil, fmt.Errorf("reports: case %s: thread event %d is missing", d.ID, v)
		}
		missing = append(missing, ev)
		v = ev.PrevThread
	}
	for _, ev := range slices.Backward(missing) {
		if ev.List == listNotes {
			t.Notes = append(t.Notes, *ev.Entry)
		} else {
			t.Messages = append(t.Messages, *ev.Entry)
		}
	}
	t.Version = d.ThreadVersion
	return t, s.writeThread(ctx, t)
}

// writeThread replaces the thread document whole; newer or older, a racing
// write of the same case is repaired by the next loadThread.
func (s *Store) writeThread(ctx context.Context, t *threadDoc) error {
	filter := bson.D{{Key: "_id", Value: t.ID}}
	_, err := s.coll(collThreads).ReplaceOne(ctx, filter, t, options.Replace().SetUpsert(true))
	if database.IsDuplicateKey(err) {
		// A concurrent writer created it first: replace theirs.
		_, err = s.coll(collThreads).ReplaceOne(ctx, filter, t)
	}
	if err != nil {
		return dbErr("write thread", err)
	}
	return nil
}

func checkBody(field, body string, max int) (string, error) {
	body = strings.TrimSpace(body)
	v := &errkind.ValidationError{}
	checkText(v, field, body, max, true)
	return body, v.Err()
}

func (s *Store) newEntry(caseID string, from Author, by, body string, field func(string) string) (entryDoc, error) {
	id := database.NewID()
	sealed, err := s.keys.SealString(caseID, field(id), body)
	if err != nil {
		return entryDoc{}, err
	}
	return entryDoc{ID: id, From: from, By: by, At: s.now().UTC(), Body: sealed}, nil
}

func (s *Store) openMessages(caseID string, docs []entryDoc, withAuthor bool) ([]Message, error) {
	out := make([]Message, 0, len(docs))
	for _, d := range docs {
		body, err := s.openString(caseID, messageField(d.ID), d.Body)
		if err != nil {
			return nil, err
		}
		m := Message{ID: d.ID, From: d.From, At: d.At, Body: body}
		if withAuthor {
			m.By = d.By
		}
		out = append(out, m)
	}
	return out, nil
}

func (s *Store) openNotes(caseID string, docs []entryDoc) ([]Note, error) {
	out := make([]Note, 0, len(docs))
	for _, d := range docs {
		body, err := s.openString(caseID, noteField(d.ID), d.Body)
		if err != nil {
			return nil, err
		}
		out = append(out, Note{ID: d.ID, By: d.By, At: d.At, Body: body})
	}
	return out, nil
}
