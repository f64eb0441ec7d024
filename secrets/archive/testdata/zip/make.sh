#!/usr/bin/env bash
# Makes the zips TestRealWriters reads, with the writers users have: Python's
# zipfile writing to a pipe (every member with a data descriptor, a stored
# jar in it, a zip64 descriptor) and the JDK's jar tool (a fat jar: stored
# library jars whose own members are deflated with descriptors, then a
# deflated member added by --update). The values are fake: TestRealWriters
# searches for them. Run from this directory; needs python3 and a JDK.
set -euo pipefail
python3 - <<'PY'
import io, random, zipfile
random.seed(9)
class Pipe(io.RawIOBase):
    def __init__(s, f): s.f = f
    def writable(s): return True
    def write(s, b): return s.f.write(b)
    def seekable(s): return False
inner = io.BytesIO()
with zipfile.ZipFile(Pipe(inner), "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("in/.npmrc", "//registry.npmjs.org/:_authToken=npm_pipeZipFake0123456789abcdef\n")
with open("python-pipe.zip", "wb") as f, zipfile.ZipFile(Pipe(f), "w") as z:
    with z.open(zipfile.ZipInfo("lib/inner.jar"), "w") as w:
        w.write(inner.getvalue())
    with z.open(zipfile.ZipInfo("blob.bin"), "w") as w:
        w.write(random.randbytes(6000))
    zi = zipfile.ZipInfo("app.properties")
    zi.compress_type = zipfile.ZIP_DEFLATED
    with z.open(zi, "w", force_zip64=True) as w:
        w.write(b"db.password=pipeZip64Fake987654321\n")
PY
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lib" "$work/app/BOOT-INF/lib" "$work/app/BOOT-INF/classes"
printf 'spring.datasource.password=jdkNestedFake0123456789\n' > "$work/lib/app.properties"
head -c 6000 /dev/urandom > "$work/lib/Blob.class"
jar --create --file "$work/app/BOOT-INF/lib/dep.jar" -C "$work/lib" .
head -c 6000 /dev/urandom > "$work/app/BOOT-INF/lib/rand.jar"
printf 'db.password=jdkOuterFake987654321\n' > "$work/app/BOOT-INF/classes/application.properties"
rm -f jdk-fat.jar
jar --create --file jdk-fat.jar --no-compress -C "$work/app" BOOT-INF/lib
jar --update --file jdk-fat.jar -C "$work/app" BOOT-INF/classes
