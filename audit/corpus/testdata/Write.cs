// .NET's serialisers (Mono's class library, which Debian packages: Debian
// has no .NET SDK) as a program writes them by default:
// dst/dotnet-NAME/PAYLOAD. Built with mcs, run with mono.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Web;
using System.Web.Script.Serialization;

class Write {
    static void Main(string[] args) {
        string src = args[0], dst = args[1];
        var w = new SortedDictionary<string, Func<byte[], string, byte[]>>();
        var utf8 = new UTF8Encoding(false);
        w["javascriptserializer"] = (b, s) => utf8.GetBytes(new JavaScriptSerializer().Serialize(new Dictionary<string, string> { { "value", s } }));
        w["base64"] = (b, s) => utf8.GetBytes(Convert.ToBase64String(b));
        w["uri-escapedatastring"] = (b, s) => utf8.GetBytes(Uri.EscapeDataString(s));
        w["httputility-urlencode"] = (b, s) => utf8.GetBytes(HttpUtility.UrlEncode(s));
        w["httputility-htmlencode"] = (b, s) => utf8.GetBytes(HttpUtility.HtmlEncode(s));
        w["securityelement-escape"] = (b, s) => utf8.GetBytes("<password>" + System.Security.SecurityElement.Escape(s) + "</password>");
        // File.WriteAllText with Encoding.Unicode: UTF-16LE with a BOM, as
        // Windows tooling writes text.
        w["utf16"] = (b, s) => { var ms = new MemoryStream(); using (var t = new StreamWriter(ms, Encoding.Unicode)) t.Write(s); return ms.ToArray(); };
        foreach (var n in w.Keys) Directory.CreateDirectory(Path.Combine(dst, "dotnet-" + n));
        var files = Directory.GetFiles(src);
        Array.Sort(files, StringComparer.Ordinal);
        foreach (var f in files) {
            byte[] b = File.ReadAllBytes(f);
            string s = utf8.GetString(b);
            foreach (var e in w) File.WriteAllBytes(Path.Combine(dst, "dotnet-" + e.Key, Path.GetFileName(f)), e.Value(b, s));
        }
    }
}
