#!/bin/sh
# Skaffold's custom builder contract, met by hush (docs/ci/README.md).
# Skaffold sets IMAGE (the full name:tag to build), PUSH_IMAGE (true when it
# wants the image in a registry), BUILD_CONTEXT (the artifact's directory)
# and PLATFORMS; afterwards it reads the image's digest from the registry
# (PUSH_IMAGE=true) or from the local Docker daemon. Extra arguments go to
# hush build (e.g. --cache-from, --secret). tests/contracts_test.go runs
# this very file, and tests/skaffold_test.go has the real Skaffold run it.
# For a plain-HTTP registry add --tls-verify=false to buildCommand:
# Skaffold's --insecure-registry does not reach this script.
set -eu
case "${PUSH_IMAGE:-false}" in
  true) out=--push ;;
  *) out=--load ;;
esac
# Several PLATFORMS make one index: pushed, since the Docker daemon holds
# one platform (hush says so and stops when asked to --load several).
case "${PLATFORMS:-}" in
  "") set -- "$@" ;;
  *) set -- --platform "$PLATFORMS" "$@" ;;
esac
exec "${HUSH:-hush}" build -t "$IMAGE" "$out" "$@" "$BUILD_CONTEXT"
