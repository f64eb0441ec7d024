# The wrappers that are Python programs, batched in one interpreter: each
# stdin line is "MODE<TAB>IN<TAB>OUT".
import base64, json, sys, yaml


def yaml_in_json(b):
    # A YAML document carried as a JSON string (a Helm value file inside
    # a JSON config, as provisioning tools write them).
    return json.dumps({"values": yaml.safe_dump({"config": b.decode("utf-8")})}) + "\n"


def k8s_secret(b):
    # What `kubectl create secret generic --from-file ... -o yaml` writes.
    return yaml.safe_dump({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "app"},
                           "type": "Opaque", "data": {"app.conf": base64.b64encode(b).decode()}})


modes = {"yaml-in-json": yaml_in_json, "k8s-secret": k8s_secret}
for line in sys.stdin:
    mode, src, dst = line.rstrip("\n").split("\t")
    out = modes[mode](open(src, "rb").read())
    open(dst, "w", encoding="utf-8").write(out)
