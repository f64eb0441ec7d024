package fakeroot

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"time"

	"go.podman.io/storage/pkg/reexec"
	"golang.org/x/sys/unix"
)

// shimName is the re-exec entry point a step starts through: it installs
// the filter on itself, hands the listener to hush over fd 3 and execs
// the step, which keeps the filter (and its children inherit it).
const shimName = "hush-fakeroot-shim"

func init() { reexec.Register(shimName, shimMain) }

func shimMain() {
	runtime.LockOSThread() // the filter is this thread's; exec keeps it
	fail := func(err error) {
		fmt.Fprintf(os.Stderr, "hush: fake root: %v\n", err)
		os.Exit(126)
	}
	if len(os.Args) < 3 {
		fail(errors.New("no command"))
	}
	fd, err := install()
	if err != nil {
		fail(err)
	}
	if err := unix.Sendmsg(3, []byte{0}, unix.UnixRights(fd), nil, 0); err != nil {
		fail(fmt.Errorf("handing over the listener: %w", err))
	}
	_ = unix.Close(fd)
	_ = unix.Close(3)
	err = unix.Exec(os.Args[1], os.Args[2:], os.Environ())
	fail(fmt.Errorf("exec %s: %w", os.Args[1], err))
}

// Start starts cmd under the fake root: through the shim, with o's
// supervisor answering its caught syscalls until stop is called (after
// cmd was waited for and whatever it left was reaped).
func (o *Owners) Start(cmd *exec.Cmd) (stop func(), err error) { return o.StartAs(cmd, 0, 0) }

// StartAs is Start for a step of USER uid:gid: getuid and friends answer
// those (ClaimNew then gives it what it made).
func (o *Owners) StartAs(cmd *exec.Cmd, uid, gid int) (stop func(), err error) {
	if err := Supported(); err != nil {
		return nil, err
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "fakeroot"), os.NewFile(uintptr(fds[1]), "fakeroot-shim")
	defer ours.Close()
	self, err := os.Executable()
	if err != nil {
		theirs.Close()
		return nil, err
	}
	cmd.Args = append([]string{shimName, cmd.Path}, cmd.Args...)
	cmd.Path = self
	cmd.ExtraFiles = append([]*os.File{theirs}, cmd.ExtraFiles...)
	err = cmd.Start()
	theirs.Close()
	if err != nil {
		return nil, err
	}
	listener, err := receiveFD(ours)
	if err != nil {
		_ = cmd.Process.Kill()
		return nil, fmt.Errorf("fake root: the step's filter did not arrive: %w", err)
	}
	return o.supervise(listener, cmd.Process.Pid, ids{uint32(uid), uint32(gid)}), nil
}

// receiveFD reads the listener the shim sends; EOF means the shim failed
// (it said why on the step's stderr).
func receiveFD(f *os.File) (int, error) {
	_ = f.SetReadDeadline(time.Now().Add(time.Minute))
	buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
	rc, err := f.SyscallConn()
	if err != nil {
		return -1, err
	}
	var n, oobn int
	var rerr error
	if err := rc.Read(func(fd uintptr) bool {
		n, oobn, _, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_CMSG_CLOEXEC)
		return !errors.Is(rerr, unix.EAGAIN)
	}); err != nil {
		return -1, err
	}
	if rerr != nil {
		return -1, rerr
	}
	if n == 0 || oobn == 0 {
		return -1, errors.New("the shim exited first")
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return -1, fmt.Errorf("bad control message: %v", err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return -1, fmt.Errorf("bad rights: %v", err)
	}
	return fds[0], nil
}
