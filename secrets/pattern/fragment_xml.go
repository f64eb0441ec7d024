package pattern

import (
	"html"
	"regexp"
	"strings"
)

// XML secrets (NuGet.Config, Maven's settings.xml, .NET app.config) hold
// their credentials as element text and attribute values, never as
// key = value lines:
//
//	<password>X</password>
//	<add key="ClearTextPassword" value="X" />
//	<server id="r" password="X"/>
var (
	xmlElemRE = regexp.MustCompile(`<([A-Za-z_][\w:.-]*)(?:\s[^<>]*)?>([^<>]+)</([A-Za-z_][\w:.-]*)\s*>`)
	xmlTagRE  = regexp.MustCompile(`<[A-Za-z_][\w:.-]*(\s[^<>]*?)/?>`)
	xmlAttrRE = regexp.MustCompile(`([A-Za-z_][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')`)
)

// xmlResult says what d.xml found in a line: kv when the line is XML
// markup (structured, like a key = value line), frags when it held a
// credential.
type xmlResult struct{ kv, frags bool }

// xml records the text of credential-named elements, the values of
// credential-named attributes, and the value= of an element whose key= or
// name= names a credential (NuGet's and app.config's <add key value/>),
// each as written and with XML's entities decoded.
func (d *deriver) xml(l string, nest int) xmlResult {
	var r xmlResult
	for _, m := range xmlElemRE.FindAllStringSubmatch(l, -1) {
		r.kv = true
		if m[1] == m[3] && credentialKey(localName(m[1])) {
			r.frags = d.xmlValue(m[2], nest) || r.frags
		}
	}
	for _, m := range xmlTagRE.FindAllStringSubmatch(l, -1) {
		attrs := map[string]string{}
		var order []string
		for _, a := range xmlAttrRE.FindAllStringSubmatch(m[1], -1) {
			name := strings.ToLower(localName(a[1]))
			attrs[name] = a[2] + a[3]
			order = append(order, name)
		}
		if len(order) > 0 {
			r.kv = true
		}
		named := credentialKey(attrs["key"]) || credentialKey(attrs["name"])
		for _, name := range order {
			// key= and name= name the entry (key="ClearTextPassword"),
			// however credential-like the word "key" is.
			if name != "key" && name != "name" && credentialKey(name) || (named && name == "value") {
				r.frags = d.xmlValue(attrs[name], nest) || r.frags
			}
		}
	}
	return r
}

// xmlValue records one value as written and decoded.
func (d *deriver) xmlValue(v string, nest int) bool {
	v = strings.TrimSpace(v)
	ok := d.keyValue("password", v, nest)
	if dec := html.UnescapeString(v); dec != v {
		ok = d.keyValue("password", dec, nest) || ok
	}
	return ok
}

// localName drops an XML namespace prefix (ns:password).
func localName(n string) string {
	if i := strings.LastIndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}
