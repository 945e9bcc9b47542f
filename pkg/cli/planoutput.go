package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/flomesh-io/init-osm-bootstrap/pkg/crds"
)

// The --output values of plan.
const (
	outputTable = "table"
	outputJSON  = "json"
)

// diffMarks are the table's signs of the diff operations.
var diffMarks = map[crds.DiffOp]string{crds.DiffAdded: "+", crds.DiffRemoved: "-", crds.DiffChanged: "~"}

// renderPlan writes the plan in the format asked for. JSON is the plan's
// own encoding (field names documented in `plan --help` and on the crds
// types), indented, one object.
func renderPlan(w io.Writer, plan *crds.Plan, format string) error {
	if format == outputJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(plan)
	}
	t := &tableWriter{w: w}
	t.summaryTable(plan)
	for _, c := range plan.CRDs {
		if hasDetails(c) {
			t.details(c)
		}
	}
	t.footer(plan)
	return t.err
}

// tableWriter writes the table format and keeps the first write error.
type tableWriter struct {
	w   io.Writer
	err error
}

func (t *tableWriter) printf(format string, args ...any) {
	if t.err == nil {
		_, t.err = fmt.Fprintf(t.w, format, args...)
	}
}

// summaryTable writes one row per CRD.
func (t *tableWriter) summaryTable(plan *crds.Plan) {
	tw := tabwriter.NewWriter(t.w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CRD\tRESULT\tATTENTION\tCOMPARED")
	for _, c := range plan.CRDs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.Result, yesOrEmpty(c.Attention), c.Comparison)
	}
	if err := tw.Flush(); err != nil && t.err == nil {
		t.err = err
	}
}

// hasDetails tells whether a CRD gets a section below the table: a
// created or unchanged CRD that needs no attention has nothing to add.
func hasDetails(c crds.CRDPlan) bool {
	return c.Attention || (c.Result != crds.ResultCreated && c.Result != crds.ResultUnchanged)
}

func (t *tableWriter) details(c crds.CRDPlan) {
	t.printf("\n%s: %s\n", c.Name, c.Result)
	if c.Reason != "" {
		t.printf("  reason: %s\n", c.Reason)
	}
	if c.Comparison == crds.ComparisonLocal && c.Result != crds.ResultRefused {
		t.printf("  compared locally: the dry run was forbidden; a value the server defaults may show as a change\n")
	}
	if len(c.Conflicts) > 0 {
		t.printf("  fields taken over from: %s\n", strings.Join(c.Conflicts, ", "))
	}
	if len(c.Unserved) > 0 {
		t.printf("  not served without a webhook: %s\n", strings.Join(c.Unserved, ", "))
	}
	t.diff(c.Diff)
	t.facts(c.Facts)
	t.objects(c.Objects)
}

func (t *tableWriter) diff(d *crds.Diff) {
	if d == nil {
		return
	}
	if len(d.Lines) == 0 && d.Descriptions == 0 {
		t.printf("  diff: none (only field ownership changes)\n")
		return
	}
	t.printf("  diff:\n")
	for _, l := range d.Lines {
		switch l.Op {
		case crds.DiffAdded:
			t.printf("    + %s: %s\n", l.Path, l.To)
		case crds.DiffRemoved:
			t.printf("    - %s: %s\n", l.Path, l.From)
		default:
			t.printf("    %s %s: %s -> %s\n", diffMarks[l.Op], l.Path, l.From, l.To)
		}
	}
	if d.Omitted > 0 {
		t.printf("    (%d more lines not shown; -o json has the same cap)\n", d.Omitted)
	}
	if d.Descriptions > 0 {
		t.printf("    (%d descriptions changed)\n", d.Descriptions)
	}
}

// facts writes one line per fact, marked ! when it needs attention.
func (t *tableWriter) facts(facts []crds.PlanFact) {
	if len(facts) == 0 {
		return
	}
	t.printf("  facts:\n")
	for _, f := range facts {
		used := ""
		if f.UsedBy != nil {
			used = fmt.Sprintf(" (used by %s)", countOf(*f.UsedBy, "stored object"))
		}
		t.printf("    %s %s%s\n", attentionMark(f.Attention), f.Fact.String(), used)
	}
}

func (t *tableWriter) objects(o *crds.ObjectCheck) {
	switch {
	case o == nil:
		return
	case o.Error != "":
		t.printf("  ! stored objects (%s) not checked: %s\n", o.Version, o.Error)
		return
	case o.NotChecked != "":
		t.printf("  stored objects (%s): no check needed: %s\n", o.Version, o.NotChecked)
		return
	}
	invalid := len(o.Invalid) + o.InvalidOmitted
	t.printf("  stored objects (%s): %d checked, %d would no longer validate\n", o.Version, o.Checked, invalid)
	if len(o.Converted) > 0 {
		t.printf("    also converted to and validated in: %s\n", strings.Join(o.Converted, ", "))
	}
	for _, obj := range o.Invalid {
		t.printf("    ! %s%s: %s\n", obj.ID(), inVersion(obj.Version), invalidReason(obj))
	}
	if o.InvalidOmitted > 0 {
		t.printf("    ! and %d more objects\n", o.InvalidOmitted)
	}
}

// inVersion names the version an object was converted to, if any.
func inVersion(v string) string {
	if v == "" {
		return ""
	}
	return " (as " + v + ")"
}

// invalidReason is why an object would not validate or convert.
func invalidReason(obj crds.InvalidObject) string {
	if obj.ConversionError != "" {
		return "does not convert: " + obj.ConversionError
	}
	reason := strings.Join(obj.Errors, "; ")
	if obj.ErrorsOmitted > 0 {
		reason += fmt.Sprintf("; and %d more", obj.ErrorsOmitted)
	}
	return reason
}

// footer counts the results and the CRDs that need attention.
func (t *tableWriter) footer(plan *crds.Plan) {
	counts := map[crds.Result]int{}
	for _, c := range plan.CRDs {
		counts[c.Result]++
	}
	var parts []string
	for _, r := range []crds.Result{crds.ResultCreated, crds.ResultUpdated, crds.ResultUnchanged, crds.ResultSkipped, crds.ResultRefused} {
		if counts[r] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[r], r))
		}
	}
	verdict := "nothing needs attention"
	if n := countAttention(plan); n > 0 {
		verdict = fmt.Sprintf("%d of %d CRDs need attention (marked !)", n, len(plan.CRDs))
	}
	t.printf("\nbundle %s: %s; %s\n", plan.BundleVersion, strings.Join(parts, ", "), verdict)
}

// countOf writes n and the noun, in the plural unless n is 1.
func countOf(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func yesOrEmpty(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

func attentionMark(b bool) string {
	if b {
		return "!"
	}
	return " "
}
