package isolation

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"go.podman.io/image/v5/pkg/sysregistriesv2"
	"go.podman.io/image/v5/signature"
	"go.podman.io/image/v5/types"
	"go.podman.io/storage/pkg/configfile"
)

// Built-in defaults for a machine or container without containers'
// configuration files (hush's own image has none): hush must not stop at
// a missing policy.json or registries.conf.

// defaultPolicy is Debian's /etc/containers/policy.json (golang-github-
// containers-common): accept any image, as docker does.
const defaultPolicy = `{"default":[{"type":"insecureAcceptAnything"}],"transports":{"docker-daemon":{"":[{"type":"insecureAcceptAnything"}]}}}` + "\n"

// defaultRegistries resolves short names as docker does.
const defaultRegistries = "unqualified-search-registries = [\"docker.io\"]\nshort-name-mode = \"permissive\"\n"

// FillHostDefaults points sys at built-in files for whichever of
// policy.json and registries.conf exist nowhere, written into dir (the
// build's private directory). It reports what it filled in.
func FillHostDefaults(sys *types.SystemContext, dir string) ([]string, error) {
	var filled []string
	if sys.SignaturePolicyPath == "" {
		if _, err := signature.DefaultPolicy(sys); errors.Is(err, configfile.ErrConfigFileNotFound) {
			p := filepath.Join(dir, "policy.json")
			if err := os.WriteFile(p, []byte(defaultPolicy), 0o600); err != nil {
				return nil, fmt.Errorf("writing the built-in policy.json: %w", err)
			}
			sys.SignaturePolicyPath = p
			filled = append(filled, "policy.json")
		}
	}
	if sys.SystemRegistriesConfPath == "" && !registriesConfigured(sys) {
		p := filepath.Join(dir, "registries.conf")
		if err := os.WriteFile(p, []byte(defaultRegistries), 0o600); err != nil {
			return nil, fmt.Errorf("writing the built-in registries.conf: %w", err)
		}
		sys.SystemRegistriesConfPath = p
		sys.SystemRegistriesConfDirPath = filepath.Join(dir, "registries.conf.d") // absent: no drop-ins
		filled = append(filled, "registries.conf")
	}
	return filled, nil
}

// registriesConfigured reports whether any registries.conf or drop-in
// exists where containers-image looks for one.
func registriesConfigured(sys *types.SystemContext) bool {
	//nolint:staticcheck // the file's existence is the question here
	if p := sysregistriesv2.ConfigPath(sys); p != "" {
		if _, err := os.Stat(p); err == nil {
			return true
		}
	}
	//nolint:staticcheck
	if d := sysregistriesv2.ConfigDirPath(sys); d != "" {
		if ents, err := os.ReadDir(d); err == nil && len(ents) > 0 {
			return true
		}
	}
	return false
}
