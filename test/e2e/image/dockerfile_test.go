package image

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flomesh-io/init-osm-bootstrap/test/framework"
)

// instruction is one Dockerfile instruction: its keyword in upper case and
// the rest of its line, continuation lines joined.
type instruction struct {
	cmd, args string
}

// stage is the instructions of one FROM.
type stage struct {
	from         string
	instructions []instruction
}

// TestDockerfile checks the Dockerfile for what the image promises, since
// no Docker engine builds it here: the build stage uses the Go release of
// go.mod and runs `make image-binary`; the final stage is distroless static
// nonroot (or scratch), runs as a numeric non-root user, holds nothing but
// the binary and starts it with no shell.
func TestDockerfile(t *testing.T) {
	stages := readDockerfile(t)
	if len(stages) < 2 {
		t.Fatalf("%d stages, want a build stage and a final one", len(stages))
	}
	checkBuildStage(t, stages[0])
	checkFinalStage(t, stages[len(stages)-1])
}

func checkBuildStage(t *testing.T, s stage) {
	t.Helper()
	goVersion := goMinor(t)
	if !regexp.MustCompile(`(^|\s)golang:` + regexp.QuoteMeta(goVersion) + `(\.\d+)?(\s|$)`).MatchString(s.from) {
		t.Errorf("build stage FROM %q, want the golang image of go.mod's Go %s", s.from, goVersion)
	}
	runs := 0
	for _, in := range s.instructions {
		if in.cmd == "RUN" && regexp.MustCompile(`\bmake image-binary\b`).MatchString(in.args) {
			runs++
		}
	}
	if runs != 1 {
		t.Errorf("the build stage runs `make image-binary` %d times, want once", runs)
	}
}

func checkFinalStage(t *testing.T, s stage) {
	t.Helper()
	base := strings.Fields(s.from)[0]
	if base != "gcr.io/distroless/static-debian12:nonroot" && base != "scratch" {
		t.Errorf("final stage FROM %q, want distroless static nonroot or scratch", base)
	}
	var copies, users []instruction
	for _, in := range s.instructions {
		switch in.cmd {
		case "COPY", "ADD":
			copies = append(copies, in)
		case "USER":
			users = append(users, in)
		case "RUN", "SHELL":
			t.Errorf("final stage has %s %s: the base has no shell to run it", in.cmd, in.args)
		case "ENTRYPOINT", "CMD":
			if !strings.HasPrefix(strings.TrimSpace(in.args), "[") {
				t.Errorf("%s %s: shell form needs a shell; use the exec form", in.cmd, in.args)
			}
		}
	}
	if len(copies) != 1 || copies[0].cmd != "COPY" || len(strings.Fields(copies[0].args)) != 3 {
		t.Errorf("final stage copies %v, want the binary alone with one COPY --from=build", copies)
	}
	if len(users) == 0 {
		t.Fatal("final stage sets no USER")
	}
	checkUser(t, users[len(users)-1].args)
}

// checkUser wants a numeric, non-zero user (and group, when given): the
// kubelet checks runAsNonRoot against the image's numeric user only.
func checkUser(t *testing.T, user string) {
	t.Helper()
	for _, part := range strings.Split(strings.TrimSpace(user), ":") {
		id, err := strconv.Atoi(part)
		if err != nil || id == 0 {
			t.Errorf("USER %q: want numeric, non-zero ids", user)
		}
	}
}

// readDockerfile splits the Dockerfile into stages, skipping comments and
// parser directives and joining continuation lines.
func readDockerfile(t *testing.T) []stage {
	t.Helper()
	f, err := os.Open(filepath.Join(framework.RepoRoot(), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	var stages []stage
	var pending string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			pending += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		line, pending = pending+line, ""
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		if in.cmd == "FROM" {
			stages = append(stages, stage{from: withoutPlatform(in.args)})
			continue
		}
		if len(stages) == 0 {
			t.Fatalf("instruction %s before the first FROM", in.cmd)
		}
		stages[len(stages)-1].instructions = append(stages[len(stages)-1].instructions, in)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return stages
}

// withoutPlatform drops a FROM's --platform flag.
func withoutPlatform(from string) string {
	fields := strings.Fields(from)
	if len(fields) > 0 && strings.HasPrefix(fields[0], "--platform=") {
		fields = fields[1:]
	}
	return strings.Join(fields, " ")
}

// goDirective is go.mod's go line.
var goDirective = regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`)

// goMinor is go.mod's Go release without the patch, such as "1.26".
func goMinor(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(framework.RepoRoot(), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := goDirective.FindSubmatch(data)
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	return string(m[1]) + "." + string(m[2])
}
