package verify

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"go.podman.io/image/v5/types"
)

// Answer is what Handler says of one image, as JSON.
type Answer struct {
	Image    string  `json:"image"`
	Verified bool    `json:"verified"`
	Images   []Image `json:"images,omitempty"`
	Error    string  `json:"error,omitempty"` // could not check (HTTP 503)
}

// Handler answers GET /verify?image=REF for an admission controller
// (docs/ci/kyverno-hush-verify.yaml): 200 with verified true or false when
// the image was checked, 503 when it could not be (the controller then
// fails closed), 400 without an image. Each check has timeout.
func Handler(sys *types.SystemContext, timeout time.Duration) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /verify", func(w http.ResponseWriter, r *http.Request) {
		img := r.URL.Query().Get("image")
		w.Header().Set("Content-Type", "application/json")
		if img == "" {
			w.WriteHeader(http.StatusBadRequest)
			_ = json.NewEncoder(w).Encode(Answer{Error: "image=REF is required"})
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		a := Answer{Image: img}
		rep, err := Verify(ctx, Options{Image: img, Sys: sys})
		if err != nil {
			a.Error = err.Error()
			w.WriteHeader(http.StatusServiceUnavailable)
		} else {
			a.Verified, a.Images = rep.OK(), rep.Images
		}
		_ = json.NewEncoder(w).Encode(a)
	})
	return mux
}
