package audit

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hushbuild/hush/secrets"
)

// Options describe one audit. The zero value of every field but Images is
// the sensible default.
type Options struct {
	// Images are the images to audit, each a containers/image reference:
	// containers-storage (the default when there is no transport prefix:
	// "app", "localhost/app:1", an image id), "oci:DIR[:TAG]",
	// "oci-archive:FILE[:TAG]", "docker-archive:FILE.tar[:REF]",
	// "docker://REF", "dir:DIR".
	Images []string
	// Secrets are known values to look for, with the commit guard's
	// fragments and encodings, nested archives included. Default: none;
	// the heuristics still run.
	Secrets []secrets.Secret
	// NoHeuristics turns off the checks that need no value (credential
	// files, private keys, credential-like ARG/ENV/LABEL). Default: on.
	NoHeuristics bool
	// AuthFile holds registry credentials for docker://. Default:
	// containers' auth.json, then docker's config.json.
	AuthFile string
	// InsecureSkipTLSVerify allows plain-HTTP and unverified registries.
	// Default: verify.
	InsecureSkipTLSVerify bool
	// StorageRoot, StorageRunRoot and StorageDriver override
	// storage.conf for containers-storage. Default: the store podman,
	// buildah and hush use.
	StorageRoot, StorageRunRoot, StorageDriver string
	// Workers bounds how many layers are read at once, over all images.
	// Default: GOMAXPROCS.
	Workers int
	// Progress, when set, receives a one-line progress display rewritten
	// in place (for a terminal). Default: none.
	Progress io.Writer
}

// Location says where a finding is.
type Location string

// Locations, from the seeds' matrix.
const (
	// Runtime: in a file of the final filesystem, seen by `docker run`.
	Runtime Location = "runtime"
	// Hidden: in a layer, deleted or overwritten by a later one; not seen
	// at runtime, but in every pull of the image.
	Hidden Location = "hidden"
	// Metadata: in the config or manifest (`docker history`/`inspect`).
	Metadata Location = "metadata"
)

// RuleKnownSecret is the rule of findings of a known value (--secret).
const RuleKnownSecret = "known-secret"

// Report is the result of an audit: one entry per image, in the order given.
type Report struct {
	Images []ImageReport `json:"images"`
	// Skipped lists the ids of known secrets too short to search for
	// (pattern.MinValue): the audit says nothing about them.
	Skipped []string `json:"skippedSecrets,omitempty"`
}

// ImageReport is one image's audit.
type ImageReport struct {
	// Image is the reference as given.
	Image string `json:"image"`
	// Transport is the containers/image transport it was read through.
	Transport string `json:"transport,omitempty"`
	// Digest is the manifest digest; ConfigDigest the config's (the image id).
	Digest       string `json:"digest,omitempty"`
	ConfigDigest string `json:"configDigest,omitempty"`
	// Layers is the number of layers; Bytes their size as read
	// (compressed when the transport serves them compressed).
	Layers int   `json:"layers"`
	Bytes  int64 `json:"bytes"`
	// Findings, sorted: metadata, then by layer, path and rule.
	Findings []Finding `json:"findings"`
	// Error says why the image could not be audited; its findings are
	// then incomplete.
	Error string `json:"error,omitempty"`
}

// Count returns the number of findings at a location.
func (r ImageReport) Count(l Location) int {
	n := 0
	for _, f := range r.Findings {
		if f.Location == l {
			n++
		}
	}
	return n
}

// Findings counts every finding of every image.
func (r *Report) Findings() int {
	n := 0
	for _, im := range r.Images {
		n += len(im.Findings)
	}
	return n
}

// Finding is one place a secret or a credential is. It never holds the
// value: paths, instructions and fields are redacted of every known value
// and of what the heuristics recognise.
type Finding struct {
	// Image and Stage are set by the commit guard, which reports on every
	// image a build made at once: the image id, and its stage's base as the
	// history notes it ("FROM golang:1.22"). An audit leaves them empty: its
	// ImageReport names the image.
	Image    string   `json:"image,omitempty"`
	Stage    string   `json:"stage,omitempty"`
	Location Location `json:"location"`
	// Rule is RuleKnownSecret or a heuristic rule (heuristic.HeuristicRules).
	Rule string `json:"rule"`
	// SecretID names the known secret; Fragment and Encoding say which
	// part of it matched and how it was encoded (from package secrets).
	SecretID string `json:"secretId,omitempty"`
	Fragment string `json:"fragment,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	// InName: the match is in the file's name, not its content.
	InName bool `json:"inName,omitempty"`
	// Detail describes a heuristic hit without its value ("_authToken",
	// "ENV NPM_TOKEN", "RSA PRIVATE KEY").
	Detail string `json:"detail,omitempty"`
	// Layer is the layer holding the file (runtime and hidden findings).
	Layer *LayerRef `json:"layer,omitempty"`
	// Path is the file, absolute in the image; a member of a nested
	// archive is "outer.tar.gz!inner/path".
	Path string `json:"path,omitempty"`
	// Line in the file (heuristics on text files), 0 when not known.
	Line int `json:"line,omitempty"`
	// LinkTo is, for a hard link, the path of the file it links to.
	LinkTo string `json:"linkTo,omitempty"`
	// Field is the metadata field (config.Env[2], history[4].created_by,
	// manifest.annotations.KEY).
	Field string `json:"field,omitempty"`
	// Instruction created the layer (or is the history entry), from the
	// image's history.
	Instruction string `json:"instruction,omitempty"`
	// HiddenBy says which later layer hid the file, and how.
	HiddenBy *Hider `json:"hiddenBy,omitempty"`
}

// LayerRef identifies a layer: its index from 0 at the bottom and its
// digest as the transport names it (a blob digest, or the diff id in
// containers-storage).
type LayerRef struct {
	Index  int    `json:"index"`
	Digest string `json:"digest"`
}

// Hider is the layer that hides a hidden finding.
type Hider struct {
	LayerRef
	// How: "whiteout", "opaque directory", "overwritten", "parent replaced".
	How string `json:"how"`
}

// What says what was found, for one-line descriptions.
func (f Finding) What() string {
	if f.Rule == RuleKnownSecret {
		s := fmt.Sprintf("secret %q", f.SecretID)
		var parts []string
		if f.Fragment != "" {
			parts = append(parts, f.Fragment)
		}
		if f.Encoding != "" {
			parts = append(parts, f.Encoding)
		}
		if f.InName {
			parts = append(parts, "in the file name")
		}
		if len(parts) > 0 {
			s += " (" + strings.Join(parts, ", ") + ")"
		}
		return s
	}
	if f.Detail != "" {
		return f.Rule + " (" + f.Detail + ")"
	}
	return f.Rule
}

// Where says where it is, for one-line descriptions.
func (f Finding) Where() string {
	if f.Location == Metadata {
		return "field " + f.Field
	}
	var b strings.Builder
	if f.Layer != nil {
		fmt.Fprintf(&b, "layer %d (%s) ", f.Layer.Index, shortDigest(f.Layer.Digest))
	}
	b.WriteString(f.Path)
	if f.Line > 0 {
		fmt.Fprintf(&b, ":%d", f.Line)
	}
	if f.LinkTo != "" {
		fmt.Fprintf(&b, " (hard link to %s)", f.LinkTo)
	}
	if f.HiddenBy != nil {
		fmt.Fprintf(&b, ", hidden by layer %d (%s)", f.HiddenBy.Index, f.HiddenBy.How)
	}
	return b.String()
}

// String is the finding on one line, as the commit guard reports it:
// secret "id" (fragments; encodings) in image X (stage S) layer N (digest)
// at /path, layer made by "...", or in a metadata field.
func (f Finding) String() string {
	if f.SecretID == "" { // a heuristic's
		return f.What() + " in " + f.Where()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "secret %q (%s; %s) in ", f.SecretID, f.Fragment, f.Encoding)
	if f.Image != "" {
		fmt.Fprintf(&b, "image %.12s ", f.Image)
		if f.Stage != "" {
			fmt.Fprintf(&b, "(stage %s) ", f.Stage)
		}
	}
	if f.Field != "" {
		b.WriteString(f.Field)
	} else {
		if f.Layer != nil {
			_, hex, _ := strings.Cut(f.Layer.Digest, ":")
			fmt.Fprintf(&b, "layer %d (%.12s) ", f.Layer.Index, cmp.Or(hex, f.Layer.Digest))
		}
		fmt.Fprintf(&b, "at %s", f.Path)
	}
	if f.Instruction != "" {
		fmt.Fprintf(&b, ", layer made by %q", strings.TrimSpace(f.Instruction))
	}
	if f.HiddenBy != nil {
		fmt.Fprintf(&b, "; hidden by layer %d (%s)", f.HiddenBy.Index, f.HiddenBy.How)
	}
	return b.String()
}

func shortDigest(d string) string {
	if i := strings.IndexByte(d, ':'); i >= 0 && len(d) > i+13 {
		return d[:i+13]
	}
	return d
}

// ImageError is returned by Audit when an image could not be audited (a
// bad reference, an unreadable image or layer). Exit code 2.
type ImageError struct {
	Image string
	Err   error
}

func (e *ImageError) Error() string { return fmt.Sprintf("auditing %s: %v", e.Image, e.Err) }
func (e *ImageError) Unwrap() error { return e.Err }

// ExitCode: 2, could not audit.
func (e *ImageError) ExitCode() int { return 2 }

// ErrNoImages is returned when Options.Images is empty.
var ErrNoImages = errors.New("no image to audit")
