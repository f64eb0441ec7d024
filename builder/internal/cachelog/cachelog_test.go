package cachelog

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/docker/distribution/registry/api/errcode"
	v2 "github.com/docker/distribution/registry/api/v2"
	"go.podman.io/image/v5/docker"
)

// realErrors are errors made by real clients against real (loopback)
// servers: the forms containers/image passes up from its HTTP client.
func realErrors(t *testing.T) map[string]error {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	_, refused := http.Get("http://" + closed + "/v2/")

	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	_, httpToHTTPS := http.Get(strings.Replace(plain.URL, "http://", "https://", 1) + "/v2/")

	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)
	_, untrusted := http.Get(tlsSrv.URL + "/v2/")
	return map[string]error{"refused": refused, "http": httpToHTTPS, "untrusted": untrusted}
}

func TestReason(t *testing.T) {
	real := realErrors(t)
	for _, tc := range []struct {
		name string
		err  error
		want string // a substring; "" means no warning
	}{
		{"manifest unknown is a miss", fmt.Errorf("reading manifest hush-1 in r/c: %w", v2.ErrorCodeManifestUnknown.WithMessage("manifest unknown")), ""},
		{"repository unknown", fmt.Errorf("reading manifest x: %w", v2.ErrorCodeNameUnknown.WithMessage("repository name not known to registry")), "repository not found"},
		{"401", docker.ErrUnauthorizedForCredentials{Err: errors.New("x")}, "authentication"},
		{"unauthorized code", errcode.ErrorCodeUnauthorized.WithMessage("authentication required"), "authentication"},
		{"denied", errcode.ErrorCodeDenied.WithMessage("requested access to the resource is denied"), "access denied"},
		{"429", fmt.Errorf("x: %w", docker.ErrTooManyRequests), "too many requests"},
		{"connection refused", fmt.Errorf("pinging container registry: %w", real["refused"]), "connection refused"},
		{"plain HTTP", fmt.Errorf("pinging container registry: %w", real["http"]), "plain HTTP"},
		{"untrusted certificate", fmt.Errorf("pinging container registry: %w", real["untrusted"]), "not trusted"},
		{"anything else: its last part", errors.New("reading manifest: something odd\nmore"), "something odd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Reason(tc.err)
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("Reason(%v) = %q, want %q", tc.err, got, tc.want)
			}
			if strings.Contains(got, "\n") {
				t.Errorf("Reason(%v) = %q: more than one line", tc.err, got)
			}
		})
	}
}

func TestWarnerOncePerRepository(t *testing.T) {
	var buf bytes.Buffer
	w := NewWarner(&buf)
	denied := docker.ErrUnauthorizedForCredentials{Err: errors.New("x")}
	w.Pull("reg.example/a", denied)
	w.Pull("reg.example/a", denied)
	w.Pull("reg.example/b", v2.ErrorCodeManifestUnknown.WithMessage("m"))
	w.Pull("reg.example/c", denied)
	want := "hush: warning: --cache-from reg.example/a: authentication required or refused; building without its cache\n" +
		"hush: warning: --cache-from reg.example/c: authentication required or refused; building without its cache\n"
	if buf.String() != want {
		t.Errorf("warnings:\n%s\nwant:\n%s", buf.String(), want)
	}
	var nilW *Warner
	nilW.Pull("reg.example/a", denied) // no cache-from: nothing to warn about
}

func TestHidePushLines(t *testing.T) {
	var buf bytes.Buffer
	w := HidePushLines(&buf)
	for _, s := range []string{
		"STEP 2/3: RUN echo hi\n",
		"--> Pushing cache [reg.example/c]:abc123\n",
		"partial output ", "--> Pushing cache is text here\n", // not at a line start
		"--> Using cache 0123\n",
		"--> Pushing cache [reg.example/c]:def456\n",
	} {
		if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	want := "STEP 2/3: RUN echo hi\npartial output --> Pushing cache is text here\n--> Using cache 0123\n"
	if buf.String() != want {
		t.Errorf("got:\n%q\nwant:\n%q", buf.String(), want)
	}
}
