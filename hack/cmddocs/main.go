// Command cmddocs renders the reference of every init-osm-bootstrap command
// and flag, from the same command tree the binary runs, as Markdown.
//
// usage: go run ./hack/cmddocs [-readme README.md]
//
// Without -readme it prints the reference on stdout; with it, it rewrites the
// file's section between <!-- BEGIN GENERATED: commands --> and
// <!-- END GENERATED: commands --> (`make docs`). A test in this package
// fails when README.md's section is not what it renders.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/cli"
)

func main() {
	readme := flag.String("readme", "", "Markdown file whose generated commands section is rewritten; empty: print to stdout")
	flag.Parse()

	if err := run(*readme, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "cmddocs: %v\n", err)
		os.Exit(1)
	}
}

func run(readme string, stdout io.Writer) error {
	generated := render(cli.NewRootCommand())
	if readme == "" {
		_, err := io.WriteString(stdout, generated)
		return err
	}
	return rewrite(readme, generated)
}

// rewrite replaces the generated section of the file at path; the file is
// left as it was when its markers are wrong.
func rewrite(path, generated string) error {
	doc, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	updated, err := splice(string(doc), generated)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(updated), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
