# Python's standard serialisers as a program writes them by default: one
# output per serialiser and payload, dst/python-NAME/PAYLOAD. A serialiser
# this interpreter lacks prints one "skip" line.
import configparser, html, json, os, pickle, shlex, sys, urllib.parse

src, dst = sys.argv[1], sys.argv[2]


def cp(s):
    c = configparser.ConfigParser(interpolation=None)
    c["app"] = {"password": s}
    out = __import__("io").StringIO()
    c.write(out)
    return out.getvalue()


writers = {
    "json": lambda b, s: json.dumps({"value": s}),
    "json-indent": lambda b, s: json.dumps({"app": {"value": s}}, indent=2),
    "repr-bytes": lambda b, s: repr(b),
    "repr-str": lambda b, s: repr(s),
    "pickle": lambda b, s: pickle.dumps({"value": s}),
    "configparser": lambda b, s: cp(s),
    "quote": lambda b, s: urllib.parse.quote(b),
    "quote-plus": lambda b, s: urllib.parse.quote_plus(b),
    "urlencode": lambda b, s: urllib.parse.urlencode({"value": s}),
    "html-escape": lambda b, s: html.escape(s),
    "shlex-quote": lambda b, s: "export VALUE=" + shlex.quote(s) + "\n",
}
try:
    import yaml

    writers["yaml"] = lambda b, s: yaml.safe_dump({"value": s})
except ImportError:
    print("skip python-yaml: no yaml module")

for name, fn in writers.items():
    os.makedirs(os.path.join(dst, "python-" + name), exist_ok=True)
for p in sorted(os.listdir(src)):
    b = open(os.path.join(src, p), "rb").read()
    s = b.decode("utf-8")
    for name, fn in writers.items():
        out = fn(b, s)
        if isinstance(out, str):
            out = out.encode("utf-8")
        open(os.path.join(dst, "python-" + name, p), "wb").write(out)
