package conversion

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandlerReadsBodiesOfAnyDeclaredLength checks the body limit and
// the answer whatever Content-Length the request declares: none (chunked),
// the true one, or one larger than the limit.
func TestHandlerReadsBodiesOfAnyDeclaredLength(t *testing.T) {
	h := newTestHandler(t, HandlerOptions{MaxBodyBytes: 2048})
	good := reviewBody(reviewV1, "uid-1", "access.smi-spec.io/v1alpha3", ttV1a1)
	large := reviewBody(reviewV1, "uid-1", "access.smi-spec.io/v1alpha3", ttV1a1, ttV1a1, ttV1a1, ttV1a1, ttV1a1)
	cases := []struct {
		name   string
		body   string
		length int64
		code   int
	}{
		{"chunked", good, -1, http.StatusOK},
		{"declared", good, int64(len(good)), http.StatusOK},
		{"chunked over the limit", large, -1, http.StatusRequestEntityTooLarge},
		{"declared over the limit", large, int64(len(large)), http.StatusRequestEntityTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A reader of unknown length hides the body's size from
			// httptest, which would set Content-Length.
			req := httptest.NewRequest(http.MethodPost, ttPath, io.MultiReader(strings.NewReader(c.body)))
			req.ContentLength = c.length
			req.Header.Set("Content-Type", "application/json; charset=utf-8")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.code {
				t.Fatalf("code %d, want %d: %s", rec.Code, c.code, rec.Body)
			}
			if c.code != http.StatusOK {
				return
			}
			if got := rec.Header().Get("Content-Length"); got != itoa(rec.Body.Len()) {
				t.Errorf("Content-Length %s for %d bytes", got, rec.Body.Len())
			}
			_, want := answerSlowly(t, ttCRD, []byte(c.body))
			if rec.Body.String() != want {
				t.Errorf("answer:\ngot  %s\nwant %s", rec.Body, want)
			}
		})
	}
}
