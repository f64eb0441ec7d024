// Package logsink owns the process-wide log of the libraries under hush:
// storage, containers/image and parts of buildah log through logrus's one
// standard logger, with no way to tell which build a line belongs to. The
// sink sits in front of that logger's output once per process and redacts
// every line with the patterns of every build running at that moment.
//
// It must not import builder or any other builder subsystem, audit, or
// the CLI: it knows secrets and patterns, nothing of builds.
package logsink

import (
	"io"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/hushbuild/hush/secrets"
	"github.com/hushbuild/hush/secrets/pattern"
)

// sink redacts logrus's lines with the live builds' patterns.
type sink struct {
	mu    sync.Mutex
	out   io.Writer
	vals  map[*int][]secrets.Secret // each running build's secrets, by a token
	union *pattern.Set              // every live build's patterns; nil when none
}

var (
	proc     = &sink{vals: map[*int][]secrets.Secret{}}
	procOnce sync.Once
)

// Install puts the sink in front of logrus's standard output, once per
// process, and keeps the libraries under hush to warnings.
func Install() {
	procOnce.Do(func() {
		proc.mu.Lock()
		if proc.out == nil {
			proc.out = logrus.StandardLogger().Out
		}
		proc.mu.Unlock()
		logrus.SetOutput(proc)
		logrus.SetLevel(logrus.WarnLevel)
	})
}

// SetOutput sets where the redacted log goes and installs the sink.
func SetOutput(w io.Writer) {
	proc.mu.Lock()
	proc.out = w
	proc.mu.Unlock()
	Install()
}

// Register adds a build's secrets to the sink's patterns until the
// returned func is called (before the values are wiped).
func Register(secs []secrets.Secret) (unregister func()) {
	return proc.register(secs)
}

func (l *sink) register(secs []secrets.Secret) (unregister func()) {
	if len(secs) == 0 {
		return func() {}
	}
	tok := new(int)
	l.mu.Lock()
	l.vals[tok] = secs
	l.rebuild()
	l.mu.Unlock()
	return func() {
		l.mu.Lock()
		delete(l.vals, tok)
		l.rebuild()
		l.mu.Unlock()
	}
}

// rebuild makes the union of the live builds' patterns; l.mu is held.
func (l *sink) rebuild() {
	var all []secrets.Secret
	for _, secs := range l.vals {
		all = append(all, secs...)
	}
	if len(all) == 0 {
		l.union = nil
		return
	}
	l.union = pattern.NewSet(all...)
}

// Write redacts one log entry (logrus writes each in one call) and passes
// it on.
func (l *sink) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.out == nil {
		return len(p), nil
	}
	if l.union == nil || l.union.Len() == 0 {
		return l.out.Write(p)
	}
	if _, err := l.out.Write([]byte(l.union.RedactString(string(p)))); err != nil {
		return 0, err
	}
	return len(p), nil
}
