//go:build !amd64

package fakeroot

var notifySyscalls, zeroSyscalls []uint32

const auditArch, x32Bit = 0, 0

func (o *Owners) handle(*call) (notifResp, error) { return cont, nil }

// sent is paths_amd64.go's marker, for supervise.go to build here (make
// release builds hush for arm64); handle never answers with it here.
const sent = 0xffffffff
