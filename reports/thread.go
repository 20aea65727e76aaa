package reports

import (
	"context"
	"fmt"
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
// the queue scans small documents. _id is the case id.
type threadDoc struct {
	ID       string     `bson:"_id"`
	Messages []entryDoc `bson:"messages,omitempty"`
	Notes    []entryDoc `bson:"notes,omitempty"`
}

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

func (s *Store) loadThread(ctx context.Context, caseID string) (*threadDoc, error) {
	var t threadDoc
	err := s.coll(collThreads).FindOne(ctx, bson.D{{Key: "_id", Value: caseID}}).Decode(&t)
	if database.IsNotFound(err) {
		return &threadDoc{ID: caseID}, nil
	}
	if err != nil {
		return nil, dbErr("load thread", err)
	}
	return &t, nil
}

func checkBody(field, body string, max int) (string, error) {
	body = strings.TrimSpace(body)
	v := &errkind.ValidationError{}
	checkText(v, field, body, max, true)
	return body, v.Err()
}

// appendEntry seals body and pushes it onto list ("messages" or "notes") of
// the case's thread. The caller holds the case lock: the count check and the
// push are then one step within this process, and $push itself is atomic on
// MongoDB.
func (s *Store) appendEntry(ctx context.Context, caseID, list string, e entryDoc, max int) error {
	t, err := s.loadThread(ctx, caseID)
	if err != nil {
		return err
	}
	n := len(t.Messages)
	if list == "notes" {
		n = len(t.Notes)
	}
	if n >= max {
		return fmt.Errorf("reports: case %s has %d %s, the most it may hold: %w", caseID, n, list, errkind.Conflict)
	}
	filter := bson.D{{Key: "_id", Value: caseID}}
	push := bson.D{{Key: "$push", Value: bson.D{{Key: list, Value: e}}}}
	_, err = s.coll(collThreads).UpdateOne(ctx, filter, push, options.UpdateOne().SetUpsert(true))
	if database.IsDuplicateKey(err) {
		// The thread was created by a concurrent first message: push again.
		_, err = s.coll(collThreads).UpdateOne(ctx, filter, push)
	}
	if err != nil {
		return dbErr("append to thread", err)
	}
	return nil
}

func (s *Store) newEntry(caseID string, from Author, by, body string, field func(string) string) (entryDoc, error) {
	id, err := newID()
	if err != nil {
		return entryDoc{}, err
	}
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
