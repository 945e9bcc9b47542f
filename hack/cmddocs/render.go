package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// header opens the rendered reference; it tells a reader of the README where
// the text comes from and how to change it.
const header = "<!-- Rendered by `make docs` (hack/cmddocs) from the commands' help " +
	"in pkg/cli; edit the help there, not this text. -->\n"

// render returns the Markdown reference of root and of every available
// command under it, depth first in cobra's order: per command its
// description, usage lines, subcommands and a table of its flags.
func render(root *cobra.Command) string {
	var b strings.Builder
	b.WriteString(header)
	walk(root, func(cmd *cobra.Command) { renderCommand(&b, cmd) })
	return b.String()
}

// walk calls visit on cmd and then on each of its available subcommands,
// recursively. Hidden and deprecated commands are not visited.
func walk(cmd *cobra.Command, visit func(*cobra.Command)) {
	visit(cmd)
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			walk(sub, visit)
		}
	}
}

func renderCommand(b *strings.Builder, cmd *cobra.Command) {
	fmt.Fprintf(b, "\n#### `%s`\n\n", cmd.CommandPath())
	b.WriteString(description(cmd))

	fmt.Fprintf(b, "\n```text\n%s\n```\n", strings.Join(usageLines(cmd), "\n"))

	renderSubcommands(b, cmd)
	renderFlags(b, cmd)
}

// description is the command's long help, or its short one, as Markdown
// paragraphs.
func description(cmd *cobra.Command) string {
	text := strings.TrimSpace(cmd.Long)
	if text == "" {
		text = strings.TrimSpace(cmd.Short)
	}
	var b strings.Builder
	for _, para := range strings.Split(text, "\n\n") {
		fmt.Fprintf(&b, "%s\n\n", paragraph(para))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// usageLines are the lines `--help` prints under "Usage:".
func usageLines(cmd *cobra.Command) []string {
	var lines []string
	if cmd.Runnable() {
		lines = append(lines, cmd.UseLine())
	}
	if cmd.HasAvailableSubCommands() {
		lines = append(lines, cmd.CommandPath()+" [command]")
	}
	return lines
}

func renderSubcommands(b *strings.Builder, cmd *cobra.Command) {
	if !cmd.HasAvailableSubCommands() {
		return
	}
	b.WriteString("\n| command | what |\n|---|---|\n")
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			fmt.Fprintf(b, "| `%s` | %s |\n", sub.CommandPath(), cell(sub.Short))
		}
	}
}

// renderFlags writes the tables of cmd's own and inherited flags. A command
// whose own flags are exactly a subcommand's (the root command takes apply's)
// points at that subcommand instead of repeating the table.
func renderFlags(b *strings.Builder, cmd *cobra.Command) {
	own := flagRows(cmd.NonInheritedFlags())
	if same := sameFlagsAs(cmd, own); same != nil {
		fmt.Fprintf(b, "\nFlags: those of `%s`.\n", same.CommandPath())
	} else {
		renderTable(b, "Flags", own)
	}
	renderTable(b, "Inherited flags", flagRows(cmd.InheritedFlags()))
}

// sameFlagsAs returns the first available subcommand of cmd whose own flags
// render as rows, or nil.
func sameFlagsAs(cmd *cobra.Command, rows []string) *cobra.Command {
	if len(rows) == 0 {
		return nil
	}
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() && slices.Equal(flagRows(sub.NonInheritedFlags()), rows) {
			return sub
		}
	}
	return nil
}

// renderTable writes rows as a table of flags under title; nothing when there
// are none.
func renderTable(b *strings.Builder, title string, rows []string) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s:\n\n| flag | default | meaning |\n|---|---|---|\n", title)
	for _, row := range rows {
		b.WriteString(row)
	}
}

// flagRows returns a table row per visible flag of fs, sorted by name as
// pflag visits them. The help flag is left out: every command has it.
func flagRows(fs *pflag.FlagSet) []string {
	var rows []string
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Deprecated != "" || f.Name == "help" {
			return
		}
		rows = append(rows, flagRow(f))
	})
	return rows
}

func flagRow(f *pflag.Flag) string {
	varname, usage := pflag.UnquoteUsage(f)
	name := "--" + f.Name
	if f.Shorthand != "" {
		name = "-" + f.Shorthand + ", " + name
	}
	if varname != "" {
		name += " " + varname
	}
	def := ""
	if f.DefValue != "" && f.DefValue != "[]" {
		def = "`" + f.DefValue + "`"
	}
	return fmt.Sprintf("| `%s` | %s | %s |\n", name, def, cell(usage))
}

// markdownEscaper escapes what Markdown would read as emphasis, code, links,
// HTML or strike-through in help text, which is plain text.
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`, `<`, `\<`, `~`, `\~`,
)

// paragraph returns a paragraph of help text as a literal Markdown paragraph:
// one that starts as a heading, quote, table or list item would not be.
func paragraph(text string) string {
	out := escape(text)
	if startsBlock(out) {
		out = `\` + out
	}
	return out
}

func startsBlock(text string) bool {
	switch {
	case text == "":
		return false
	case strings.ContainsRune("#>|", rune(text[0])):
		return true
	case strings.ContainsRune("-+=", rune(text[0])):
		return len(text) == 1 || text[1] == ' '
	default:
		return false
	}
}

// escape returns help text as literal Markdown, its lines joined.
func escape(text string) string {
	return markdownEscaper.Replace(strings.Join(strings.Fields(text), " "))
}

// cell returns help text as the content of a table cell.
func cell(text string) string {
	return strings.ReplaceAll(escape(text), "|", `\|`)
}
