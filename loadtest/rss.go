package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// readStatusKB reads a field (VmRSS, VmHWM) of /proc/<pid>/status in bytes.
func readStatusKB(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			fields := strings.Fields(rest)
			if len(fields) > 0 {
				n, _ := strconv.ParseInt(fields[0], 10, 64)
				return n * 1024
			}
		}
	}
	return 0
}

// sampler records the peak VmRSS of a process while a row runs.
type sampler struct {
	pid  int
	stop chan struct{}
	wg   sync.WaitGroup
	mu   sync.Mutex
	peak int64
}

func startSampler(pid int) *sampler {
	s := &sampler{pid: pid, stop: make(chan struct{})}
	if pid <= 0 {
		return s
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			s.take()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *sampler) take() {
	v := readStatusKB(s.pid, "VmRSS")
	s.mu.Lock()
	s.peak = max(s.peak, v)
	s.mu.Unlock()
}

// Stop ends sampling and returns the peak in bytes.
func (s *sampler) Stop() int64 {
	close(s.stop)
	s.wg.Wait()
	if s.pid > 0 {
		s.take()
	}
	return s.peak
}

// pidListening finds the process that listens on the TCP port of addr, by
// matching the socket inode in /proc/net/tcp{,6} with /proc/*/fd links.
func pidListening(port int) (int, error) {
	inodes := map[string]bool{}
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 || f[3] != "0A" { // 0A = LISTEN
				continue
			}
			i := strings.LastIndex(f[1], ":")
			p, err := strconv.ParseInt(f[1][i+1:], 16, 32)
			if err == nil && int(p) == port {
				inodes["socket:["+f[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("no listener on port %d", port)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range procs {
		link, err := os.Readlink(fd)
		if err == nil && inodes[link] {
			pid, _ := strconv.Atoi(strings.Split(fd, "/")[2])
			return pid, nil
		}
	}
	return 0, fmt.Errorf("listener on port %d belongs to no visible process", port)
}
