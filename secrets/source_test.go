package secrets

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const sourceCanary = "hushcanary-source-3b9e41d0"

// noValue fails when any form of the canary shows in s.
func noValue(t *testing.T, what, s string) {
	t.Helper()
	for _, f := range []string{sourceCanary, hex.EncodeToString([]byte(sourceCanary)), base64.StdEncoding.EncodeToString([]byte(sourceCanary))[:16]} {
		if strings.Contains(strings.ToLower(s), strings.ToLower(f)) {
			t.Errorf("%s shows the value: %s", what, s)
		}
	}
}

func TestMapStore(t *testing.T) {
	m := MapStore{"tok": []byte(sourceCanary)}
	var store Store = m
	v, err := store.GetSecret(context.Background(), "tok")
	if err != nil || string(v) != sourceCanary {
		t.Fatalf("GetSecret(tok) = %d bytes, %v; want the value", len(v), err)
	}
	clear(v) // a build wipes its copy
	if string(m["tok"]) != sourceCanary {
		t.Error("wiping the returned value cleared the store's")
	}
	if _, err := store.GetSecret(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetSecret(nope) error = %v, want ErrNotFound", err)
	}
	s, err := Spec{ID: "tok"}.LoadFrom(context.Background(), m)
	if err != nil || string(s.Value()) != sourceCanary {
		t.Fatalf("LoadFrom(store) = %v, %v", s, err)
	}
	_, err = Spec{ID: "missing"}.LoadFrom(context.Background(), m)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `secret "missing"`) {
		t.Errorf("LoadFrom of an id the store lacks: %v, want ErrNotFound naming the id", err)
	}
	if _, err := (Spec{ID: "nostore"}).LoadFrom(context.Background(), nil); err == nil || !strings.Contains(err.Error(), `secret "nostore"`) {
		t.Errorf("a spec with no source and no store: %v, want an error naming the id", err)
	}
	// A spec's own source wins over the store.
	t.Setenv("HUSH_SOURCE_TEST", "from-env")
	if s, err := (Spec{ID: "tok", Env: "HUSH_SOURCE_TEST"}).LoadFrom(context.Background(), m); err != nil || string(s.Value()) != "from-env" {
		t.Errorf("env spec with a store = %v, %v; want the variable", s, err)
	}
}

func TestCommandSource(t *testing.T) {
	ctx := context.Background()
	s, err := Spec{ID: "c", Cmd: "printf %s " + sourceCanary + "; echo noise >&2"}.LoadFrom(ctx, nil)
	if err != nil || string(s.Value()) != sourceCanary {
		t.Fatalf("LoadFrom(cmd) = %d bytes, %v; want the command's stdout exactly", len(s.Value()), err)
	}
	// Output is taken as printed, newline included (as a file's content).
	if s, err := (Spec{ID: "n", Cmd: "echo " + sourceCanary}).LoadFrom(ctx, nil); err != nil || string(s.Value()) != sourceCanary+"\n" {
		t.Errorf("echo: %q, %v", s.Value(), err)
	}
	big := strings.Repeat("x", DefaultMaxSize/2)
	if s, err := (Spec{ID: "big", Cmd: "head -c " + fmt.Sprint(len(big)) + " /dev/zero | tr '\\0' x"}).LoadFrom(ctx, nil); err != nil || string(s.Value()) != big {
		t.Errorf("half a MiB: %d bytes, %v", len(s.Value()), err)
	}

	tests := []struct {
		name, cmd string
		want      []string
	}{
		// The value printed before failing, on either stream, must not
		// reach the error.
		{"failure", "printf %s " + sourceCanary + "; printf %s " + sourceCanary + " >&2; exit 3", []string{"exited with status 3"}},
		{"signal", "kill -9 $$", []string{"killed by signal 9"}},
		{"empty", "printf %s " + sourceCanary + " >&2", []string{"printed nothing"}},
		{"whitespace only", "echo; echo '  '", []string{"printed nothing"}},
		{"too long", "yes " + sourceCanary, []string{"printed more than"}},
		{"not found", "/nonexistent/hush-tool " + sourceCanary, []string{"exited with status 127"}},
	}
	for _, tt := range tests {
		_, err := Spec{ID: "id-" + tt.name, Cmd: tt.cmd}.LoadFrom(ctx, nil)
		if err == nil {
			t.Errorf("%s: no error", tt.name)
			continue
		}
		if !errors.Is(err, ErrCommand) || !strings.Contains(err.Error(), `secret "id-`+tt.name+`"`) {
			t.Errorf("%s: error %q does not name the id", tt.name, err)
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q, want %q", tt.name, err, w)
			}
		}
		noValue(t, tt.name+" error", err.Error())
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
			noValue(t, tt.name+" error "+verb, fmt.Sprintf(verb, err))
		}
	}
}

// TestCommandSourceCancel: a deadline or a cancelled context ends the
// command at once, children included (a background child holding stdout
// open must not keep the build waiting).
func TestCommandSourceCancel(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  string
	}{{"sleep", "sleep 30"}, {"child holds stdout", "sleep 30 & sleep 31; wait"}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := Spec{ID: "slow", Cmd: tc.cmd}.LoadFrom(ctx, nil)
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("LoadFrom returned %s after the deadline", took-200*time.Millisecond)
			}
			if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `secret "slow"`) || !strings.Contains(err.Error(), "did not finish") {
				t.Errorf("error = %v, want a deadline error naming the id", err)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, err := (Spec{ID: "c", Cmd: "sleep 30"}).LoadFrom(ctx, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

// TestSourceTypesNeverShowValue prints every type of the source side that
// holds a value with every verb.
func TestSourceTypesNeverShowValue(t *testing.T) {
	m := MapStore{"a": []byte(sourceCanary)}
	s, err := Spec{ID: "a"}.LoadFrom(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	buf := &wipingBuffer{limit: 100}
	_, _ = buf.Write([]byte(sourceCanary))
	for _, v := range []any{m, &m, s, &s, buf} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
			noValue(t, fmt.Sprintf("%s of %T", verb, v), fmt.Sprintf(verb, v))
		}
	}
}

func TestFileSourceBounds(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, DefaultMaxSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Spec{ID: "big", Src: big}.LoadFrom(ctx, nil)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), `secret "big"`) || !strings.Contains(err.Error(), "1 MiB") {
		t.Errorf("a file over 1 MiB: %v, want ErrTooLarge naming the id and the cap", err)
	}
	if s, err := (Spec{ID: "big", Src: big, MaxSize: 2 << 20}).LoadFrom(ctx, nil); err != nil || len(s.Value()) != DefaultMaxSize+1 {
		t.Errorf("max-size raised: %d bytes, %v", len(s.Value()), err)
	}
	for _, p := range []string{"/dev/zero", dir} {
		_, err := Spec{ID: "odd", Src: p}.LoadFrom(ctx, nil)
		if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), `secret "odd"`) {
			t.Errorf("src=%s: %v, want a not-a-regular-file error naming the id", p, err)
		}
	}
	// nonregular=true reads a device, still under the cap.
	if _, err := (Spec{ID: "zero", Src: "/dev/zero", NonRegular: true, MaxSize: 4096}).LoadFrom(ctx, nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("/dev/zero with nonregular: %v, want ErrTooLarge", err)
	}
	// A store's value is capped too.
	store := MapStore{"s": make([]byte, 100)}
	if _, err := (Spec{ID: "s", MaxSize: 10}).LoadFrom(ctx, store); !errors.Is(err, ErrTooLarge) {
		t.Errorf("store value over max-size: %v, want ErrTooLarge", err)
	}
}

// A FIFO nobody writes to blocks open(2) in the kernel: cancelling the
// context must end the load at once, and leave no reader behind.
func TestFIFOSourceCancels(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (Spec{ID: "f", Src: fifo}).LoadFrom(context.Background(), nil); err == nil || !strings.Contains(err.Error(), "a FIFO") {
		t.Fatalf("FIFO without nonregular: %v, want a refusal", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Spec{ID: "f", Src: fifo, NonRegular: true}.LoadFrom(ctx, nil)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), `secret "f"`) {
		t.Errorf("cancelled FIFO read: %v, want the context's error naming the id", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancelled FIFO read took %v", d)
	}
	// A writer makes it work (on a FIFO of its own: the cancelled reader
	// above may still be between its goroutine's start and open(2)).
	fifo = filepath.Join(t.TempDir(), "fifo2")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
			_, _ = f.WriteString(sourceCanary)
			_ = f.Close()
		}
	}()
	s, err := Spec{ID: "f", Src: fifo, NonRegular: true}.LoadFrom(context.Background(), nil)
	if err != nil || string(s.Value()) != sourceCanary {
		t.Errorf("FIFO with a writer: %d bytes, %v", len(s.Value()), err)
	}
}
