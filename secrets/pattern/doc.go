// Package pattern derives the patterns of secrets (every fragment of a
// value in every encoding), finds them with a streaming matcher and redacts
// them from output. A value never appears in an error, a log line or the %v
// of any type in this package: types that hold one format themselves as
// their id only.
package pattern
