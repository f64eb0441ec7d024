package secrets

import (
	"encoding/csv"
	"fmt"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Spec is one parsed --secret flag, in BuildKit's syntax plus hush's
// command source (cmd=) and Dockerfile-free injection (target=, arg=):
// id=ID[,src=PATH|env=VAR|cmd=COMMAND][,type=file|env]
// [,target=PATH[,mode=0400][,uid=0][,gid=0]][,arg=NAME]
// [,max-size=SIZE][,nonregular=true][,allow-short=true].
//
// Like BuildKit, the flag is one line of CSV: a field holding a comma is
// quoted whole, with double quotes ("cmd=sops -d a,b.yaml"), and a quote
// inside a field that does not begin with one is kept as written (so
// cmd=jq -r ".token" f.json needs no doubling).
type Spec struct {
	// ID names the secret for RUN --mount=type=secret,id=ID.
	ID string
	// Src is the file the value is read from (type=file).
	Src string
	// Env is the environment variable the value is read from (type=env).
	Env string
	// Cmd is a command line, run with /bin/sh -c, whose standard output is
	// the value (source_cmd.go).
	Cmd string
	// Target, when set, is a path inside the build container where the
	// value is placed for every RUN step, with no --mount in the Dockerfile.
	Target string
	// Mode, UID and GID apply to the injected Target file.
	Mode     os.FileMode
	UID, GID int
	// Arg, when set, gives every RUN step the value in the environment
	// variable Arg: the safe path for Dockerfiles that take a credential as
	// `ARG NAME`, since it never reaches the image's history or config.
	Arg string
	// Rotate makes the value an input of the build cache key, so a build
	// that uses a changed value is not a cache hit. Only a slow, salted
	// derivation of the value enters the key (builder/cachekey.go).
	// Default false: as BuildKit, the value is not part of any key.
	Rotate bool
	// MaxSize caps the value's length in bytes, for every source; a larger
	// one is an error naming the id. Default (0): DefaultMaxSize, 1 MiB.
	MaxSize int64
	// NonRegular lets src= name a FIFO or a device (/dev/stdin). Default
	// false: src= must be a regular file, so /dev/zero or a FIFO nobody
	// writes to is refused at once instead of hanging or exhausting memory.
	NonRegular bool
	// AllowShort accepts a value too short for the guard and the redactor
	// to search for (pattern.MinValue, 6 bytes): the build warns that it
	// is not guarded. Default false: such a value is an error.
	AllowShort bool
}

// idAlphabet is what an id may hold: it is spliced into buildah's
// comma-separated secret and mount specs, a file name and log lines, so
// a comma, '=', '/', a quote or a control character in it is refused.
var idAlphabet = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ErrSpec is wrapped by every spec parsing error, so callers can map it to
// the usage exit code.
var ErrSpec = fmt.Errorf("invalid --secret")

// ParseSpec parses one --secret value. Errors name the offending key, never
// a value (a malformed flag may hold the secret itself by mistake).
func ParseSpec(s string) (Spec, error) {
	sp := Spec{Mode: 0o400}
	var typ string
	if strings.TrimSpace(s) == "" {
		return Spec{}, fmt.Errorf("%w: empty value", ErrSpec)
	}
	r := csv.NewReader(strings.NewReader(s))
	r.LazyQuotes, r.FieldsPerRecord = true, -1
	records, err := r.ReadAll()
	if err != nil {
		// csv's error gives line and column, never the text.
		return Spec{}, fmt.Errorf("%w: not one line of comma-separated fields: %w", ErrSpec, err)
	}
	if len(records) != 1 {
		return Spec{}, fmt.Errorf("%w: more than one line", ErrSpec)
	}
	for i, field := range records[0] {
		key, val, ok := strings.Cut(field, "=")
		key = strings.TrimSpace(key)
		if !ok {
			// Not quoted: a field without '=' may be a value pasted by mistake.
			return Spec{}, fmt.Errorf("%w: field %d is not key=value", ErrSpec, i+1)
		}
		switch key {
		case "id":
			sp.ID = val
		case "src", "source":
			sp.Src = val
		case "env":
			sp.Env = val
		case "cmd":
			if strings.TrimSpace(val) == "" {
				return Spec{}, fmt.Errorf("%w: cmd must not be empty", ErrSpec)
			}
			sp.Cmd = val
		case "type":
			if val != "file" && val != "env" {
				return Spec{}, fmt.Errorf("%w: type must be file or env", ErrSpec)
			}
			typ = val
		case "target", "dst", "destination":
			if !path.IsAbs(val) {
				return Spec{}, fmt.Errorf("%w: target must be an absolute path", ErrSpec)
			}
			sp.Target = path.Clean(val)
		case "arg":
			if !envName.MatchString(val) {
				return Spec{}, fmt.Errorf("%w: arg must be an environment variable name", ErrSpec)
			}
			sp.Arg = val
		case "mode":
			m, err := strconv.ParseUint(val, 8, 32)
			if err != nil || m > 0o777 {
				return Spec{}, fmt.Errorf("%w: mode must be octal, 0 to 0777", ErrSpec)
			}
			sp.Mode = os.FileMode(m)
		case "rotate":
			b, err := strconv.ParseBool(val)
			if err != nil {
				return Spec{}, fmt.Errorf("%w: rotate must be true or false", ErrSpec)
			}
			sp.Rotate = b
		case "max-size":
			n, err := parseSize(val)
			if err != nil {
				return Spec{}, fmt.Errorf("%w: max-size must be a size in bytes (or with K, M, G)", ErrSpec)
			}
			sp.MaxSize = n
		case "nonregular", "allow-short":
			b, err := strconv.ParseBool(val)
			if err != nil {
				return Spec{}, fmt.Errorf("%w: %s must be true or false", ErrSpec, key)
			}
			if key == "nonregular" {
				sp.NonRegular = b
			} else {
				sp.AllowShort = b
			}
		case "uid", "gid":
			n, err := strconv.Atoi(val)
			if err != nil || n < 0 {
				return Spec{}, fmt.Errorf("%w: %s must be a non-negative integer", ErrSpec, key)
			}
			if key == "uid" {
				sp.UID = n
			} else {
				sp.GID = n
			}
		default:
			return Spec{}, fmt.Errorf("%w: unknown key %q", ErrSpec, key)
		}
	}
	if sp.ID == "" {
		return Spec{}, fmt.Errorf("%w: id is required", ErrSpec)
	}
	if !idAlphabet.MatchString(sp.ID) {
		// Not quoted: an id outside the alphabet may be a value pasted by
		// mistake, or hold bytes that would garble the terminal.
		return Spec{}, fmt.Errorf("%w: id must be 1 to 128 letters, digits, '.', '_' or '-', not starting with '.' or '-'", ErrSpec)
	}
	if sp.Src != "" && sp.Env != "" {
		return Spec{}, fmt.Errorf("%w: secret %q has both src and env", ErrSpec, sp.ID)
	}
	if sp.Cmd != "" && (sp.Src != "" || sp.Env != "" || typ != "") {
		return Spec{}, fmt.Errorf("%w: secret %q has cmd and another source (src, env or type)", ErrSpec, sp.ID)
	}
	switch {
	case typ == "env" && sp.Env == "":
		// BuildKit: type=env,src=VAR reads VAR; with neither, the id names it.
		sp.Env, sp.Src = sp.Src, ""
		if sp.Env == "" {
			sp.Env = sp.ID
		}
	case typ == "file" && sp.Env != "":
		return Spec{}, fmt.Errorf("%w: secret %q has type=file and env", ErrSpec, sp.ID)
	case typ == "" && sp.Src == "" && sp.Env == "" && sp.Cmd == "":
		// BuildKit's default: an environment variable named like the id
		// if one is set, else a file named like the id.
		if _, ok := os.LookupEnv(sp.ID); ok {
			sp.Env = sp.ID
		} else {
			sp.Src = sp.ID
		}
	case typ == "file" && sp.Src == "":
		sp.Src = sp.ID
	}
	return sp, nil
}
