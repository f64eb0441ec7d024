package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"sync"
	"time"
)

// progressWriter returns where build output goes: stderr as is (plain), or
// one JSON object per line (json) for CI systems that parse logs. done
// flushes a final partial line.
func progressWriter(mode string, stderr io.Writer) (io.Writer, func()) {
	if mode != "json" {
		return stderr, func() {}
	}
	j := &jsonLines{w: stderr}
	return j, j.flush
}

type jsonLines struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

type event struct {
	Time    string `json:"time"`
	Type    string `json:"type"`
	Message string `json:"message"`
}

func (j *jsonLines) Write(p []byte) (int, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.buf = append(j.buf, p...)
	for {
		i := bytes.IndexByte(j.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		if err := j.emit(string(j.buf[:i])); err != nil {
			return 0, err
		}
		j.buf = j.buf[i+1:]
	}
}

func (j *jsonLines) emit(line string) error {
	typ := "log"
	switch {
	case strings.HasPrefix(line, "STEP "), strings.HasPrefix(line, "[") && strings.Contains(line, "] STEP "):
		typ = "step"
	case strings.HasPrefix(line, "hush: warning: "), strings.HasPrefix(line, "warning: "):
		// A CI log parser can surface these without reading every line.
		typ = "warning"
	}
	b, _ := json.Marshal(event{Time: time.Now().UTC().Format(time.RFC3339Nano), Type: typ, Message: line})
	_, err := j.w.Write(append(b, '\n'))
	return err
}

func (j *jsonLines) flush() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if len(j.buf) > 0 {
		_ = j.emit(string(j.buf))
		j.buf = nil
	}
}
