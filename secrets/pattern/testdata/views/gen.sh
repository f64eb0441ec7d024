#!/usr/bin/env bash
# Writes the views' test data: each secret of secrets.txt (one a line) as
# real serialisers write it by default. Run from this directory; needs
# python3 (PyYAML), perl, node, php, java, xxd, hexdump, gzip, base64.
# The files are committed; TestViewsWriters reads them.
set -euo pipefail
cd "$(dirname "$0")"
rm -rf out && mkdir out
n=0
while IFS= read -r s; do
  n=$((n+1)); export S="$s" N="$n"
  python3 - <<'PY'
import os, re, json, base64, gzip, urllib.parse, html, csv, io, shlex, configparser, yaml, xml.sax.saxutils as sx, pickle
s, n = os.environ["S"], os.environ["N"]
def w(name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    with open(f"out/{n}-py-{name}", mode) as f: f.write(data)
w("json", json.dumps({"password": s}))
w("json-nested", json.dumps({"config": json.dumps({"password": s})}))
w("repr", repr({"password": s}))
w("repr-bytes", repr(s.encode()))
w("quote", "url=" + urllib.parse.quote(s, safe=""))
w("quote-plus", "q=" + urllib.parse.quote_plus(s))
w("quote-lower", "q=" + re.sub("%[0-9A-F]{2}", lambda m: m.group(0).lower(), urllib.parse.quote(s, safe="")))
w("html-escape", "<p>" + html.escape(s) + "</p>")
w("xml-attr", "<x v=" + sx.quoteattr(s) + "/>")
w("html-xmlcharref", s.encode("ascii", "xmlcharrefreplace").decode())
b = io.StringIO(); csv.writer(b).writerow(["user", s]); w("csv", b.getvalue())
w("shlex", "echo " + shlex.quote(s))
w("yaml", yaml.safe_dump({"password": s}))
w("yaml-ascii", yaml.safe_dump({"password": s}, allow_unicode=False, default_style='"'))
w("b64-json", base64.b64encode(json.dumps({"password": s}).encode()).decode())
w("b64-b64", base64.b64encode(base64.b64encode(s.encode())).decode())
w("b64-gzip-json", "data: " + base64.b64encode(gzip.compress(json.dumps({"password": s}).encode())).decode() + "\n")
w("quote-json", "state=" + urllib.parse.quote(json.dumps({"password": s})))
w("html-json", "<div data-config=\"" + html.escape(json.dumps({"password": s})) + "\"></div>")
w("hex-json", json.dumps({"password": s}).encode().hex())
w("b64-mime", base64.encodebytes(("secret " * 20 + s).encode()).decode())
PY
  perl -MJSON::PP -MData::Dumper -MMIME::Base64 -MURI::Escape -CSDA -e '
    my ($s, $n) = ($ENV{S}, $ENV{N}); utf8::decode($s);
    sub w { open(my $f, ">:raw", "out/$n-perl-$_[0]") or die; print $f $_[1]; close $f }
    $Data::Dumper::Useqq = 0; w("dumper", Dumper({password => $s}));
    $Data::Dumper::Useqq = 1; w("dumper-qq", Dumper({password => $s}));
    w("json-ascii", JSON::PP->new->ascii->encode({password => $s}));
    w("json-utf8", JSON::PP->new->utf8->encode({password => $s}));
    w("uri-escape", uri_escape_utf8($s));
    w("b64-json", encode_base64(JSON::PP->new->utf8->encode({password => $s})));
    w("quotemeta", do { my $u = $s; utf8::encode($u); quotemeta($u) });
  '
  node -e '
    const fs = require("fs"), util = require("util");
    const s = process.env.S, n = process.env.N;
    const w = (name, d) => fs.writeFileSync(`out/${n}-node-${name}`, d);
    w("json", JSON.stringify({password: s}));
    w("json-nested", JSON.stringify({env: JSON.stringify({password: s})}));
    w("encodeURIComponent", encodeURIComponent(s));
    w("escape", escape(s));
    w("inspect", util.inspect({password: s}));
    w("b64-json", Buffer.from(JSON.stringify({password: s})).toString("base64"));
    w("hex", Buffer.from(s).toString("hex"));
    w("buffer-inspect", util.inspect(Buffer.from(s)));
  '
  php -r '
    $s = getenv("S"); $n = getenv("N");
    $w = function($name, $d) use ($n) { file_put_contents("out/$n-php-$name", $d); };
    $w("json", json_encode(["password" => $s]));
    $w("var-export", var_export(["password" => $s], true));
    $w("urlencode", urlencode($s));
    $w("rawurlencode", rawurlencode($s));
    $w("htmlspecialchars", htmlspecialchars($s));
    $w("htmlentities", htmlentities($s));
    $w("addslashes", addslashes($s));
    $w("serialize-b64", base64_encode(serialize(["password" => $s])));
    $w("json-b64-json", json_encode(["blob" => base64_encode(json_encode(["password" => $s]))]));
  '
  printf '%s' "$s" > /tmp/views-s
  xxd /tmp/views-s > "out/$n-xxd"
  xxd -i /tmp/views-s > "out/$n-xxd-i"
  xxd -p /tmp/views-s > "out/$n-xxd-p"
  hexdump -C /tmp/views-s > "out/$n-hexdump-C"
  printf 'export PASSWORD=%q\n' "$s" > "out/$n-bash-printf-q"
  gzip -c /tmp/views-s | base64 > "out/$n-gzip-base64"
done < secrets.txt
cat > /tmp/ViewsGen.java <<'JAVA'
import java.nio.file.*; import java.util.*; import java.io.*;
public class ViewsGen {
  public static void main(String[] a) throws Exception {
    List<String> ss = Files.readAllLines(Paths.get("secrets.txt"));
    for (int i = 0; i < ss.size(); i++) {
      Properties p = new Properties(); p.setProperty("db.password", ss.get(i));
      try (OutputStream o = new FileOutputStream("out/" + (i + 1) + "-java-properties")) { p.store(o, null); }
      p = new Properties(); p.setProperty("db:pass=word", ss.get(i));
      StringWriter sw = new StringWriter(); p.store(sw, null);
      Files.writeString(Paths.get("out/" + (i + 1) + "-java-properties-writer"), sw.toString());
      Files.writeString(Paths.get("out/" + (i + 1) + "-java-b64-mime"),
        Base64.getMimeEncoder().encodeToString(("prefix " + ss.get(i)).getBytes("UTF-8")));
    }
  }
}
JAVA
java /tmp/ViewsGen.java
rm -f /tmp/views-s /tmp/ViewsGen.java
