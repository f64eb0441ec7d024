// Node's serialisers as a program writes them by default: dst/node-NAME/PAYLOAD.
const fs = require("fs");
const path = require("path");
const util = require("util");
const [src, dst] = process.argv.slice(2);
const writers = {
  "json": (b, s) => JSON.stringify({ value: s }),
  "json-indent": (b, s) => JSON.stringify({ app: { value: s } }, null, 2),
  "encodeuricomponent": (b, s) => encodeURIComponent(s),
  "util-inspect": (b, s) => util.inspect({ value: s }),
  "buffer-hex": (b, s) => b.toString("hex"),
  "buffer-base64": (b, s) => b.toString("base64"),
};
for (const n of Object.keys(writers)) fs.mkdirSync(path.join(dst, "node-" + n), { recursive: true });
for (const p of fs.readdirSync(src).sort()) {
  const b = fs.readFileSync(path.join(src, p));
  const s = b.toString("utf8");
  for (const [n, fn] of Object.entries(writers)) fs.writeFileSync(path.join(dst, "node-" + n, p), fn(b, s));
}
