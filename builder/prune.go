package builder

import (
	"context"

	"io"

	"github.com/hushbuild/hush/builder/internal/recovery"
	"github.com/hushbuild/hush/internal/localstore"
	"github.com/sirupsen/logrus"
)

// Swept is what a sweep removed.
type Swept = recovery.Swept

// Prune removes what killed hush processes left behind: their RUN steps
// still running, their build containers (with every file a step wrote,
// secret copies included), the images and layers they committed that the
// guard never vouched for, layer directories storage lost the record of,
// their tmpfs directories and what they recorded making outside them (an
// unpacked stdin context, mounts over it, a partial output:
// builder/internal/leftover); builder/internal/recovery says how.
// Every build runs it first; `hush prune` runs it on demand.
func Prune(ctx context.Context, o StorageOptions) (Swept, error) {
	logrus.SetLevel(logrus.WarnLevel)
	store, err := localstore.Open(localstore.Options{Root: o.Root, RunRoot: o.RunRoot, Driver: o.Driver}, io.Discard)
	if err != nil {
		return Swept{}, err
	}
	defer func() { _, _ = store.Shutdown(false) }()
	rt, _ := pickRuntime("")
	return recovery.Sweep(ctx, store, rt, true)
}
