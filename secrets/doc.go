// Package secrets holds what hush knows about build secrets themselves: the
// --secret and --ssh specs, the sources their values come from (file,
// environment, a command's output, a Store such as MapStore), and the Secret
// value type. Matching lives in secrets/pattern, scanning layers and nested
// archives in secrets/archive; audit's heuristics in audit/heuristic.
//
// It depends on neither cobra nor buildah's build code, so the commit guard,
// the audit command and tests share one implementation. A value never appears
// in an error, a log line or the %v of any type in this package: types that
// hold one format themselves as their id only.
package secrets
