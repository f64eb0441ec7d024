package logsink

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/hushbuild/hush/secrets"
)

// TestSharedLogRedactsEveryLiveBuild: the process-wide log hides the
// secrets of every build running at the time, and a finished build's
// patterns go with it.
func TestSharedLogRedactsEveryLiveBuild(t *testing.T) {
	var out bytes.Buffer
	l := &sink{out: &out, vals: map[*int][]secrets.Secret{}}
	a := l.register([]secrets.Secret{secrets.New("a", []byte("canary-aaaa-1111"))})
	b := l.register([]secrets.Secret{secrets.New("b", []byte("canary-bbbb-2222"))})
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = l.Write([]byte("warn: a=canary-aaaa-1111 b=canary-bbbb-2222\n"))
		}()
	}
	wg.Wait()
	if s := out.String(); strings.Contains(s, "canary-") || strings.Count(s, "\n") != 8 {
		t.Errorf("log while both run:\n%s", s)
	}
	a()
	out.Reset()
	_, _ = l.Write([]byte("b=canary-bbbb-2222\n"))
	if strings.Contains(out.String(), "canary-bbbb") {
		t.Errorf("a live build's secret reached the log after another ended: %q", out.String())
	}
	b()
	out.Reset()
	_, _ = l.Write([]byte("plain line\n"))
	if out.String() != "plain line\n" {
		t.Errorf("with no build running the log is %q", out.String())
	}
}
