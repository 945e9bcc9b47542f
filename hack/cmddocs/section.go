package main

import (
	"errors"
	"fmt"
	"strings"
)

// The markers that enclose the generated section of the README, each on a
// line of its own.
const (
	beginMarker = "<!-- BEGIN GENERATED: commands -->"
	endMarker   = "<!-- END GENERATED: commands -->"
)

var errMarkers = errors.New("generated section markers")

// section returns the text between the markers of doc, without the lines of
// the markers themselves.
func section(doc string) (string, error) {
	start, end, err := bounds(doc)
	if err != nil {
		return "", err
	}
	return doc[start:end], nil
}

// splice returns doc with the text between its markers replaced by
// generated.
func splice(doc, generated string) (string, error) {
	start, end, err := bounds(doc)
	if err != nil {
		return "", err
	}
	if generated != "" && !strings.HasSuffix(generated, "\n") {
		generated += "\n"
	}
	return doc[:start] + generated + doc[end:], nil
}

// bounds returns the offsets of the text between the markers: from just
// after the begin marker's line to the start of the end marker's line. Each
// marker must be there exactly once, on a line of its own, begin first.
func bounds(doc string) (start, end int, err error) {
	begin, err := markerLine(doc, beginMarker)
	if err != nil {
		return 0, 0, err
	}
	finish, err := markerLine(doc, endMarker)
	if err != nil {
		return 0, 0, err
	}
	if finish < begin {
		return 0, 0, fmt.Errorf("%w: %q comes before %q", errMarkers, endMarker, beginMarker)
	}
	return begin + len(beginMarker) + 1, finish, nil
}

// markerLine returns the offset of the line that holds only marker.
func markerLine(doc, marker string) (int, error) {
	if n := strings.Count(doc, marker); n != 1 {
		return 0, fmt.Errorf("%w: want %q once, found it %d times", errMarkers, marker, n)
	}
	at := strings.Index(doc, marker)
	lineStart := at == 0 || doc[at-1] == '\n'
	rest := doc[at+len(marker):]
	if !lineStart || !strings.HasPrefix(rest, "\n") {
		return 0, fmt.Errorf("%w: %q must be on a line of its own", errMarkers, marker)
	}
	return at, nil
}
