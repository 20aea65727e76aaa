package alerts

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the alert engine's measurements.
type Metrics struct {
	firstPage   prometheus.Histogram
	ack         prometheus.Histogram
	escalations prometheus.Counter
	gaps        prometheus.Counter
	pages       *prometheus.CounterVec
	failures    *prometheus.CounterVec
	webhooks    *prometheus.CounterVec
	unrouted    prometheus.Counter
}

// NewMetrics creates the metrics and registers them on reg (nil: not
// registered, for tests).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	buckets := []float64{.05, .1, .25, .5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600}
	m := &Metrics{
		firstPage: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "speaksafe_alert_first_page_seconds", Help: "Time from an urgent report to its first page accepted by the push service.",
			Buckets: buckets}),
		ack: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "speaksafe_alert_ack_seconds", Help: "Time from an urgent report to its acknowledgement.", Buckets: buckets}),
		escalations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "speaksafe_alert_escalations_total", Help: "Escalation steps taken after the first tier."}),
		gaps: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "speaksafe_alert_gaps_total", Help: "Tiers skipped because nobody was on call or reachable."}),
		pages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "speaksafe_alert_pages_total", Help: "Page attempts by outcome."}, []string{"outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "speaksafe_alert_page_failures_total", Help: "Failed page attempts by reason."}, []string{"reason"}),
		webhooks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "speaksafe_alert_webhooks_total", Help: "Control-room webhook attempts by outcome."}, []string{"outcome"}),
		unrouted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "speaksafe_alert_unrouted_total", Help: "Alerts opened for a force without a default escalation policy."}),
	}
	if reg != nil {
		reg.MustRegister(m.firstPage, m.ack, m.escalations, m.gaps, m.pages, m.failures, m.webhooks, m.unrouted)
	}
	return m
}
