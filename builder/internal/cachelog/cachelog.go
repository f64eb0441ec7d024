// Package cachelog owns what a build's log says about its registry cache:
// one warning per --cache-from repository that could not be read (and
// why, in a few words), and hiding buildah's "--> Pushing cache" lines,
// which it prints while a step is keyed, long before hush's guard decides
// whether any cache entry may leave the machine.
//
// It must not import builder, buildah, secrets or audit
// (depcheck_test.go): it sees only errors and writers, so its rules are
// tested without a build.
package cachelog

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"syscall"

	"github.com/docker/distribution/registry/api/errcode"
	v2 "github.com/docker/distribution/registry/api/v2"
	"go.podman.io/image/v5/docker"
)

// Reason says in a few words why reading a cache entry from a registry
// failed, or "" when the registry simply has no such entry (a cache miss,
// which needs no warning). It never quotes the error's text beyond its
// last line: a registry's message is not ours to vouch for.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var ec errcode.ErrorCoder
	if errors.As(err, &ec) {
		switch ec.ErrorCode() {
		case v2.ErrorCodeManifestUnknown:
			return ""
		case v2.ErrorCodeNameUnknown:
			return "repository not found (nothing cached there yet?)"
		case errcode.ErrorCodeUnauthorized:
			return "authentication required or refused"
		case errcode.ErrorCodeDenied:
			return "access denied"
		}
	}
	var unauth docker.ErrUnauthorizedForCredentials
	if errors.As(err, &unauth) {
		return "authentication required or refused"
	}
	if errors.Is(err, docker.ErrTooManyRequests) {
		return "too many requests (rate limited)"
	}
	var unknownCA x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var header tls.RecordHeaderError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknownCA), errors.As(err, &certErr):
		return "TLS: certificate not trusted"
	case errors.As(err, &host):
		return "TLS: certificate is for another host"
	case errors.As(err, &invalid):
		return "TLS: certificate invalid"
	case errors.As(err, &header), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return "TLS: the registry speaks plain HTTP (--tls-verify=false for a registry you trust)"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return "host not found"
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timed out"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// Warner prints one warning line per --cache-from repository whose read
// failed for a reason other than a miss. The build goes on: a cache that
// cannot be read costs time, not correctness, but a CI user must see why
// every build runs in full.
type Warner struct {
	mu   sync.Mutex
	w    io.Writer
	seen map[string]bool
}

// NewWarner returns a Warner writing to w (the build's progress stream,
// so --progress json carries it as a warning event).
func NewWarner(w io.Writer) *Warner { return &Warner{w: w, seen: map[string]bool{}} }

// Pull notes err from reading a cache entry of repo (a repository name).
func (w *Warner) Pull(repo string, err error) {
	reason := Reason(err)
	if w == nil || reason == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen[repo] {
		return
	}
	w.seen[repo] = true
	fmt.Fprintf(w.w, "hush: warning: --cache-from %s: %s; building without its cache\n", repo, reason)
}
