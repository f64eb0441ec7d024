package fakeroot

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// cred is one thread's faked ids: real, effective and saved uid and gid.
// The kernel never runs a step's set*id calls (hush's uid could not make
// them), so the supervisor keeps what they would have set: apt drops to
// _apt with setresuid and then checks that getuid and geteuid answer _apt
// and that going back to root fails; a fake root answering 0 regardless
// makes apt stop.
type cred struct{ uid, gid [3]uint32 }

func credOf(who ids) cred {
	return cred{uid: [3]uint32{who.uid, who.uid, who.uid}, gid: [3]uint32{who.gid, who.gid, who.gid}}
}

// creds is one step's table of faked ids, by thread id; a thread it has
// not seen takes its thread group leader's ids, a leader its parent's (as
// clone copies them), and the step's first process the step's. One per
// supervisor goroutine: no locking.
type creds struct {
	base  cred
	step  int
	procs map[int]credEntry
}

// credEntry remembers the thread's start time: a reused thread id is a
// different thread.
type credEntry struct {
	c     cred
	start string
}

func newCreds(step int, who ids) *creds {
	return &creds{base: credOf(who), step: step, procs: map[int]credEntry{}}
}

// get is thread tid's ids.
func (t *creds) get(tid int) cred { return t.lookup(tid, 0) }

func (t *creds) lookup(tid, depth int) cred {
	start, ppid, tgid, ok := taskInfo(tid)
	if !ok || depth > 64 {
		return t.base
	}
	if e, hit := t.procs[tid]; hit && e.start == start {
		return e.c
	}
	c := t.base
	switch {
	case tgid != tid:
		c = t.lookup(tgid, depth+1)
	case tid != t.step && ppid > 1:
		c = t.lookup(ppid, depth+1)
	}
	t.procs[tid] = credEntry{c: c, start: start}
	return c
}

func (t *creds) set(tid int, c cred) {
	start, _, _, _ := taskInfo(tid)
	t.procs[tid] = credEntry{c: c, start: start}
}

// taskInfo reads a thread's start time, parent and thread group.
func taskInfo(tid int) (start string, ppid, tgid int, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", tid))
	if err != nil {
		return "", 0, 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return "", 0, 0, false
	}
	f := bytes.Fields(b[i+1:]) // from field 3 (state) on
	if len(f) < 20 {
		return "", 0, 0, false
	}
	ppid, _ = strconv.Atoi(string(f[1]))
	start = string(f[19])
	tgid = tid
	if s, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", tid)); err == nil {
		if j := bytes.Index(s, []byte("\nTgid:")); j >= 0 {
			if g := bytes.Fields(s[j+6:]); len(g) > 0 {
				tgid, _ = strconv.Atoi(string(g[0]))
			}
		}
	}
	return start, ppid, tgid, true
}

// keep is the -1 of set*id: leave the id as it is.
const keep = 0xffffffff

// setids applies setuid/setgid (n 1), setreuid/setregid (n 2) or
// setresuid/setresgid (n 3) with Linux's rules: a thread whose effective
// uid is 0 sets anything; any other may only pick among its current real,
// effective and saved ids.
func setids(c *cred, gid bool, n int, args []uint32) error {
	ids := &c.uid
	if gid {
		ids = &c.gid
	}
	priv := c.uid[1] == 0
	cur := *ids
	allowed := func(v uint32) bool { return priv || v == cur[0] || v == cur[1] || v == cur[2] }
	next := cur
	switch n {
	case 1:
		v := args[0]
		if priv {
			next = [3]uint32{v, v, v}
		} else if v == cur[0] || v == cur[2] {
			next[1] = v
		} else {
			return unix.EPERM
		}
	case 2:
		r, e := args[0], args[1]
		if r != keep {
			if !priv && r != cur[0] && r != cur[1] {
				return unix.EPERM
			}
			next[0] = r
		}
		if e != keep {
			if !allowed(e) {
				return unix.EPERM
			}
			next[1] = e
		}
		if r != keep || (e != keep && e != cur[0]) {
			next[2] = next[1]
		}
	case 3:
		for i, v := range args[:3] {
			if v == keep {
				continue
			}
			if !allowed(v) {
				return unix.EPERM
			}
			next[i] = v
		}
	}
	*ids = next
	return nil
}
