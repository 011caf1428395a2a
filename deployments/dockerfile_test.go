package deployments_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int
	cmd  string // upper case
	args string
}

func parseDockerfile(t *testing.T, text string) []instruction {
	t.Helper()
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, line := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(trimmed, "\\") {
			cur.WriteString(strings.TrimSuffix(trimmed, "\\") + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
		cur.Reset()
	}
	return out
}

var (
	digestRef      = regexp.MustCompile(`^[a-z0-9./:_-]+@sha256:[0-9a-f]{64}$`)
	placeholderRef = regexp.MustCompile(`^[a-z0-9./:_-]+@sha256:PIN-ME[A-Za-z0-9.-]*$`)
	numericUser    = regexp.MustCompile(`^([0-9]+)(:([0-9]+))?$`)
)

// The rules hadolint would hold us to that matter here, checked offline: base images by
// digest, a numeric non-root USER in the final stage, no ADD (never of a URL), the module
// files copied and downloaded before the sources, and a .dockerignore that keeps local
// data and secrets out of `COPY . .`. Set KRACHT_REQUIRE_PINNED_DIGESTS=1 (release CI) to
// fail on the placeholder digests too.
func TestDockerfileRules(t *testing.T) {
	data, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	ins := parseDockerfile(t, string(data))
	args := map[string]string{}
	var stages []int // index of each FROM
	for i, in := range ins {
		switch in.cmd {
		case "ARG":
			name, def, _ := strings.Cut(in.args, "=")
			args[name] = def
		case "FROM":
			stages = append(stages, i)
			image := strings.Fields(in.args)[0]
			if m := regexp.MustCompile(`^\$\{?([A-Za-z_]+)\}?$`).FindStringSubmatch(image); m != nil {
				image = args[m[1]]
			}
			switch {
			case digestRef.MatchString(image):
			case placeholderRef.MatchString(image):
				if os.Getenv("KRACHT_REQUIRE_PINNED_DIGESTS") == "1" {
					t.Errorf("line %d: %s still has a placeholder digest", in.line, image)
				} else {
					t.Logf("line %d: %s has a placeholder digest: set it before a release", in.line, image)
				}
			default:
				t.Errorf("line %d: base image %q is not pinned by digest (image@sha256:…)", in.line, image)
			}
		case "ADD":
			t.Errorf("line %d: ADD: use COPY (and never fetch URLs in a build)", in.line)
		case "MAINTAINER":
			t.Errorf("line %d: MAINTAINER is deprecated", in.line)
		}
		if in.cmd == "RUN" && regexp.MustCompile(`\b(curl|wget)\b.*https?://`).MatchString(in.args) {
			t.Errorf("line %d: downloads in RUN: pin them as build inputs", in.line)
		}
	}
	if len(stages) < 2 {
		t.Fatalf("want a build stage and a runtime stage, have %d stages", len(stages))
	}
	// The final stage runs as a numeric, non-root user.
	final := ins[stages[len(stages)-1]:]
	user := ""
	for _, in := range final {
		if in.cmd == "USER" {
			user = in.args
		}
		if in.cmd == "COPY" && !strings.Contains(in.args, "--from=") {
			t.Errorf("line %d: the runtime stage copies from the build context: %s", in.line, in.args)
		}
	}
	if m := numericUser.FindStringSubmatch(user); m == nil || m[1] == "0" || m[3] == "0" || m[3] == "" {
		t.Errorf("final USER %q: want numeric uid:gid, not root (distroless nonroot is 65532:65532)", user)
	}
	// In the build stage: go.mod and go.sum, then go mod download, then the sources.
	order := func(match func(instruction) bool) int {
		for i, in := range ins[:stages[1]] {
			if match(in) {
				return i
			}
		}
		return -1
	}
	mods := order(func(in instruction) bool { return in.cmd == "COPY" && strings.HasPrefix(in.args, "go.mod go.sum") })
	download := order(func(in instruction) bool { return in.cmd == "RUN" && strings.Contains(in.args, "go mod download") })
	sources := order(func(in instruction) bool { return in.cmd == "COPY" && strings.HasPrefix(in.args, ". ") })
	if mods < 0 || download < 0 || sources < 0 || !(mods < download && download < sources) {
		t.Errorf("build stage order: COPY go.mod go.sum (%d), RUN go mod download (%d), COPY . . (%d)", mods, download, sources)
	}
	build := order(func(in instruction) bool { return in.cmd == "RUN" && strings.Contains(in.args, "go build") })
	if build < 0 || !strings.Contains(ins[build].args, "CGO_ENABLED=0") {
		t.Error("the binary must be static (CGO_ENABLED=0) for distroless/static")
	}
}

func TestDockerignoreKeepsDataAndSecretsOut(t *testing.T) {
	data, err := os.ReadFile("../.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	for _, want := range []string{".git", "data", "**/data/", "**/*.db", "**/*.db-*", "**/*.eml", "**/*.key", "**/.env",
		"**/jwt-signing-keys", "**/unsubscribe-secret", "**/secrets.key", "**/*.test", "/kracht"} {
		if !lines[want] {
			t.Errorf(".dockerignore lacks %q", want)
		}
	}
	// What the build embeds must stay in: templates and their README (go:embed).
	for l := range lines {
		if l == "*.md" || l == "**/*.md" || strings.Contains(l, "templates") {
			t.Errorf(".dockerignore drops %q, which the binary embeds", l)
		}
	}
}
