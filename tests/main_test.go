package tests

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// env is the suite's fixed set-up, made once per run by TestMain.
type env struct {
	hush    string // a world-readable copy of the binary under test
	repo    string // the repository root (for scripts/base.sh)
	dir     string // everything the run creates lives under here
	user    string // "" in root mode
	uid     int
	gid     int
	home    string
	runtime string // the user's XDG_RUNTIME_DIR; "" in root mode
	root    string // --root of the suite's store
	runRoot string // --runroot of the suite's store
}

var suite env

// pathEnv is the PATH every command runs with.
const pathEnv = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func TestMain(m *testing.M) {
	if err := setUp(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: set-up: %v\n", err)
		tearDown()
		os.Exit(1)
	}
	code := m.Run()
	tearDown()
	os.Exit(code)
}

func mode() string {
	if suite.user == "" {
		return "root"
	}
	return "rootless (as " + suite.user + ")"
}

func setUp() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("the e2e suite runs as root (it runs hush as root and as HUSH_E2E_USER): use scripts/e2e.sh or make test")
	}
	bin, repo, err := findHush()
	if err != nil {
		return err
	}
	suite.repo = repo
	suite.home = "/root"
	if name := os.Getenv("HUSH_E2E_USER"); name != "" {
		u, err := user.Lookup(name)
		if err != nil {
			return fmt.Errorf("HUSH_E2E_USER: %w (scripts/test-env.sh creates it)", err)
		}
		suite.user, suite.home = u.Username, u.HomeDir
		suite.uid, _ = strconv.Atoi(u.Uid)
		suite.gid, _ = strconv.Atoi(u.Gid)
		suite.runtime = fmt.Sprintf("/run/user/%d", suite.uid)
		if fi, err := os.Stat(suite.runtime); err != nil || !fi.IsDir() {
			return fmt.Errorf("XDG_RUNTIME_DIR %s is missing (scripts/test-env.sh creates it)", suite.runtime)
		}
	}
	// Not t.TempDir() nor $TMPDIR: the user must reach everything.
	if suite.dir, err = os.MkdirTemp("/tmp", "hush-e2e-"); err != nil {
		return err
	}
	if err := os.Chmod(suite.dir, 0o755); err != nil {
		return err
	}
	suite.hush = filepath.Join(suite.dir, "hush")
	if err := copyFile(bin, suite.hush, 0o755); err != nil {
		return fmt.Errorf("copying %s: %w", bin, err)
	}
	store, err := mkdirOwned(filepath.Join(suite.dir, "store"))
	if err != nil {
		return err
	}
	suite.root, suite.runRoot = filepath.Join(store, "root"), filepath.Join(store, "run")

	fmt.Printf("e2e: mode %s, hush %s, work directory %s\n", mode(), bin, suite.dir)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	base := filepath.Join(suite.dir, "base.sh")
	if err := copyFile(filepath.Join(repo, "scripts", "base.sh"), base, 0o755); err != nil {
		return err
	}
	cmd := command(ctx, nil, base, suite.hush, "--root", suite.root, "--runroot", suite.runRoot)
	cmd.Dir = suite.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("scripts/base.sh: %v\n%s", err, out)
	}
	fmt.Printf("e2e: base image localhost/busybox:latest built in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

func tearDown() {
	if suite.dir == "" {
		return
	}
	if os.Getenv("HUSH_E2E_KEEP") == "1" {
		fmt.Printf("e2e: kept %s\n", suite.dir)
		return
	}
	unmountUnder(suite.dir)
	if err := os.RemoveAll(suite.dir); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: removing %s: %v\n", suite.dir, err)
	}
}

// unmountUnder detaches what is still mounted below dir: as root,
// containers-storage bind-mounts its overlay directory onto itself and
// leaves it mounted when the process ends.
func unmountUnder(dir string) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			points = append(points, f[4])
		}
	}
	sort.Slice(points, func(i, j int) bool { return len(points[i]) > len(points[j]) })
	for _, p := range points {
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil {
			fmt.Fprintf(os.Stderr, "e2e: unmounting %s: %v\n", p, err)
		}
	}
}

// findHush locates the binary under test ($HUSH, else bin/hush of the
// repository holding the working directory) and the repository root.
func findHush() (string, string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", "", err
	}
	repo := wd
	for {
		if _, err := os.Stat(filepath.Join(repo, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(repo)
		if parent == repo {
			return "", "", fmt.Errorf("no go.mod above %s: run from the repository", wd)
		}
		repo = parent
	}
	bin := os.Getenv("HUSH")
	if bin == "" {
		bin = filepath.Join(repo, "bin", "hush")
	}
	bin, err = filepath.Abs(bin)
	if err != nil {
		return "", "", err
	}
	if _, err := os.Stat(bin); err != nil {
		return "", "", fmt.Errorf("hush binary: %w (make build)", err)
	}
	return bin, repo, nil
}

// command prepares name args to run as the mode's user, with a clean
// environment: HOME, PATH, XDG_RUNTIME_DIR and extra (KEY=VALUE).
func command(ctx context.Context, extra []string, name string, args ...string) *exec.Cmd {
	vars := []string{"HOME=" + suite.home, "PATH=" + pathEnv, "LANG=C"}
	if suite.user == "" {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = append(vars, extra...)
		return cmd
	}
	vars = append(vars, "USER="+suite.user, "LOGNAME="+suite.user, "XDG_RUNTIME_DIR="+suite.runtime)
	argv := append([]string{"-u", suite.user, "--", "env", "-i"}, vars...)
	argv = append(argv, extra...)
	argv = append(argv, name)
	argv = append(argv, args...)
	return exec.CommandContext(ctx, "runuser", argv...)
}

// mkdirOwned creates dir (0755) owned by the mode's user.
func mkdirOwned(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	return dir, os.Chown(dir, suite.uid, suite.gid)
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, mode)
}

// storeRef names image name in the store at root and runRoot, for skopeo,
// with the driver the store was made with: skopeo's own default may differ
// from hush's (Debian 12's picks vfs for an unprivileged user).
func storeRef(root, runRoot, name string) string {
	driver := "overlay"
	if _, err := os.Stat(filepath.Join(root, "overlay-images", "images.json")); err != nil {
		if _, err := os.Stat(filepath.Join(root, "vfs-images", "images.json")); err == nil {
			driver = "vfs"
		}
	}
	return fmt.Sprintf("containers-storage:[%s@%s+%s]%s", driver, root, runRoot, name)
}

// defaultStore is where containers-storage keeps images when no --root is
// given and no storage.conf says otherwise, for the mode's user.
func defaultStore() (string, string) {
	if suite.user == "" {
		return "/var/lib/containers/storage", "/run/containers/storage"
	}
	return filepath.Join(suite.home, ".local/share/containers/storage"), filepath.Join(suite.runtime, "containers")
}
