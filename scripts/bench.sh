#!/usr/bin/env bash
# make bench: every benchmark in bench/, each printing its figures side by
# side with its anchors (the *-cli.sh and base scripts are their helpers).
# Usage: bench.sh (from the repo root)
set -euo pipefail
for b in bench/build.sh bench/guard.sh bench/audit.sh bench/buildkit.sh bench/cache.sh bench/container.sh; do
  echo "######## $b"
  HUSH=bin/hush "$b" bin/hush
done
