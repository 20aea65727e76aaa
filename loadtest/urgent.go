package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"speaksafe/fcmfake"
	"speaksafe/internal/harness"
	"speaksafe/internal/testsupport"
)

// pageClock records when each alert's first page reached the fake FCM.
type pageClock struct {
	mu    sync.Mutex
	first map[string]time.Time // alertId → first accepted page
	pages int
}

func newPageClock(fcm *fcmfake.Server) *pageClock {
	pc := &pageClock{first: map[string]time.Time{}}
	fcm.OnRequest(func(r fcmfake.Request) {
		if !r.Delivered() {
			return
		}
		data, _ := r.Message["data"].(map[string]any)
		id, _ := data["alertId"].(string)
		pc.mu.Lock()
		defer pc.mu.Unlock()
		pc.pages++
		if _, seen := pc.first[id]; !seen && id != "" {
			pc.first[id] = r.At
		}
	})
	return pc
}

func (pc *pageClock) count() int {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return len(pc.first)
}

// urgent sends urgent reports open-loop at rate per second for dur and
// measures, per report, the time from the 201 reaching the client to the
// page reaching the fake FCM (negative when the page won the race: counted
// as 0) and from sending the request to the page.
func (e *env) urgent(ctx context.Context, f harness.Force, pc *pageClock, rate int, dur time.Duration) []result {
	type sent struct {
		start, answered time.Time
		ref             string
	}
	var (
		mu     sync.Mutex
		ok     []sent
		errs   int
		sample string
		wg     sync.WaitGroup
	)
	srv, store := startSampler(e.pid), startSampler(e.storePID)
	already := pc.count() // pages of earlier rows
	stopRoutine := e.routineAlongside(ctx, f.Code, e.routineRate)
	tick := time.NewTicker(time.Second / time.Duration(rate))
	begin := time.Now()
	total := 0
	for time.Since(begin) < dur {
		<-tick.C
		total++
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			status, rc, err := e.client.SubmitReport(ctx, harness.ReportBody(f.Code, true, ""), "lt-u-"+harness.RandomHex(16))
			t1 := time.Now()
			mu.Lock()
			defer mu.Unlock()
			if err != nil || status != http.StatusCreated || !rc.Urgent {
				errs++
				if sample == "" {
					sample = fmt.Sprintf("status %d urgent %v %v", status, rc.Urgent, err)
				}
				return
			}
			ok = append(ok, sent{start: t0, answered: t1, ref: rc.Reference})
		}()
	}
	tick.Stop()
	wg.Wait()
	intakeElapsed := time.Since(begin)
	routine := stopRoutine()
	// Wait (bounded) for a page per stored report: the fake FCM is in this
	// process but the server is not, so this polls.
	_ = testsupport.Eventually(ctx, 60*time.Second, 50*time.Millisecond, func() (bool, error) {
		return pc.count() >= already+len(ok), nil
	})
	peak, storePeak := srv.Stop(), store.Stop()

	cases, err := e.client.Queue(ctx, f.Officer.Token, "")
	idOf := map[string]string{}
	for _, c := range cases {
		idOf[c.Reference] = c.ID
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	fromAnswer := result{Name: fmt.Sprintf("urgent path: 201 → page at fake FCM (%d/s open loop)", rate), Elapsed: intakeElapsed,
		PeakRSS: peak, StoreRSS: storePeak}
	fromSend := result{Name: "urgent path: request sent → page at fake FCM", Elapsed: intakeElapsed, PeakRSS: peak, StoreRSS: storePeak}
	before, missing := 0, 0
	trace := newUrgentTrace(e.urgentTrace, begin)
	defer trace.close()
	for _, s := range ok {
		at, paged := pc.first[idOf[s.ref]]
		fromAnswer.Requests++
		fromSend.Requests++
		if !paged {
			missing++
			fromAnswer.Errors++
			fromSend.Errors++
			continue
		}
		d := at.Sub(s.answered)
		if d < 0 {
			before++
			d = 0
		}
		fromAnswer.Lats = append(fromAnswer.Lats, d)
		fromSend.Lats = append(fromSend.Lats, at.Sub(s.start))
		trace.add(s.start, s.answered, at)
	}
	fromAnswer.Requests += errs
	fromAnswer.Errors += errs
	fromAnswer.Note = fmt.Sprintf("%d sent, %d got 201, %d paged, %d unpaged after 60 s, %d pages arrived before the client read its 201 (counted 0 ms); %d pages in all",
		total, len(ok), len(ok)-missing, missing, before, pc.pages)
	if routine.sent > 0 {
		fromAnswer.Note += "; " + routine.String()
		fromAnswer.Name += fmt.Sprintf(" with %d routine/s", e.routineRate)
	}
	if err != nil {
		fromAnswer.Note += "; queue lookup failed: " + err.Error()
	}
	fromAnswer.ErrSample = sample
	return []result{fromAnswer, fromSend}
}
