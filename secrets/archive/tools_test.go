package archive

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hushbuild/hush/secrets/pattern"
)

// Data written by the real tools (scripts/deps.sh installs them): Debian
// and rpm packages, cpio archives, git packs after gc, zstd with a long
// window, xz with a BCJ filter, streams at offsets and concatenated.

const canary = "hushcanary-formats-Q7x2Lm9Vb4Nz8Kp3Wd6Rt1Yh5"

// tool runs name in dir with stdin and returns its output; the test fails
// when the tool is missing (scripts/deps.sh installs it).
func tool(t *testing.T, dir string, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is not installed: run scripts/deps.sh", name)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Env = append(os.Environ(), "LC_ALL=C", "HOME="+dir, "GIT_CONFIG_NOSYSTEM=1")
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, errb.String())
	}
	return out.Bytes()
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// filler is text that compresses like a config file's.
func filler(lines int) string {
	var b strings.Builder
	for i := range lines {
		b.WriteString("setting_" + strings.Repeat("x", i%7) + " = value number " + string(rune('a'+i%26)) + "\n")
	}
	return b.String()
}

// payload writes dir/etc/app/config holding the canary.
func payload(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "etc/app/config")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(filler(300)+"token = "+canary+"\n"+filler(300)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

type toolCase struct {
	name       string
	body       func(t *testing.T, dir string) []byte
	want       string // a finding's path; "" for none
	incomplete bool
}

func TestToolFormats(t *testing.T) {
	set := pattern.NewSet(New("canary", []byte(canary)))
	cases := append(unixCases(), streamCases()...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			body := c.body(t, dir)
			if c.name == "sparse.tar" {
				// 1 GiB of holes against a 64 MiB budget.
				defer func(e, r int64) { expandLimit, expandRatio = e, r }(expandLimit, expandRatio)
				expandLimit, expandRatio = 64<<20, 0
			}
			var got []string
			err := ScanFile(set, c.name, bytes.NewReader(body), func(f Finding) { got = append(got, f.Path) })
			if c.want != "" && len(got) > 1 && slices.Contains(got, c.name) && c.want != c.name {
				t.Errorf("the raw scan reported what a decoder did: %q", got)
			}
			if c.incomplete != errors.Is(err, ErrIncomplete) || (err != nil && !errors.Is(err, ErrIncomplete)) {
				t.Errorf("error %v, want incomplete %v", err, c.incomplete)
			}
			if err != nil && strings.Contains(err.Error(), canary) {
				t.Errorf("the error holds the value")
			}
			if c.want != "" && !slices.Contains(got, c.want) {
				t.Errorf("no finding at %q in %q", c.want, got)
			}
		})
	}
}

func unixCases() []toolCase {
	deb := func(z string) func(t *testing.T, dir string) []byte {
		return func(t *testing.T, dir string) []byte {
			pkg := filepath.Join(dir, "pkg")
			payload(t, pkg)
			_ = os.MkdirAll(filepath.Join(pkg, "DEBIAN"), 0o755)
			ctl := "Package: hushtest\nVersion: 1\nArchitecture: all\nMaintainer: T <t@example.com>\nDescription: t\n"
			if err := os.WriteFile(filepath.Join(pkg, "DEBIAN/control"), []byte(ctl), 0o644); err != nil {
				t.Fatal(err)
			}
			tool(t, dir, nil, "dpkg-deb", "--root-owner-group", "-Z"+z, "--build", "pkg", "out.deb")
			return readFile(t, filepath.Join(dir, "out.deb"))
		}
	}
	cpio := func(format string) func(t *testing.T, dir string) []byte {
		return func(t *testing.T, dir string) []byte {
			payload(t, filepath.Join(dir, "root"))
			list := tool(t, filepath.Join(dir, "root"), nil, "find", ".")
			return tool(t, filepath.Join(dir, "root"), list, "cpio", "--quiet", "-o", "-H", format)
		}
	}
	return []toolCase{
		{"deb-xz.deb", deb("xz"), "deb-xz.deb!data.tar.xz!./etc/app/config", false},
		{"deb-gzip.deb", deb("gzip"), "deb-gzip.deb!data.tar.gz!./etc/app/config", false},
		{"deb-none.deb", deb("none"), "deb-none.deb!data.tar!./etc/app/config", false},
		{"newc.cpio", cpio("newc"), "newc.cpio!etc/app/config", false},
		{"odc.cpio", cpio("odc"), "odc.cpio!etc/app/config", false},
		{"crc.cpio", cpio("crc"), "crc.cpio!etc/app/config", false},
		{"initrd.img", func(t *testing.T, dir string) []byte {
			// An early uncompressed cpio (microcode), then the gzipped
			// main one, as update-initramfs writes them.
			early := filepath.Join(dir, "early/kernel/x86/microcode")
			_ = os.MkdirAll(early, 0o755)
			_ = os.WriteFile(filepath.Join(early, "GenuineIntel.bin"), bytes.Repeat([]byte{0x5a, 0xa5}, 3000), 0o644)
			one := tool(t, filepath.Join(dir, "early"), tool(t, filepath.Join(dir, "early"), nil, "find", "."), "cpio", "--quiet", "-o", "-H", "newc")
			payload(t, filepath.Join(dir, "main"))
			two := tool(t, filepath.Join(dir, "main"), tool(t, filepath.Join(dir, "main"), nil, "find", "."), "cpio", "--quiet", "-o", "-H", "newc")
			return append(one, tool(t, dir, two, "gzip", "-9", "-c")...)
		}, "initrd.img!etc/app/config", false},
		{"pkg.rpm", func(t *testing.T, dir string) []byte {
			src := payload(t, filepath.Join(dir, "src"))
			spec := "Name: hushtest\nVersion: 1\nRelease: 1\nSummary: t\nLicense: MIT\nBuildArch: noarch\n%description\nt\n" +
				"%install\nmkdir -p %{buildroot}/etc/app\ncp " + src + " %{buildroot}/etc/app/config\n%files\n/etc/app/config\n"
			if err := os.WriteFile(filepath.Join(dir, "t.spec"), []byte(spec), 0o644); err != nil {
				t.Fatal(err)
			}
			tool(t, dir, nil, "rpmbuild", "--quiet", "-bb", "--nodeps", "--define", "_topdir "+filepath.Join(dir, "rpm"), "t.spec")
			return readFile(t, filepath.Join(dir, "rpm/RPMS/noarch/hushtest-1-1.noarch.rpm"))
		}, "pkg.rpm!./etc/app/config", false},
		{"pack-after-gc.pack", gitGC, "pack-after-gc.pack", false},
		{"app.war", func(t *testing.T, dir string) []byte {
			payload(t, filepath.Join(dir, "classes"))
			_ = os.MkdirAll(filepath.Join(dir, "war/WEB-INF/lib"), 0o755)
			tool(t, dir, nil, "jar", "cf", "war/WEB-INF/lib/inner.jar", "-C", "classes", ".")
			tool(t, dir, nil, "jar", "cf", "app.war", "-C", "war", ".")
			return readFile(t, filepath.Join(dir, "app.war"))
		}, "app.war!WEB-INF/lib/inner.jar!etc/app/config", false},
		{"bzip2.zip", func(t *testing.T, dir string) []byte {
			payload(t, dir)
			tool(t, dir, nil, "zip", "-q", "-Z", "bzip2", "out.zip", "etc/app/config")
			return readFile(t, filepath.Join(dir, "out.zip"))
		}, "bzip2.zip!etc/app/config", false},
		{"lzma.zip", func(t *testing.T, dir string) []byte {
			// A method no decoder here opens (LZMA, as 7-Zip writes it):
			// the method field of a real zip's headers set to 14.
			payload(t, dir)
			tool(t, dir, nil, "zip", "-q", "out.zip", "etc/app/config")
			z := readFile(t, filepath.Join(dir, "out.zip"))
			for _, sig := range []string{"PK\x03\x04", "PK\x01\x02"} {
				i := bytes.Index(z, []byte(sig))
				at := i + 8
				if sig == "PK\x01\x02" {
					at = i + 10
				}
				z[at], z[at+1] = 14, 0
			}
			return z
		}, "", true},
	}
}

// gitGC commits a config holding the canary, then one with the canary
// split by an inserted line, and packs with git gc --aggressive: the old
// blob is a delta whose copies straddle the canary.
func gitGC(t *testing.T, dir string) []byte {
	git := func(args ...string) []byte {
		return tool(t, dir, nil, "git", append([]string{"-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
	}
	git("init", "-q", ".")
	f := filepath.Join(dir, "config")
	head, tail := filler(400), filler(400)
	_ = os.WriteFile(f, []byte(head+"token = "+canary+"\n"+tail), 0o644)
	git("add", "config")
	git("commit", "-q", "-m", "one")
	_ = os.WriteFile(f, []byte(head+"token = "+canary[:20]+"\n# rotated\n"+canary[20:]+"\n"+tail+"more\n"), 0o644)
	git("commit", "-q", "-am", "two")
	git("gc", "-q", "--aggressive")
	packs, _ := filepath.Glob(filepath.Join(dir, ".git/objects/pack/*.pack"))
	if len(packs) != 1 {
		t.Fatalf("packs: %q", packs)
	}
	return readFile(t, packs[0])
}

func streamCases() []toolCase {
	cfg := func(t *testing.T, dir string) []byte { return readFile(t, payload(t, dir)) }
	return []toolCase{
		{"long.zst", func(t *testing.T, dir string) []byte {
			// From a pipe, so the window is not cut to the input's size.
			return tool(t, dir, cfg(t, dir), "zstd", "-q", "--long=31", "-c")
		}, "long.zst", false},
		{"huge-window.zst", func(t *testing.T, dir string) []byte {
			// The frame's window descriptor raised to 4 GiB.
			z := tool(t, dir, cfg(t, dir), "zstd", "-q", "--long=31", "-c")
			if z[4]&0x20 != 0 {
				t.Fatal("single-segment frame")
			}
			z[5] = 22 << 3
			return z
		}, "", true},
		{"bcj.xz", func(t *testing.T, dir string) []byte {
			return tool(t, dir, cfg(t, dir), "xz", "--x86", "--lzma2", "-c")
		}, "", true},
		{"truncated.gz", func(t *testing.T, dir string) []byte {
			z := tool(t, dir, cfg(t, dir), "gzip", "-c")
			return z[:len(z)*2/3]
		}, "", true},
		{"cut-trailer.gz", func(t *testing.T, dir string) []byte {
			// The trailer and the last deflate bytes cut, from a file
			// too small to have given 1 KiB before the cut.
			z := tool(t, dir, []byte("token = "+canary+"\n"), "gzip", "-c")
			return z[:len(z)-12]
		}, "", true},
		{"offset-gzip", func(t *testing.T, dir string) []byte {
			return append([]byte("a header of some format, then a gzip stream:\n"), tool(t, dir, cfg(t, dir), "gzip", "-c")...)
		}, "offset-gzip", false},
		{"bzip2-in-binary", func(t *testing.T, dir string) []byte {
			bin := readFile(t, "/bin/true")
			b := append(append(bin, tool(t, dir, cfg(t, dir), "bzip2", "-c")...), bin...)
			return b
		}, "bzip2-in-binary", false},
		{"cat-concatenated", func(t *testing.T, dir string) []byte {
			other := []byte(filler(50))
			var b []byte
			b = append(b, tool(t, dir, other, "gzip", "-c")...)
			b = append(b, tool(t, dir, other, "xz", "-c")...)
			b = append(b, tool(t, dir, other, "zstd", "-q", "-c")...)
			b = append(b, tool(t, dir, cfg(t, dir), "bzip2", "-c")...)
			return append(b, tool(t, dir, other, "zstd", "-q", "-c")...)
		}, "cat-concatenated", false},
		{"zstd-then-gzip", func(t *testing.T, dir string) []byte {
			return append(tool(t, dir, []byte(filler(50)), "zstd", "-q", "-c"), tool(t, dir, cfg(t, dir), "gzip", "-c")...)
		}, "zstd-then-gzip", false},
		{"install.sh", func(t *testing.T, dir string) []byte {
			payload(t, filepath.Join(dir, "root"))
			stub := "#!/bin/sh\nsed '1,/^__ARCHIVE__$/d' \"$0\" | tar xjf - -C /opt\nexit 0\n__ARCHIVE__\n"
			return append([]byte(stub), tool(t, dir, nil, "tar", "-cjf", "-", "-C", "root", ".")...)
		}, "install.sh!./etc/app/config", false},
		{"shar.sh", func(t *testing.T, dir string) []byte {
			payload(t, filepath.Join(dir, "root"))
			stub := "#!/bin/sh\ntail -c +97 \"$0\" | tar xf - -C /opt\nexit 0\n"
			return append([]byte(stub), tool(t, dir, nil, "tar", "-cf", "-", "-C", "root", ".")...)
		}, "shar.sh!./etc/app/config", false},
		{"truncated.tar", func(t *testing.T, dir string) []byte {
			payload(t, filepath.Join(dir, "root"))
			tool(t, dir, nil, "truncate", "-s", "100K", "root/filler")
			b := tool(t, dir, nil, "tar", "-cf", "-", "-C", "root", ".")
			return b[:len(b)/2]
		}, "", true},
		{"sparse.tar", func(t *testing.T, dir string) []byte {
			// 1 GiB of holes around the config: the budget (lowered
			// below) counts them.
			payload(t, filepath.Join(dir, "root"))
			tool(t, dir, nil, "truncate", "-s", "1G", "root/disk.img")
			return tool(t, dir, nil, "tar", "--sparse", "--format=pax", "-cf", "-", "-C", "root", ".")
		}, "", true},
	}
}
