package stepshm

import (
	"bytes"
	"testing"

	"golang.org/x/sys/unix"
)

// The configuration buildah's helper reads back is byte for byte what it
// was handed, however large (beyond one pipe buffer), and the original
// slice is wiped once written.
func TestPutBackRoundTrip(t *testing.T) {
	const fd = 100 // far from anything the test binary holds
	want := bytes.Repeat([]byte(`{"Spec":{"root":{"path":"/r"}}}`), 10000)
	conf := bytes.Clone(want)
	if err := putBack(conf, fd); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	got, err := readAll(fd)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes, want the %d written", len(got), len(want))
	}
	if !bytes.Equal(conf, make([]byte, len(conf))) {
		t.Error("the configuration was not wiped after it was written")
	}
	flags, err := unix.FcntlInt(fd, unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("fd %d flags %d, %v: want close-on-exec, so no step inherits it", fd, flags, err)
	}
}
