package database

import (
	"context"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// commandNames are the store commands counted by name; any other command
// (handshakes, index creation, operator commands) is counted as "other".
var commandNames = [...]string{"find", "insert", "update", "delete", "findAndModify", "aggregate", "count", "distinct", "getMore", "other"}

// writeCommands are the commands that change documents.
var writeCommands = map[string]bool{"insert": true, "update": true, "delete": true, "findAndModify": true}

// Commands counts the commands the app sends to the store, by name, so
// that the cost of a request in store round trips can be read from
// /metrics (speaksafe_store_commands_total) and compared with the raw
// capacity of the store. The zero value is not usable; see NewCommands.
// It is safe for concurrent use.
type Commands struct {
	counts [len(commandNames)]atomic.Uint64
	desc   *prometheus.Desc
}

// NewCommands returns a counter with every count at zero.
func NewCommands() *Commands {
	return &Commands{desc: prometheus.NewDesc("speaksafe_store_commands_total",
		"Commands sent to the store, by command name.", []string{"command"}, nil)}
}

// ClientOptions returns driver options that make every client built with
// them count its commands here.
func (c *Commands) ClientOptions() *options.ClientOptions {
	return options.Client().SetMonitor(&event.CommandMonitor{
		Started: func(_ context.Context, e *event.CommandStartedEvent) { c.count(e.CommandName) },
	})
}

func (c *Commands) count(name string) {
	for i, n := range commandNames[:len(commandNames)-1] {
		if n == name {
			c.counts[i].Add(1)
			return
		}
	}
	c.counts[len(commandNames)-1].Add(1)
}

// Writes returns how many commands that change documents were sent.
func (c *Commands) Writes() uint64 {
	var n uint64
	for i, name := range commandNames {
		if writeCommands[name] {
			n += c.counts[i].Load()
		}
	}
	return n
}

// Total returns how many commands were sent.
func (c *Commands) Total() uint64 {
	var n uint64
	for i := range commandNames {
		n += c.counts[i].Load()
	}
	return n
}

// Describe implements prometheus.Collector.
func (c *Commands) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

// Collect implements prometheus.Collector.
func (c *Commands) Collect(ch chan<- prometheus.Metric) {
	for i, name := range commandNames {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(c.counts[i].Load()), name)
	}
}
