package platforms

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// BinfmtDir is where the kernel lists binfmt_misc handlers.
const BinfmtDir = "/proc/sys/fs/binfmt_misc"

// qemuNames are the binfmt_misc handler names Debian's qemu-user-static
// (and tonistiigi/binfmt) register, by Go architecture.
var qemuNames = map[string]string{
	"amd64": "qemu-x86_64", "386": "qemu-i386", "arm64": "qemu-aarch64", "arm": "qemu-arm",
	"ppc64le": "qemu-ppc64le", "s390x": "qemu-s390x", "riscv64": "qemu-riscv64",
	"mips64le": "qemu-mips64el", "loong64": "qemu-loongarch64",
}

// native are the foreign architectures a host runs without emulation.
var native = map[string][]string{"amd64": {"386"}, "arm64": {"arm"}}

// Runner says how this machine runs p's binaries: "native",
// "binfmt_misc qemu-aarch64 (/usr/libexec/qemu-binfmt/aarch64-binfmt-P)",
// or "" when it cannot. dir is BinfmtDir (tests pass another).
func Runner(p Platform, dir string) string {
	host := Host()
	if p.OS != host.OS {
		return ""
	}
	if p.Arch == host.Arch {
		return "native"
	}
	for _, a := range native[host.Arch] {
		if a == p.Arch {
			return "native"
		}
	}
	name := qemuNames[p.Arch]
	if name == "" {
		return ""
	}
	enabled, interp := handler(filepath.Join(dir, name))
	if !enabled {
		return ""
	}
	return "binfmt_misc " + name + " (" + interp + ")"
}

// handler reads a binfmt_misc entry: enabled, and its interpreter.
func handler(path string) (bool, string) {
	f, err := os.Open(path)
	if err != nil {
		return false, ""
	}
	defer f.Close()
	enabled, interp := false, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "enabled" {
			enabled = true
		}
		if v, ok := strings.CutPrefix(line, "interpreter "); ok {
			interp = v
		}
	}
	return enabled, interp
}

// Candidates are the platforms hush doctor reports on.
func Candidates() []Platform {
	return []Platform{{OS: "linux", Arch: "amd64"}, {OS: "linux", Arch: "arm64"}, {OS: "linux", Arch: "arm", Variant: "v7"},
		{OS: "linux", Arch: "ppc64le"}, {OS: "linux", Arch: "s390x"}, {OS: "linux", Arch: "riscv64"}}
}

// EnableHint is how to let RUN run foreign platforms' binaries.
func EnableHint(dir string) string {
	if _, err := os.Stat(filepath.Join(dir, "register")); err != nil {
		return "mount binfmt_misc (mount -t binfmt_misc binfmt_misc " + dir + ") and apt-get install qemu-user-static binfmt-support"
	}
	return "apt-get install qemu-user-static binfmt-support; installed but not registered (in a container): as root, grep -v '^#' /usr/lib/binfmt.d/qemu-ARCH.conf > " + dir + "/register"
}
