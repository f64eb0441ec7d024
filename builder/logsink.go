package builder

import (
	"io"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/hushbuild/hush/secrets"
	"github.com/hushbuild/hush/secrets/pattern"
)

// buildah builds each build's own logger on Options.Stderr, but storage,
// containers/image and parts of buildah log through logrus's standard
// logger, one per process, with no way to tell which build a line belongs
// to. So hush never points it at a build: once per process it puts
// sharedLog in front of the logger's output, which redacts every line with
// the patterns of every build running at that moment.
type sharedLog struct {
	mu    sync.Mutex
	out   io.Writer
	vals  map[*int][]secrets.Secret // each running build's secrets, by a token
	union *pattern.Set              // every live build's patterns; nil when none
}

var (
	procLog     = &sharedLog{vals: map[*int][]secrets.Secret{}}
	procLogOnce sync.Once
)

// installLog puts procLog in front of logrus's standard output, once, and
// keeps the libraries under hush to warnings.
func installLog() {
	procLogOnce.Do(func() {
		procLog.mu.Lock()
		if procLog.out == nil {
			procLog.out = logrus.StandardLogger().Out
		}
		procLog.mu.Unlock()
		logrus.SetOutput(procLog)
		logrus.SetLevel(logrus.WarnLevel)
	})
}

// SetLogOutput sets where the process-wide log of the libraries under hush
// (storage, containers/image) goes, redacted with the secrets of every
// build running at the time; default: logrus's output when the first build
// starts (os.Stderr unless the program changed it). Call it before any
// build: it is process state, not a build's.
func SetLogOutput(w io.Writer) {
	procLog.mu.Lock()
	procLog.out = w
	procLog.mu.Unlock()
	installLog()
}

// register adds a build's secrets to the shared log's patterns until the
// returned func is called (before the values are wiped).
func (l *sharedLog) register(secs []secrets.Secret) (unregister func()) {
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
func (l *sharedLog) rebuild() {
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
func (l *sharedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.out == nil {
		return len(p), nil
	}
	if l.union == nil || l.union.Len() == 0 {
		return l.out.Write(p)
	}
	if _, err := l.out.Write([]byte(redactString(l.union, string(p)))); err != nil {
		return 0, err
	}
	return len(p), nil
}
