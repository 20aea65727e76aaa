package harness

import (
	"io"
	"sync"
)

func ioPipe() (*io.PipeReader, *io.PipeWriter) { return io.Pipe() }

// teeFirstLine copies output to logs and passes everything up to the first
// newline to w (a pipe read by StartStore), then closes w.
type teeFirstLine struct {
	mu   sync.Mutex
	w    *io.PipeWriter
	logs *Logs
	done bool
}

func (t *teeFirstLine) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.done {
		for i, c := range p {
			if c == '\n' {
				_, _ = t.w.Write(p[:i+1])
				_ = t.w.Close()
				t.done = true
				break
			}
		}
		if !t.done {
			_, _ = t.w.Write(p)
		}
	}
	return t.logs.Write(p)
}
