// Package layertar is the one way hush reads an image layer's tar, for the
// commit guard and `hush audit` alike: the member-name rule (absolute names
// and names that climb out of the layer are refused), a reader for layers in
// containers-storage that never lets a member name open anything outside
// the layer, and the per-member budget (cancellation, sparse holes, wall
// time). Every refusal wraps archive.ErrIncomplete: the caller must not take
// a layer it could not read for clean.
//
// It owns no scanning: audit walks the tar it returns. It must not import
// audit, builder or cmd (audit and, through it, the guard import it).
package layertar
