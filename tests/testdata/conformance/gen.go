//go:build ignore

// gen turns the case table of buildah's tests/conformance/conformance_test.go
// (internalTestCases) into cases.json, the data tests/conformance_test.go
// reads: the Dockerfiles, context directories, expected failures, build
// args and per-case filesystem exceptions, as literal values. A case whose
// context the suite makes with Go code (tweakContextDir) keeps that code's
// .dockerignore where it only writes one; otherwise it is marked "tweak".
//
// Usage: go run gen.go BUILDAH/tests/conformance/conformance_test.go > cases.json
package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
)

type testCase struct {
	Name                 string            `json:"name"`
	Dockerfile           string            `json:"dockerfile,omitempty"`
	DockerfileContents   string            `json:"dockerfileContents,omitempty"`
	ContextDir           string            `json:"contextDir,omitempty"`
	Dockerignore         *string           `json:"dockerignore,omitempty"`
	Tweak                bool              `json:"tweak,omitempty"`
	ShouldFailAt         int               `json:"shouldFailAt,omitempty"`
	WithoutDocker        bool              `json:"withoutDocker,omitempty"`
	DockerUseBuildKit    bool              `json:"dockerUseBuildKit,omitempty"`
	TestUsingSetParent   bool              `json:"testUsingSetParent,omitempty"`
	TestUsingVolumes     bool              `json:"testUsingVolumes,omitempty"`
	TransientMounts      []string          `json:"transientMounts,omitempty"`
	FSSkip               []string          `json:"fsSkip,omitempty"`
	FSSkipCompatVolumes  []string          `json:"fsSkipCompatVolumesTrue,omitempty"`
	FailOnExtraFSContent bool              `json:"failOnExtraFSContent,omitempty"`
	BuildArgs            map[string]string `json:"buildArgs,omitempty"`
}

func main() {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, os.Args[1], nil, 0)
	if err != nil {
		fail(err)
	}
	var cases []testCase
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "internalTestCases" {
			return true
		}
		for _, elt := range vs.Values[0].(*ast.CompositeLit).Elts {
			cases = append(cases, oneCase(fset, elt.(*ast.CompositeLit)))
		}
		return false
	})
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(cases); err != nil {
		fail(err)
	}
}

func oneCase(fset *token.FileSet, cl *ast.CompositeLit) testCase {
	var c testCase
	for _, e := range cl.Elts {
		kv := e.(*ast.KeyValueExpr)
		key := kv.Key.(*ast.Ident).Name
		switch key {
		case "name":
			c.Name = str(fset, kv.Value)
		case "dockerfile":
			c.Dockerfile = str(fset, kv.Value)
		case "dockerfileContents":
			c.DockerfileContents = str(fset, kv.Value)
		case "contextDir":
			c.ContextDir = str(fset, kv.Value)
		case "shouldFailAt":
			c.ShouldFailAt, _ = strconv.Atoi(kv.Value.(*ast.BasicLit).Value)
		case "withoutDocker":
			c.WithoutDocker = kv.Value.(*ast.Ident).Name == "true"
		case "dockerUseBuildKit":
			c.DockerUseBuildKit = kv.Value.(*ast.Ident).Name == "true"
		case "testUsingSetParent":
			c.TestUsingSetParent = kv.Value.(*ast.Ident).Name == "true"
		case "testUsingVolumes":
			c.TestUsingVolumes = kv.Value.(*ast.Ident).Name == "true"
		case "failOnExtraFSContent":
			c.FailOnExtraFSContent = kv.Value.(*ast.Ident).Name == "true"
		case "transientMounts":
			c.TransientMounts = strs(fset, kv.Value)
		case "fsSkip":
			c.FSSkip = strs(fset, kv.Value)
		case "fsSkipCompatVolumesTrue":
			c.FSSkipCompatVolumes = strs(fset, kv.Value)
		case "buildArgs":
			c.BuildArgs = map[string]string{}
			for _, e := range kv.Value.(*ast.CompositeLit).Elts {
				kv := e.(*ast.KeyValueExpr)
				c.BuildArgs[str(fset, kv.Key)] = str(fset, kv.Value)
			}
		case "tweakContextDir":
			if di, ok := dockerignoreOnly(fset, kv.Value.(*ast.FuncLit)); ok {
				c.Dockerignore = &di
			} else {
				c.Tweak = true
			}
		}
		// Regexes on build output and the compat flags are buildah's own
		// concerns: hush sets no compat flag and its output differs.
	}
	return c
}

// dockerignoreOnly: the body writes .dockerignore from a literal and sets
// its time, and nothing else.
func dockerignoreOnly(fset *token.FileSet, fn *ast.FuncLit) (string, bool) {
	var content *string
	others := 0
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if id, ok := n.Lhs[0].(*ast.Ident); ok && id.Name == "dockerignore" {
				conv := n.Rhs[0].(*ast.CallExpr) // []byte(...)
				s := str(fset, conv.Args[0])
				content = &s
			}
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				switch sel.Sel.Name {
				case "WriteFile", "Chtimes", "Join", "Errorf":
				default:
					others++
				}
			}
		}
		return true
	})
	if content == nil || others > 0 {
		return "", false
	}
	return *content, true
}

func strs(fset *token.FileSet, e ast.Expr) []string {
	var out []string
	for _, x := range e.(*ast.CompositeLit).Elts {
		out = append(out, str(fset, x))
	}
	return out
}

// str evaluates the string expressions the table uses: literals, +, and
// strings.Join of a literal slice.
func str(fset *token.FileSet, e ast.Expr) string {
	switch e := e.(type) {
	case *ast.BasicLit:
		s, err := strconv.Unquote(e.Value)
		if err != nil {
			fail(err)
		}
		return s
	case *ast.BinaryExpr:
		return str(fset, e.X) + str(fset, e.Y)
	case *ast.ParenExpr:
		return str(fset, e.X)
	case *ast.CallExpr:
		if id, ok := e.Fun.(*ast.Ident); ok && id.Name == "selinuxMountFlag" {
			return "" // no SELinux here
		}
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok {
			switch sel.Sel.Name {
			case "Join":
				return strings.Join(strs(fset, e.Args[0]), str(fset, e.Args[1]))
			case "Sprintf":
				var args []any
				for _, a := range e.Args[1:] {
					args = append(args, modeBits[a.(*ast.SelectorExpr).Sel.Name])
				}
				return fmt.Sprintf(str(fset, e.Args[0]), args...)
			}
		}
	}
	fail(fmt.Errorf("%s: cannot evaluate %T", fset.Position(e.Pos()), e))
	return ""
}

// modeBits are the syscall constants the table formats into comments.
var modeBits = map[string]int{"S_ISUID": 0o4000, "S_ISGID": 0o2000, "S_ISVTX": 0o1000}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}
