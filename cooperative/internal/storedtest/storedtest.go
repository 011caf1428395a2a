// Package storedtest pins the stored format of a package's collections and journals: a
// golden file per collection, byte for byte, and a check that no collection or journal
// of the package lacks one. It imports no domain package, so each package of the
// cooperative tree runs it from its own internal test over its own unexported types.
//
// When a change of format is meant (a new field), refresh the files with
//
//	go test -run TestStoredFormat ./cooperative/... -update
//
// and say in the commit why old records still read.
package storedtest

import (
	"bytes"
	stdjson "encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// update is the test flag -update, as golang/go's golden tests have it: declared here
// once for every test binary that rewrites golden files.
var update = flag.Bool("update", false, "rewrite golden files")

// Update reports whether the test ran with -update.
func Update() bool { return *update }

// Record is what a golden file shows: the keys a record is stored under, and its data.
type Record struct {
	Collection string            `json:"collection,omitempty"`
	Journal    string            `json:"journal,omitempty"`
	ID         string            `json:"id,omitempty"`
	Unique     map[string]string `json:"unique,omitempty"`
	Index      map[string]string `json:"index,omitempty"`
	Data       []byte            `json:"-"`
}

// Case is one collection or journal: a value of its stored type with every field set,
// and how the domain writes it.
type Case struct {
	// Name is the collection, or "journal_<kind>" for a journal; the golden file is
	// <golden dir>/<Name>.json.
	Name string
	// JournalFunc names the function that names the journal (journals only), so
	// Covers can tell which journals have a case.
	JournalFunc string
	// Record is what the domain writes for Value: its record method's keys and data, or
	// for a journal the journal's name and the entry's data.
	Record Record
	// Value is what is stored: every exported field set, except those in Unset.
	Value any
	// Decode reads stored data back as the domain reads it.
	Decode func([]byte) (any, error)
	// Unset lists fields left zero on purpose (as "Field.Sub[]"), each for a reason
	// given where the case is.
	Unset []string
}

// ViaJSON reads data as the journals read by encoding/json do.
func ViaJSON[T any](data []byte) (any, error) {
	var v T
	err := stdjson.Unmarshal(data, &v)
	return v, err
}

// Deterministic ids and times. Times carry nanoseconds so their precision is pinned too.
const (
	Coop    = "01960000-0000-7000-8000-00000000c001"
	Coop2   = "01960000-0000-7000-8000-00000000c002"
	Member  = "01960000-0000-7000-8000-00000000a001"
	Member2 = "01960000-0000-7000-8000-00000000a002"
	User    = "01960000-0000-7000-8000-00000000b001"
	User2   = "01960000-0000-7000-8000-00000000b002"
	Offer   = "01960000-0000-7000-8000-00000000d001"
	Sub     = "01960000-0000-7000-8000-00000000e001"
	Payment = "01960000-0000-7000-8000-00000000f001"
	Object  = "01960000-0000-7000-8000-000000000001"
	Object2 = "01960000-0000-7000-8000-000000000002"
	Hash    = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)

// Time is the golden instant; At is Time plus d.
var Time = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)

// At returns Time plus d.
func At(d time.Duration) time.Time { return Time.Add(d) }

// Golden renders a record as its golden file: the keys, then the data indented. Indenting
// only adds whitespace, so compacting the file's data gives back the stored bytes exactly.
func Golden(t testing.TB, r Record) []byte {
	t.Helper()
	head, err := stdjson.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var data bytes.Buffer
	if err := stdjson.Indent(&data, r.Data, "  ", "  "); err != nil {
		t.Fatalf("stored data is not JSON: %v\n%s", err, r.Data)
	}
	out := bytes.TrimSuffix(head, []byte("}"))
	out = append(bytes.TrimRight(out, "\n"), []byte(",\n  \"data\": ")...)
	out = append(out, data.Bytes()...)
	return append(out, []byte("\n}\n")...)
}

// Run compares each case's record with its golden file in goldenDir (rewriting it under
// -update), and decodes the golden's data as the domain does: a field removed or renamed
// since loses its value there.
func Run(t *testing.T, goldenDir string, cases []Case) {
	t.Helper()
	if len(cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) { runCase(t, goldenDir, c) })
	}
}

func runCase(t *testing.T, goldenDir string, c Case) {
	checkEveryFieldSet(t, c)
	r := c.Record
	if r.Journal == "" && r.Collection != c.Name {
		t.Fatalf("the record is written to %q, the case is named %q", r.Collection, c.Name)
	}
	if (r.Journal != "") != (c.JournalFunc != "") {
		t.Fatalf("journal %q named by %q: a journal case needs both", r.Journal, c.JournalFunc)
	}
	got := Golden(t, r)
	path := filepath.Join(goldenDir, c.Name+".json")
	if Update() {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (a new collection? run go test -run TestStoredFormat -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the stored format of %s changed: records already stored may no longer read.\n"+
			"If that is meant, run go test -run TestStoredFormat -update and review the diff.\ngot:\n%s\nwant:\n%s",
			c.Name, got, want)
	}
	var file struct {
		Data stdjson.RawMessage `json:"data"`
	}
	if err := stdjson.Unmarshal(want, &file); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var data bytes.Buffer
	if err := stdjson.Compact(&data, file.Data); err != nil {
		t.Fatal(err)
	}
	back, err := c.Decode(data.Bytes())
	if err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	if !reflect.DeepEqual(back, c.Value) {
		t.Errorf("%s reads back as\n%#v\nwant\n%#v", path, back, c.Value)
	}
}

// checkEveryFieldSet fails when a field of the stored value is zero and not listed as
// unset: a field added to a stored type must be added to its case, or its encoding is
// not pinned.
func checkEveryFieldSet(t *testing.T, c Case) {
	t.Helper()
	var zero []string
	zeroFields(reflect.ValueOf(c.Value), "", &zero)
	zero = slices.Compact(zero)
	for _, f := range zero {
		if !slices.Contains(c.Unset, f) {
			t.Errorf("%s: field %s is not set in the golden case: set it, so its stored form is pinned", c.Name, f)
		}
	}
	for _, f := range c.Unset {
		if !slices.Contains(zero, f) {
			t.Errorf("%s: field %s is listed as unset but is set (or does not exist)", c.Name, f)
		}
	}
}

var timeType = reflect.TypeFor[time.Time]()

func zeroFields(v reflect.Value, path string, out *[]string) {
	if v.Type() == timeType {
		if v.Interface().(time.Time).IsZero() {
			*out = append(*out, path)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				continue
			}
			zeroFields(v.Field(i), strings.TrimPrefix(path+"."+f.Name, "."), out)
		}
	case reflect.Pointer:
		if v.IsNil() {
			*out = append(*out, path)
			return
		}
		zeroFields(v.Elem(), path, out)
	case reflect.Slice:
		if v.Len() == 0 {
			*out = append(*out, path)
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := range v.Len() {
			zeroFields(v.Index(i), path+"[]", out)
		}
	case reflect.Map:
		if v.Len() == 0 {
			*out = append(*out, path)
		}
	default:
		if v.IsZero() {
			*out = append(*out, path)
		}
	}
}

// Package is the package under test, as Covers scans it.
type Package struct {
	// Dir is the package's source directory ("." from its own test).
	Dir string
	// Files, when not empty, keeps only these non-test files of Dir, and Except drops
	// these: while several packages-to-be still share one directory, each names its own
	// (and the core all but the others'). Every file named must exist.
	Files, Except []string
	// GoldenDir holds the golden files. When it is the package's own, a golden file
	// with no case fails; leave OwnGolden false while packages share it (see Orphans).
	GoldenDir string
	OwnGolden bool
	// MinCollections and MinJournals guard the scan itself: fewer found means the
	// patterns stopped matching the source.
	MinCollections, MinJournals int
}

// Covers fails when a collection or a journal of p has no case, so a new one cannot be
// forgotten, and (with p.OwnGolden) when a golden file has no case left.
func Covers(t *testing.T, p Package, cases []Case) {
	t.Helper()
	collections, journals := Kinds(t, p)
	names := map[string]bool{}
	funcs := map[string]bool{}
	for _, c := range cases {
		if names[c.Name] {
			t.Errorf("two cases are named %s", c.Name)
		}
		names[c.Name] = true
		if c.JournalFunc != "" {
			funcs[c.JournalFunc] = true
		}
	}
	for _, name := range collections {
		if !names[name] {
			t.Errorf("collection %q has no case", name)
		}
	}
	for _, fn := range journals {
		if !funcs[fn] {
			t.Errorf("journals named by %s have no case", fn)
		}
	}
	// A case this package does not declare belongs to another package's test.
	known := map[string]bool{}
	for _, name := range collections {
		known[name] = true
	}
	for _, fn := range journals {
		known[fn] = true
	}
	for _, c := range cases {
		if c.JournalFunc == "" && !known[c.Name] || c.JournalFunc != "" && !known[c.JournalFunc] {
			t.Errorf("case %s is not a collection or journal of this package's files", c.Name)
		}
	}
	if len(collections) < p.MinCollections || len(journals) < p.MinJournals {
		t.Fatalf("found only %d collections and %d journals: has the scan stopped matching?", len(collections), len(journals))
	}
	if p.OwnGolden {
		Orphans(t, p.GoldenDir, cases)
	}
}

// Orphans fails for each golden file in dir that none of the cases has.
func Orphans(t *testing.T, dir string, cases ...[]Case) {
	t.Helper()
	names := map[string]bool{}
	for _, cs := range cases {
		for _, c := range cs {
			names[c.Name] = true
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no golden files in %s", dir)
	}
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".json"); !names[name] {
			t.Errorf("%s has no case: remove it, or restore its case", f)
		}
	}
}

var (
	collectionConst = regexp.MustCompile(`\b[cC]ollection[A-Z]\w*\s*=\s*"([^"]+)"`)
	journalAppend   = regexp.MustCompile(`JournalEntry\{Journal:\s*(\w+)\(`)
)

// Kinds scans p's non-test source for collection constants (collectionX = "…") and for
// the functions that name the journals entries are appended to.
func Kinds(t *testing.T, p Package) (collections, journalFuncs []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(p.Dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Concat(p.Files, p.Except) {
		if _, err := os.Stat(filepath.Join(p.Dir, name)); err != nil {
			t.Errorf("a file named in the scan: %v", err)
		}
	}
	seen := map[string]bool{}
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasSuffix(base, "_test.go") || len(p.Files) > 0 && !slices.Contains(p.Files, base) ||
			slices.Contains(p.Except, base) {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range collectionConst.FindAllSubmatch(src, -1) {
			if name := string(m[1]); !seen["c:"+name] {
				seen["c:"+name] = true
				collections = append(collections, name)
			}
		}
		for _, m := range journalAppend.FindAllSubmatch(src, -1) {
			if name := string(m[1]); !seen["j:"+name] {
				seen["j:"+name] = true
				journalFuncs = append(journalFuncs, name)
			}
		}
	}
	sort.Strings(collections)
	sort.Strings(journalFuncs)
	return collections, journalFuncs
}
