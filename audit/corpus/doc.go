// Package corpus measures the commit guard's recall as a number: its tests
// generate a matrix of secrets (kinds) written by the real serialisers and
// tools of the machine (writers), some of them wrapped again (layered
// encodings, archives, data at an offset), place each case in a layer and
// scan it in-process with audit's Engine exactly as the guard does (the
// secret's pattern set, no heuristics). Beside it a clean corpus of public
// content that looks like credentials must draw no finding.
//
// claims.txt lists the forms docs/audit.md claims: the test fails on a miss
// of a claimed form and on any refusal of clean content; unclaimed misses
// are printed. Run it with -v for the recall table (docs/audit.md, "Recall").
//
// The package holds tests only. It reads layers through package audit and
// must not import builder, buildah or cmd (the module's depcheck rule for
// audit/... covers it): it measures the scanning engine, not a build.
package corpus
