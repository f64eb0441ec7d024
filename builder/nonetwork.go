package builder

import (
	"errors"

	nettypes "go.podman.io/common/libnetwork/types"
)

// noNetwork stands in for buildah's netavark network interface. hush runs
// RUN steps in the host's network namespace or in none, so no network is
// ever set up; without it buildah looks for the netavark binary when it
// creates every build container and stops where it is not installed.
type noNetwork struct {
	nettypes.ContainerNetwork // nil: any other method is never called
}

var errNoNetwork = errors.New("container networks are not supported: use --network host or none")

func (noNetwork) Setup(string, nettypes.SetupOptions) (map[string]nettypes.StatusBlock, error) {
	return nil, errNoNetwork
}

func (noNetwork) Teardown(string, nettypes.TeardownOptions) error { return errNoNetwork }

func (noNetwork) DefaultNetworkName() string { return "" }
