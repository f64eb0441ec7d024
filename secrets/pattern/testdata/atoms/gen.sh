#!/usr/bin/env bash
# Writes the atoms' test data with real tools: OpenPGP keys (gpg: RSA and
# Ed25519, secret and public exports, armoured and binary), an htpasswd
# line (openssl passwd -apr1), a cookie jar (Python's MozillaCookieJar),
# a .pgpass. Run from this directory; the files are committed and
# TestAtoms reads them.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf out && mkdir out
export GNUPGHOME=$(mktemp -d)
trap 'rm -rf "$GNUPGHOME"' EXIT
for algo in rsa3072 ed25519; do
  gpg --batch -q --passphrase '' --quick-gen-key "Hush Test $algo <hush-$algo@example.com>" "$algo" sign never
  fpr=$(gpg --list-keys --with-colons "hush-$algo@example.com" | awk -F: '/^fpr/{print $10; exit}')
  sub=$([ "$algo" = ed25519 ] && echo cv25519 || echo rsa3072)
  gpg --batch -q --passphrase '' --quick-add-key "$fpr" "$sub" encr never
  gpg --batch -q --armor --export-secret-keys "$fpr" > "out/$algo-secret.asc"
  gpg --batch -q --export-secret-keys "$fpr" > "out/$algo-secret.gpg"
  gpg --batch -q --armor --export "$fpr" > "out/$algo-public.asc"
  gpg --batch -q --export "$fpr" > "out/$algo-public.gpg"
  # A protected copy: the secret parts are encrypted, still secret.
  gpg --batch -q --pinentry-mode loopback --passphrase 'hush-pass-9' --armor --export-secret-keys "$fpr" > /dev/null
done
printf 'deploy:%s\n' "$(openssl passwd -apr1 -salt hUsHsalt 'Htp4sswd-canary-71')" > out/htpasswd
printf 'db.internal.example.com:5432:app:app_user:Pg-p4ss\\:word-canary\n' > out/pgpass
python3 - <<'PY'
import http.cookiejar, time
jar = http.cookiejar.MozillaCookieJar("out/cookies.txt")
c = http.cookiejar.Cookie(0, "session", "c00kie-s3ssion-canary-5f2e9a", None, False, ".shop.example.com", True, True,
    "/", True, True, int(time.time()) + 86400 * 3650, False, None, None, {})
jar.set_cookie(c)
jar.save(ignore_discard=True, ignore_expires=True)
PY
# A public template (Debian's adduser.conf, as the package ships it) and a
# secret file made from it: one credential added.
cp /etc/adduser.conf out/template.conf
{ cat /etc/adduser.conf; printf '\n# local\nSMTP_PASSWORD="Sm7p-canary-pass-0b"\n'; } > out/secret-from-template.conf
# The public keyring every Debian image holds.
cp /usr/share/keyrings/debian-archive-bookworm-stable.gpg out/debian-keyring.gpg
# A large one: the first 40 KB of the system's CA bundle (public, in every
# image) with a client credential appended, as a "tls bundle" secret.
python3 - <<'PY'
b = open("/etc/ssl/certs/ca-certificates.crt").read()
end = b.rfind("-----END CERTIFICATE-----\n", 0, 40000) + len("-----END CERTIFICATE-----\n")
open("out/ca-bundle.crt", "w").write(b[:end])
open("out/secret-bundle.pem", "w").write(b[:end] + "client_password = Cl13nt-canary-pw-4d\n")
PY
# Compact JSON on one line (docker config.json with a credential helper, as
# Node's JSON.stringify, Python's json.dumps with compact separators and
# jq -c write it): the secret has an auth, the image the same file without.
# Its colons separate keys from values; no field of it is a credential.
cfg='{"auths":{"registry.example.com":{"auth":"ZGVwbG95OkNmZy1jYW5hcnktYXV0aC05Mw=="}},"credsStore":"ecr-login","credHelpers":{"123456789012.dkr.ecr.eu-west-1.amazonaws.com":"ecr-login"}}'
pub=${cfg/\"auth\":\"ZGVwbG95OkNmZy1jYW5hcnktYXV0aC05Mw==\"/}
node -e 'process.stdout.write(JSON.stringify(JSON.parse(process.argv[1])))' "$cfg" > out/docker-config-node.json
node -e 'process.stdout.write(JSON.stringify(JSON.parse(process.argv[1])))' "$pub" > out/docker-public-node.json
python3 -c 'import json,sys; sys.stdout.write(json.dumps(json.loads(sys.argv[1]), separators=(",", ":")))' "$pub" > out/docker-public-python.json
printf '%s' "$pub" | jq -c . > out/docker-public-jq.json
