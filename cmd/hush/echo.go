package main

import (
	"fmt"
	"io"
	"regexp"
)

// buildah echoes each instruction whole ("STEP 2/3: RUN ..."): a 1 MiB RUN
// line would be a 1 MiB line of progress. stepEcho cuts echoed instruction
// lines at maxEcho bytes and passes every other line (a step's own output)
// through unchanged and undelayed: only a line that starts like an echo
// ('S' or '[') is held, for at most its first 24 bytes, until it is known.

const maxEcho = 512

var echoLine = regexp.MustCompile(`^(\[\d+/\d+\] )?STEP \d`)

type stepEcho struct {
	w       io.Writer
	pending []byte // the start of a line not yet known to be an echo
	state   int    // lineStart, holding, passing, echo
	n       int    // bytes of the echo line written
	cut     int    // bytes of the echo line dropped
}

const (
	lineStart = iota
	holding
	passing
	echo
)

func newStepEcho(w io.Writer) *stepEcho { return &stepEcho{w: w} }

func (s *stepEcho) Write(p []byte) (int, error) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch s.state {
		case lineStart:
			if c != 'S' && c != '[' {
				s.state = passing
				i-- // pass it on below
				continue
			}
			s.state = holding
			s.pending = append(s.pending[:0], c)
		case holding:
			s.pending = append(s.pending, c)
			if c != '\n' && len(s.pending) < 24 {
				continue
			}
			held := s.pending
			s.pending = s.pending[:0]
			if echoLine.Match(held) {
				s.state, s.n, s.cut = echo, 0, 0
			} else {
				s.state = passing
			}
			if err := s.emit(held); err != nil {
				return 0, err
			}
		case passing:
			j := i
			for j < len(p) && p[j] != '\n' {
				j++
			}
			if j < len(p) {
				j++ // the newline
				s.state = lineStart
			}
			if _, err := s.w.Write(p[i:j]); err != nil {
				return 0, err
			}
			i = j - 1
		case echo:
			j := i
			for j < len(p) && p[j] != '\n' {
				j++
			}
			if j < len(p) {
				j++
			}
			if err := s.emit(p[i:j]); err != nil {
				return 0, err
			}
			i = j - 1
		}
	}
	return len(p), nil
}

// emit writes b in the current state: an echo line's bytes past maxEcho
// are counted, not written; its newline says how many were cut.
func (s *stepEcho) emit(b []byte) error {
	if s.state != echo {
		if len(b) > 0 && b[len(b)-1] == '\n' {
			s.state = lineStart
		}
		_, err := s.w.Write(b)
		return err
	}
	line, nl := b, false
	if len(b) > 0 && b[len(b)-1] == '\n' {
		line, nl = b[:len(b)-1], true
	}
	keep := min(maxEcho-s.n, len(line))
	if keep > 0 {
		if _, err := s.w.Write(line[:keep]); err != nil {
			return err
		}
	}
	s.n += keep
	s.cut += len(line) - keep
	if !nl {
		return nil
	}
	s.state = lineStart
	if s.cut > 0 {
		_, err := fmt.Fprintf(s.w, " ... (%d bytes cut)\n", s.cut)
		return err
	}
	_, err := s.w.Write([]byte{'\n'})
	return err
}

// Flush writes what is held: a line start with no newline yet.
func (s *stepEcho) Flush() error {
	if len(s.pending) == 0 {
		return nil
	}
	_, err := s.w.Write(s.pending)
	s.pending = s.pending[:0]
	return err
}
