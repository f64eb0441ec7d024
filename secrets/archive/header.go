package archive

import (
	"archive/tar"
	"slices"
)

// HeaderText is one piece of a tar header that a scan matches against the
// known values.
type HeaderText struct {
	Text string
	// Field is "name", "linkname", "uname", "gname" or "pax" (a PAX record,
	// xattrs among them: Key is its key, matched as a Text of its own too).
	Field, Key string
	// InName: the text is the member's path or link target.
	InName bool
}

// HeaderTexts calls fn for every text of hdr that a scan matches, in a
// fixed order: name, link target, owner names, then each PAX record's key
// and value, apart, by key (those that only restate the fields above are
// skipped). The one rule for the layer walk here and audit's (and so the
// commit guard's).
func HeaderTexts(hdr *tar.Header, fn func(HeaderText)) {
	fn(HeaderText{Text: hdr.Name, Field: "name", InName: true})
	if hdr.Linkname != "" {
		fn(HeaderText{Text: hdr.Linkname, Field: "linkname", InName: true})
	}
	if hdr.Uname != "" {
		fn(HeaderText{Text: hdr.Uname, Field: "uname"})
	}
	if hdr.Gname != "" {
		fn(HeaderText{Text: hdr.Gname, Field: "gname"})
	}
	keys := make([]string, 0, len(hdr.PAXRecords))
	for k := range hdr.PAXRecords {
		switch k {
		case "path", "linkpath", "uname", "gname":
			continue // the fields above
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fn(HeaderText{Text: k, Field: "pax", Key: k})
		fn(HeaderText{Text: hdr.PAXRecords[k], Field: "pax", Key: k})
	}
}
