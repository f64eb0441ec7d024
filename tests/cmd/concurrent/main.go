// Command concurrent runs several builder.Build calls at once in one
// process, for the end-to-end suite (tests/concurrent_test.go): builds in
// DIR/0, DIR/1, ... each with its own secret (DIR/<i>/secret, id s), tagged
// localhost/<prefix>-<i>, each writing its output to DIR/<i>/out.log and
// its result to DIR/<i>/result ("sha256:<id>" or "error: ...").
//
// Usage: concurrent -root R -runroot RR -prefix P -n N DIR
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"go.podman.io/buildah"
	"go.podman.io/storage/pkg/unshare"

	"github.com/hushbuild/hush/builder"
	"github.com/hushbuild/hush/secrets"
)

func main() {
	// As cmd/hush does: buildah's re-exec entry points, then a user
	// namespace for an unprivileged user.
	if buildah.InitReexec() {
		return
	}
	unshare.MaybeReexecUsingUserNamespace(false)
	root := flag.String("root", "", "storage root")
	runRoot := flag.String("runroot", "", "storage run root")
	prefix := flag.String("prefix", "concurrent", "tag prefix")
	n := flag.Int("n", 4, "builds")
	flag.Parse()
	dir := flag.Arg(0)
	var wg sync.WaitGroup
	failed := false
	var mu sync.Mutex
	for i := 0; i < *n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			d := filepath.Join(dir, strconv.Itoa(i))
			log, err := os.Create(filepath.Join(d, "out.log"))
			if err != nil {
				panic(err)
			}
			defer log.Close()
			res, err := builder.Build(context.Background(), builder.Options{
				ContextDir: d,
				Tags:       []string{fmt.Sprintf("localhost/%s-%d", *prefix, i)},
				Secrets:    []secrets.Spec{{ID: "s", Src: filepath.Join(d, "secret"), Mode: 0o400}},
				Storage:    builder.StorageOptions{Root: *root, RunRoot: *runRoot},
				Stdout:     log,
				Stderr:     log,
			})
			result := ""
			if err != nil {
				result = "error: " + err.Error()
				mu.Lock()
				failed = true
				mu.Unlock()
			} else {
				result = "sha256:" + res.ImageID
			}
			if err := os.WriteFile(filepath.Join(d, "result"), []byte(result+"\n"), 0o644); err != nil {
				panic(err)
			}
		}(i)
	}
	wg.Wait()
	builder.RemoveTempDir()
	if failed {
		os.Exit(1)
	}
}
