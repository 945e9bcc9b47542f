package conversion

// The parts of a ConversionReview response around the converted objects
// and the message, as encoding/json writes the response types of
// k8s.io/apiextensions-apiserver: response_test.go checks that the bytes
// are the same.
const (
	responseStart  = `{"kind":"ConversionReview","apiVersion":`
	responseUID    = `,"response":{"uid":`
	responseList   = `,"convertedObjects":`
	successResult  = `],"result":{"metadata":{},"status":"Success"}}}`
	failureResult  = `null,"result":{"metadata":{},"status":"Failure"`
	failureMessage = `,"message":`
	failureEnd     = `}}}`
)

// startResponse writes the answer to r up to its converted objects.
func startResponse(w *jsonWriter, r *review) {
	w.b = append(w.b, responseStart...)
	w.string(r.apiVersion)
	w.b = append(w.b, responseUID...)
	w.string(string(r.uid))
	w.b = append(w.b, responseList...)
}

// endWithFailure writes the Failure result after startResponse: no
// objects, and the reason.
func endWithFailure(w *jsonWriter, err error) {
	w.b = append(w.b, failureResult...)
	if msg := err.Error(); msg != "" {
		w.b = append(w.b, failureMessage...)
		w.string(msg)
	}
	w.b = append(w.b, failureEnd...)
}
