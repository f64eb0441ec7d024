#!/usr/bin/env bash
# make demo: build a base image offline, build an example that needs a
# secret, and show that the secret is nowhere in the image.
set -euo pipefail
hush=$1
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

scripts/base.sh "$hush"

# A fresh random credential, so the check below means something.
pass="demo-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '[global]\nindex-url = https://ci:%s@pypi.internal.example/simple\ntimeout = 60\n' "$pass" > "$work/pip.conf"
export DEMO_TOKEN="tok-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"

echo "== hush build examples/pip-secret (secrets: pip.conf at /root/.pip/pip.conf, token from \$DEMO_TOKEN)"
"$hush" build -t localhost/hush-demo:latest \
  --secret "id=pip,src=$work/pip.conf,target=/root/.pip/pip.conf" \
  --secret id=token,env=DEMO_TOKEN \
  -o "type=oci,dest=$work/oci" \
  "$here/examples/pip-secret"

echo "== hush audit of the OCI output, with both secrets as known values"
"$hush" audit --secret "id=pip,src=$work/pip.conf" --secret id=token,env=DEMO_TOKEN "oci:$work/oci"

echo "== independently: is either value in any blob (every layer, config, history)?"
found=0
for blob in "$work"/oci/blobs/sha256/*; do
  if (gzip -dc "$blob" 2>/dev/null || cat "$blob") | grep -aqF -e "$pass" -e "$DEMO_TOKEN"; then
    echo "LEAK in $blob"; found=1
  fi
done
if (cd "$work/oci" && for b in blobs/sha256/*; do gzip -dc "$b" 2>/dev/null | tar -t 2>/dev/null; done) | grep -q 'root/.pip/pip.conf'; then
  echo "LEAK: /root/.pip/pip.conf is in a layer"; found=1
fi
[ "$found" = 0 ] || exit 1
echo "clean: no secret value in any blob, no /root/.pip/pip.conf in any layer"

echo
echo "== hush build examples/leaky-npmrc (a step writes the token into ~/.npmrc): the guard must refuse"
set +e
"$hush" build -t localhost/hush-leaky:latest --secret id=token,env=DEMO_TOKEN "$here/examples/leaky-npmrc" 2>"$work/leaky.err"
code=$?
set -e
cat "$work/leaky.err"
if [ "$code" != 3 ]; then echo "expected the guard to refuse with exit code 3, got $code"; exit 1; fi
if grep -qF "$DEMO_TOKEN" "$work/leaky.err"; then echo "the token appeared in hush's output"; exit 1; fi
# An independent reader of the store: skopeo (make demo installs it).
if skopeo inspect --raw containers-storage:localhost/hush-leaky:latest >/dev/null 2>&1; then
  echo "an image is tagged localhost/hush-leaky after the refusal"; exit 1
fi
echo "refused (exit 3), the token appears nowhere in the output, and skopeo finds nothing tagged localhost/hush-leaky"
