package fakeroot

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The kernel's struct seccomp_notif and seccomp_notif_resp.
type notif struct {
	id    uint64
	pid   uint32
	flags uint32
	nr    int32
	arch  uint32
	ip    uint64
	args  [6]uint64
}

type notifResp struct {
	id    uint64
	val   int64
	error int32
	flags uint32
}

const atFDCWD = -100

// supervise answers listener's notifications on a goroutine until stop.
// ids are the step's uid and gid as it sees them.
type ids struct{ uid, gid uint32 }

func (o *Owners) supervise(listener, step int, who ids) (stop func()) {
	var wake [2]int
	if err := unix.Pipe2(wake[:], unix.O_CLOEXEC); err != nil {
		wake = [2]int{-1, -1}
	}
	done := make(chan struct{})
	cr := newCreds(step, who)
	go func() {
		defer close(done)
		defer unix.Close(listener)
		fds := []unix.PollFd{{Fd: int32(listener), Events: unix.POLLIN}, {Fd: int32(wake[0]), Events: unix.POLLIN}}
		for {
			fds[0].Revents, fds[1].Revents = 0, 0
			if _, err := unix.Poll(fds, -1); err != nil {
				if errors.Is(err, unix.EINTR) {
					continue
				}
				return
			}
			if fds[1].Revents != 0 {
				return
			}
			if fds[0].Revents&unix.POLLIN == 0 {
				if fds[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
					return // every filtered process is gone
				}
				continue
			}
			var n notif
			if err := ioctl(listener, unix.SECCOMP_IOCTL_NOTIF_RECV, unsafe.Pointer(&n)); err != nil {
				continue // the caller died (ENOENT) or a signal came
			}
			r := o.answer(listener, step, cr, &n)
			if r.flags == sent {
				continue // answered with the fd (SECCOMP_ADDFD_FLAG_SEND)
			}
			r.id = n.id
			_ = ioctl(listener, unix.SECCOMP_IOCTL_NOTIF_SEND, unsafe.Pointer(&r))
		}
	}()
	return func() {
		if wake[1] >= 0 {
			_, _ = unix.Write(wake[1], []byte{0})
		}
		<-done
		if wake[0] >= 0 {
			unix.Close(wake[0])
			unix.Close(wake[1])
		}
	}
}

func ioctl(fd int, req uint, arg unsafe.Pointer) error {
	_, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), uintptr(req), uintptr(arg))
	if e != 0 {
		return e
	}
	return nil
}

// call is one caught syscall: its process's memory and paths.
type call struct {
	listener int
	n        *notif
	mem      *os.File
	tr       *translation
	step     int // the step's first process
	cr       *creds
}

func (c *call) valid() bool {
	id := c.n.id
	return ioctl(c.listener, unix.SECCOMP_IOCTL_NOTIF_ID_VALID, unsafe.Pointer(&id)) == nil
}

// str reads a NUL-terminated string at addr in the caller's memory.
func (c *call) str(addr uint64) (string, error) {
	if addr == 0 {
		return "", unix.EFAULT
	}
	var b strings.Builder
	buf := make([]byte, 256)
	for b.Len() < unix.PathMax {
		// Never across a page boundary: the next page may be unmapped.
		n := 256 - int(addr%256)
		k, err := c.mem.ReadAt(buf[:n], int64(addr))
		if k == 0 && err != nil {
			return "", unix.EFAULT
		}
		for i := 0; i < k; i++ {
			if buf[i] == 0 {
				b.Write(buf[:i])
				return b.String(), nil
			}
		}
		b.Write(buf[:k])
		addr += uint64(k)
	}
	return "", unix.ENAMETOOLONG
}

func (c *call) write(addr uint64, p []byte) error {
	if addr == 0 {
		return unix.EFAULT
	}
	if _, err := c.mem.WriteAt(p, int64(addr)); err != nil {
		return unix.EFAULT
	}
	return nil
}

// path is where (dirfd, the string at addr) leads, as a path hush can use:
// relative ones through the caller's /proc entries, /etc translated.
// emptyOK: AT_EMPTY_PATH with an empty string names dirfd itself.
func (c *call) path(dirfd int32, addr uint64, emptyOK bool) (string, error) {
	p, _, err := c.target(dirfd, addr, emptyOK)
	return p, err
}

// target is path, and whether /etc was translated in it.
func (c *call) target(dirfd int32, addr uint64, emptyOK bool) (string, bool, error) {
	p, err := c.str(addr)
	if err != nil {
		return "", false, err
	}
	if p == "" {
		if !emptyOK {
			return "", false, unix.ENOENT
		}
		return c.fdPath(dirfd), false, nil
	}
	if strings.HasPrefix(p, "/") {
		t, moved := c.tr.translate(p)
		return t, moved, nil
	}
	return c.fdPath(dirfd) + "/" + p, false, nil
}

func (c *call) fdPath(fd int32) string {
	if fd == atFDCWD {
		return fmt.Sprintf("/proc/%d/cwd", c.n.pid)
	}
	return fmt.Sprintf("/proc/%d/fd/%d", c.n.pid, fd)
}

func errResp(err error) notifResp {
	var e unix.Errno
	if errors.As(err, &e) {
		return notifResp{error: -int32(e)}
	}
	return notifResp{error: -int32(unix.EIO)}
}

// cont lets the kernel run the syscall as asked.
var cont = notifResp{flags: unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE}

func (o *Owners) answer(listener, step int, cr *creds, n *notif) notifResp {
	mem, err := os.OpenFile(fmt.Sprintf("/proc/%d/mem", n.pid), os.O_RDWR, 0)
	if err != nil {
		return cont // cannot look: let the kernel decide
	}
	defer mem.Close()
	c := &call{listener: listener, n: n, mem: mem, tr: &o.tr, step: step, cr: cr}
	r, err := o.handle(c)
	if err != nil {
		return errResp(err)
	}
	return r
}
