package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/cli"
)

// readmePath is the README whose generated section this test keeps current.
const readmePath = "../../README.md"

func TestReadmeCommandsAreCurrent(t *testing.T) {
	doc, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	got, err := section(string(doc))
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	want := render(cli.NewRootCommand())
	if got == want {
		return
	}
	line, readme, help := firstDifference(got, want)
	t.Errorf("README.md's command reference is not what the commands' help renders: run `make docs`.\n"+
		"first difference, line %d of the section:\n  README.md: %q\n  help:      %q", line, readme, help)
}

// firstDifference returns the first line (counted from 1) where a and b
// differ, and that line of each; a missing line is "".
func firstDifference(a, b string) (int, string, string) {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < max(len(al), len(bl)); i++ {
		x, y := lineAt(al, i), lineAt(bl, i)
		if x != y {
			return i + 1, x, y
		}
	}
	return 0, "", ""
}

func lineAt(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

// testTree is a command tree with what render must handle: a group that is
// not runnable, a persistent flag with a quoted variable name, hidden and
// deprecated flags and commands, shorthands, Markdown characters in help,
// and a root that takes a subcommand's flags.
func testTree() *cobra.Command {
	noop := func(*cobra.Command, []string) error { return nil }
	root := &cobra.Command{Use: "tool", Short: "A tool", Long: "tool does *things*.\n\n- not a list\n\n--flag first", RunE: noop}

	run := &cobra.Command{Use: "run [NAME...]", Short: "Run a | thing", RunE: noop}
	run.Flags().StringP("output", "o", "table", "output: table | json")
	run.Flags().Int("port", 8080, "port; see [docs] and <here>")
	run.Flags().Bool("fast", false, "go fast")
	run.Flags().String("secret", "", "never shown")
	_ = run.Flags().MarkHidden("secret")
	run.Flags().String("old", "", "replaced")
	_ = run.Flags().MarkDeprecated("old", "use --output")
	root.Flags().AddFlagSet(run.Flags())

	remote := &cobra.Command{Use: "remote", Short: "Manage remotes"}
	remote.PersistentFlags().String("config", "", "config `file`")
	remote.AddCommand(&cobra.Command{Use: "add", Short: "Add a remote", RunE: noop})

	hidden := &cobra.Command{Use: "internal", Short: "Not for users", Hidden: true, RunE: noop}
	root.AddCommand(run, remote, hidden)
	return root
}

func TestRender(t *testing.T) {
	out := render(testTree())
	cases := []struct {
		name    string
		want    []string
		notWant []string
	}{
		{name: "header", want: []string{header}},
		{name: "command headings", want: []string{"\n#### `tool`\n", "\n#### `tool run`\n", "\n#### `tool remote add`\n"}},
		{name: "hidden command left out", notWant: []string{"internal", "Not for users"}},
		{name: "usage lines", want: []string{
			"```text\ntool [flags]\ntool [command]\n```",
			"```text\ntool run [NAME...] [flags]\n```",
			"```text\ntool remote [command]\n```",
		}},
		{name: "subcommand table", want: []string{"| `tool run` | Run a \\| thing |"}},
		{name: "shorthand and default", want: []string{"| `-o, --output string` | `table` | output: table \\| json |"}},
		{name: "markdown escaped", want: []string{"see \\[docs\\] and \\<here>", "tool does \\*things\\*."}},
		{name: "paragraph start escaped", want: []string{"\n\\- not a list\n"}},
		{name: "flag name at a paragraph start kept", want: []string{"\n--flag first\n"}},
		{name: "hidden and deprecated flags left out", notWant: []string{"secret", "never shown", "--old"}},
		{name: "help flag left out", notWant: []string{"--help"}},
		{name: "root points at the subcommand with its flags", want: []string{"Flags: those of `tool run`."}},
		{name: "inherited flags", want: []string{"Add a remote\n\n```text\ntool remote add [flags]\n```\n\nInherited flags:\n\n" +
			"| flag | default | meaning |\n|---|---|---|\n| `--config file` |  | config file |\n"}},
		{name: "bool default", want: []string{"| `--fast` | `false` | go fast |"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("rendered text lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(out, w) {
					t.Errorf("rendered text has %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestSplice(t *testing.T) {
	const (
		begin = beginMarker + "\n"
		end   = endMarker + "\n"
	)
	cases := []struct {
		name    string
		doc     string
		want    string
		wantErr string
	}{
		{name: "replaces the section", doc: "a\n" + begin + "old\n" + end + "b\n", want: "a\n" + begin + "new\n" + end + "b\n"},
		{name: "empty section", doc: begin + end, want: begin + "new\n" + end},
		{name: "no begin marker", doc: "a\n" + end, wantErr: "found it 0 times"},
		{name: "no end marker", doc: begin + "a\n", wantErr: "found it 0 times"},
		{name: "begin twice", doc: begin + begin + end, wantErr: "found it 2 times"},
		{name: "end before begin", doc: end + begin, wantErr: "comes before"},
		{name: "marker inside a line", doc: "see " + begin + end, wantErr: "on a line of its own"},
		{name: "marker at the end without a newline", doc: begin + endMarker, wantErr: "on a line of its own"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := splice(tc.doc, "new")
			if tc.wantErr != "" {
				if !errors.Is(err, errMarkers) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one about markers saying %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
			if sec, err := section(got); err != nil || sec != "new\n" {
				t.Errorf("section of the result = %q, %v; want %q", sec, err, "new\n")
			}
		})
	}
}

func TestRewrite(t *testing.T) {
	dir := t.TempDir()

	good := filepath.Join(dir, "good.md")
	writeFile(t, good, "# title\n"+beginMarker+"\nstale\n"+endMarker+"\ntail\n")
	if err := run(good, nil); err != nil {
		t.Fatal(err)
	}
	want := "# title\n" + beginMarker + "\n" + render(cli.NewRootCommand()) + endMarker + "\ntail\n"
	if got := readFile(t, good); got != want {
		t.Errorf("rewritten file:\n%s\nwant:\n%s", got, want)
	}

	bad := filepath.Join(dir, "bad.md")
	writeFile(t, bad, "no markers\n")
	if err := run(bad, nil); !errors.Is(err, errMarkers) {
		t.Errorf("error %v, want one about markers", err)
	}
	if got := readFile(t, bad); got != "no markers\n" {
		t.Errorf("a file without markers was changed to %q", got)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
