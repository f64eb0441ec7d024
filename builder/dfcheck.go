package builder

import (
	"os"

	"github.com/hushbuild/hush/internal/dfcheck"
)

// checkDockerfile refuses an unknown instruction or a reused stage name
// before anything runs (internal/dfcheck). A Dockerfile that cannot be
// read is left to locate's and buildah's errors.
func checkDockerfile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	return dfcheck.Check(f)
}
