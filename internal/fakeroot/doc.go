// Package fakeroot owns "root without root" for restricted isolation: a
// RUN step started through it believes it is root (getuid and friends
// answer 0, setuid and setgroups succeed) while its chown, fchown, lchown,
// fchownat and device mknod calls are recorded instead of refused, and the
// stat family reports the recorded owner. It works with seccomp user
// notification (seccomp(2) with SECCOMP_FILTER_FLAG_NEW_LISTENER): the
// filter needs only no_new_privs, no capability and no user namespace,
// catches static binaries (no LD_PRELOAD) and costs nothing for the
// syscalls it lets through; hush's supervisor answers the caught ones.
// PRoot's ptrace would stop on every syscall and is refused by Docker's
// default seccomp profile; Debian's fakeroot (LD_PRELOAD) misses static
// binaries and needs the step's libc (docs/container-isolation.md).
//
// Records are keyed by (device, inode, birth time): a rename (dpkg's
// .dpkg-new, useradd's /etc/passwd+) keeps them, a reused inode does not
// inherit them. The commit applies them to the layer's tar headers (Owners.
// Filter).
//
// It imports only the standard library, x/sys and storage's reexec: never
// builder, cmode or isolation. It is not a security boundary: a step runs
// as hush's own uid either way (see docs/container-isolation.md).
package fakeroot
