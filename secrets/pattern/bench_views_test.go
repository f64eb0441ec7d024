package pattern

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// BenchmarkViews is a Stream's throughput, views on and off, on one kind
// of data each: what each view costs. binary and text hold no encoding;
// base64 is wrapped random blocks (decoded and scanned again); json is
// escaped JSON text (every region decoded by the backslash dialect).
func BenchmarkViews(b *testing.B) {
	set := NewSet(benchSecrets(b)...)
	mixed := mixedData(8<<20, 42, nil)
	var bin, text, b64 []byte
	for len(bin) < 4<<20 {
		bin = append(bin, mixed[len(bin)%len(mixed)]|0x80)
	}
	for len(text) < 4<<20 {
		text = append(text, "the build layer install package error warning config requirements\n"...)
	}
	raw := mixed[:3<<20]
	b64 = []byte(base64.StdEncoding.EncodeToString(raw))
	var js strings.Builder
	for js.Len() < 4<<20 {
		q, _ := json.Marshal(map[string]string{"msg": "step \"RUN\" in C:\\build\\path\tdone é", "url": "https://x/y?a=1&b=%20"})
		js.Write(q)
		js.WriteByte('\n')
	}
	for _, d := range []struct {
		name string
		data []byte
	}{{"binary", bin}, {"text", text}, {"base64", b64}, {"json", []byte(js.String())}, {"mixed", mixed}} {
		for _, views := range []bool{false, true} {
			name := d.name + "/views=off"
			if views {
				name = d.name + "/views=on"
			}
			b.Run(name, func(b *testing.B) {
				st := set.NewStream(func(Match) {})
				if !views {
					st.vw = nil
				}
				b.SetBytes(int64(len(d.data)))
				for range b.N {
					st.Reset()
					for p := d.data; len(p) > 0; {
						k := min(len(p), 64<<10)
						_, _ = st.Write(p[:k])
						p = p[k:]
					}
				}
			})
		}
	}
}
