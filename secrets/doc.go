// Package secrets holds everything hush knows about build secrets: the
// --secret and --ssh specs, loading their values into memory, the pattern set
// derived from each value (fragments and encodings), the streaming matcher,
// the redacting writer and the layer scanner.
//
// It depends on neither cobra nor buildah's build code, so the commit guard,
// the audit command and tests share one implementation. A value never appears
// in an error, a log line or the %v of any type in this package: types that
// hold one format themselves as their id only.
package secrets
