// Package alerts pages people: the alert engine (Dispatcher) that opens an
// urgent case's alert, pages the on-call tiers of its escalation policy,
// retries, folds floods into digests, re-pages supervisors and stops on
// acknowledgement; and the senders it pages through (FCM, signed
// control-room webhooks, the log when no push is configured), which the
// reminder and overdue-referral pagers use too.
//
// It reads who is on call from package oncall and where to reach them from
// package devices; neither of them imports it.
package alerts
