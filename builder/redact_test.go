package builder

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hushbuild/hush/secrets"
)

// TestCheckInputs: a --build-arg or --tag carrying a --secret value
// refuses the build before it starts; a credential-named build arg's own
// value is a secret to the guard, but not a reason to refuse itself.
func TestCheckInputs(t *testing.T) {
	t.Parallel()
	src := filepath.Join(t.TempDir(), "tok")
	const value = "canary-check-inputs-5f2b9c"
	if err := os.WriteFile(src, []byte(value), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := deliver(context.Background(), []secrets.Spec{{ID: "tok", Src: src}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	p := &plan{secrets: d, buildArgs: map[string]string{"NPM_TOKEN": "an-unrelated-credential", "X": "url=https://u:" + value + "@h"}}
	var ge *GuardError
	if err := p.checkInputs(); !errors.As(err, &ge) || !ge.Before || len(ge.Findings) != 1 || ge.Findings[0].Field != "--build-arg X" {
		t.Fatalf("checkInputs = %v; want one finding in --build-arg X, before the build", err)
	}
	delete(p.buildArgs, "X")
	if err := p.checkInputs(); err != nil {
		t.Errorf("a credential-named build arg refused itself: %v", err)
	}
	none, err := deliver(context.Background(), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.secrets = none
	if err := p.checkInputs(); err != nil {
		t.Errorf("no --secret: %v", err)
	}
}
