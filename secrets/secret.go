package secrets

import "fmt"

// Secret is a loaded secret value. Its value is unexported and every way of
// printing a Secret shows only its id, so a stray %v or %+v in an error or a
// log line cannot leak it.
type Secret struct {
	ID    string
	value []byte
}

// New makes a Secret from a value held by the caller (tests, library users).
func New(id string, value []byte) Secret { return Secret{ID: id, value: value} }

// Value returns the secret bytes. Callers must not log or wrap them.
func (s Secret) Value() []byte { return s.value }

// String redacts.
func (s Secret) String() string { return fmt.Sprintf("secret(%s)", s.ID) }

// GoString redacts %#v too.
func (s Secret) GoString() string { return s.String() }

// Format makes every verb (%v, %+v, %s, %q, %x ...) print the redacted form.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(s.String())) }

// Wipe overwrites the value in memory once the build no longer needs it.
func (s Secret) Wipe() { clear(s.value) }
