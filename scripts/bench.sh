#!/usr/bin/env bash
# make bench: every benchmark script in bench/, each printing its figures
# side by side with its anchor. Usage: bench.sh (from the repo root)
set -euo pipefail
for b in bench/*.sh; do
  echo "######## $b"
  HUSH=bin/hush "$b" bin/hush
done
