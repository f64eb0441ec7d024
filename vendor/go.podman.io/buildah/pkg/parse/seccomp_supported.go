//go:build seccomp && linux

package parse

const supportsSeccomp = true
