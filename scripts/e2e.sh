#!/usr/bin/env bash
# The end-to-end suite (tests/), twice: hush run as root, then as the
# unprivileged user scripts/test-env.sh prepares. The test process runs as
# root both times, so it can read back everything hush wrote.
# Usage: e2e.sh [go test flags, e.g. -test.run TestSecret]   (as root)
# Environment: HUSH (binary, default bin/hush), HUSH_TOOLS (scripts/tools.sh),
# HUSH_E2E_ROOTLESS_USER
# (default hushtest), HUSH_E2E_MODES (default "root rootless").
set -euo pipefail
cd "$(dirname "$0")/.."
user=${HUSH_E2E_ROOTLESS_USER:-hushtest}
modes=${HUSH_E2E_MODES:-root rootless}
hush=$(realpath -m "${HUSH:-bin/hush}")
if [ "$(id -u)" != 0 ]; then
  echo "e2e: run as root (the suite runs hush as root and as $user)" >&2; exit 1
fi
scripts/test-env.sh "$user"
[ -x "$hush" ] || make build
go test -mod=vendor -c -o bin/e2e.test ./tests
# The real Skaffold tests/skaffold_test.go drives (built once, then cached).
skaffold=$(scripts/tools.sh)
# The program TestConcurrentBuildsInOneProcess runs (several builds in one
# process), built once here rather than inside a timed test.
CGO_ENABLED=1 go build -mod=vendor -tags "containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper" \
  -o bin/e2e-concurrent ./tests/cmd/concurrent

failed=()
for mode in $modes; do
  case $mode in
    root)     as= ;;
    rootless) as=$user ;;
    *) echo "e2e: unknown mode $mode (want root or rootless)" >&2; exit 2 ;;
  esac
  echo
  echo "################################################################"
  echo "## e2e: hush as ${as:-root} ($mode)"
  echo "################################################################"
  start=$(date +%s)
  if HUSH="$hush" HUSH_E2E_USER="$as" HUSH_SKAFFOLD="$skaffold" bin/e2e.test -test.v -test.count=1 -test.timeout=20m "$@"; then
    status=PASS
  else
    status=FAIL; failed+=("$mode")
  fi
  echo "## e2e: $mode: $status in $(( $(date +%s) - start ))s"
done
echo
if [ ${#failed[@]} -gt 0 ]; then
  echo "e2e: FAILED in mode(s): ${failed[*]}" >&2; exit 1
fi
echo "e2e: passed in mode(s): $modes"
