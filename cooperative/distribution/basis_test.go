package distribution_test

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
)

// basisMembers are the members of THIS cooperative: numbers 1 to 5.
var basisMembers = map[int64]string{1: "m1", 2: "m2", 3: "m3", 4: "m4", 5: "m5"}

func TestParseBasisReads(t *testing.T) {
	for _, c := range []struct{ name, file string }{
		{"commas", "member_number,quantity\n1,3200\n2,4100\n5,0\n"},
		{"semicolons, BOM, CRLF, quotes and spaces", "\uFEFF\"member_number\";\"quantity\"\r\n 1 ; 3200\r\n\"2\";\"4100\"\r\n\r\n5;0"},
		{"header in capitals", "Member_Number,QUANTITY\n1,3200\n2,4100\n5,0"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, refused, err := distribution.ParseBasis(strings.NewReader(c.file), basisMembers)
			want := map[string]int64{"m1": 3200, "m2": 4100, "m5": 0}
			if err != nil || refused != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("got %v %v %v, want %v", got, refused, err, want)
			}
		})
	}
}

func TestParseBasisRefuses(t *testing.T) {
	cases := []struct {
		name, file string
		refused    []distribution.RefusedLine // nil: the whole file is refused
		says       string
	}{
		{"bad number", "member_number,quantity\n1,10\nx7,20\n", []distribution.RefusedLine{{Line: 3, Reason: `member number "x7" is not a number`}}, ""},
		{"decimal quantity", "member_number;quantity\n1;1.5\n", []distribution.RefusedLine{{Line: 2, Reason: `quantity "1.5" is not a whole number`}}, ""},
		{"unknown member", "member_number,quantity\n1,10\n99,20\n", []distribution.RefusedLine{{Line: 3, Reason: `member number "99" is not a member of this cooperative`}}, ""},
		{"a number past int64", "member_number,quantity\n99999999999999999999,20\n", []distribution.RefusedLine{{Line: 2, Reason: `member number "99999999999999999999" is not a member of this cooperative`}}, ""},
		{"duplicate", "member_number,quantity\n1,10\n2,5\n1,20\n", []distribution.RefusedLine{{Line: 4, Reason: "member number 1 is also on line 2"}}, ""},
		{"negative", "member_number,quantity\n1,-10\n", []distribution.RefusedLine{{Line: 2, Reason: `quantity "-10" is negative`}}, ""},
		{"missing quantity", "member_number,quantity\n1\n2,\n", []distribution.RefusedLine{{Line: 2, Reason: "member number 1 has no quantity"}, {Line: 3, Reason: "member number 2 has no quantity"}}, ""},
		{"too many columns", "member_number,quantity\n1,10,5\n", []distribution.RefusedLine{{Line: 2, Reason: "3 columns: a line is a member number and a quantity"}}, ""},
		{"quantity too large", "member_number,quantity\n1,99999999999999\n", []distribution.RefusedLine{{Line: 2, Reason: `quantity "99999999999999" is too large (at most 13 digits)`}}, ""},
		{"every bad line, by number", "member_number,quantity\n1,10\n\n9,1\n2,-1\n3,3\n", []distribution.RefusedLine{
			{Line: 4, Reason: `member number "9" is not a member of this cooperative`}, {Line: 5, Reason: `quantity "-1" is negative`}}, ""},
		{"empty file", "", nil, "empty"},
		{"only a BOM and blank lines", "\uFEFF\n \r\n", nil, "empty"},
		{"header missing", "1,10\n2,20\n", nil, "header"},
		{"another header", "member,kwh\n1,10\n", nil, "header"},
		{"header only", "member_number,quantity\n", nil, "no line of a member"},
		{"too large", "member_number,quantity\n" + strings.Repeat("1,1\n", distribution.BasisMaxBytes/4+1), nil, "larger than 10 MiB"},
		{"too many lines", "member_number,quantity\n" + strings.Repeat("\"1\",\"1\"\n", distribution.BasisMaxLines+1), nil, "more than 200000 lines"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, refused, err := distribution.ParseBasis(strings.NewReader(c.file), basisMembers)
			if got != nil {
				t.Fatalf("refused, but a basis came back: %v", got)
			}
			if cooperative.ErrorCode(err) != cooperative.EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			if !reflect.DeepEqual(refused, c.refused) {
				t.Fatalf("refused %+v, want %+v", refused, c.refused)
			}
			if !strings.Contains(cooperative.ErrorMessage(err), c.says) {
				t.Fatalf("err %q does not say %q", cooperative.ErrorMessage(err), c.says)
			}
		})
	}
}

func TestParseBasisThenCompute(t *testing.T) {
	// A basis read from a file divides a patronage refund.
	basis, _, err := distribution.ParseBasis(strings.NewReader("member_number;quantity\n1;300\n2;100\n"), basisMembers)
	if err != nil {
		t.Fatal(err)
	}
	payees := map[string]distribution.Payee{
		"m1": {Number: 1, Election: distribution.ElectPayout},
		"m2": {Number: 2, Election: distribution.ElectPayout},
	}
	terms := distribution.Terms{Year: 2024, Method: distribution.Patronage, PoolCents: 1000}
	lines, _, err := distribution.Compute(terms, nil, basis, payees)
	if err != nil || len(lines) != 2 || lines[0].GrossCents != 750 || lines[1].GrossCents != 250 || lines[0].Basis != 300 {
		t.Fatalf("%+v %v", lines, err)
	}
}

func FuzzParseBasis(f *testing.F) {
	for _, s := range []string{
		"member_number,quantity\n1,3200\n2,4100\n",
		"\uFEFFmember_number;quantity\r\n1;10\r\n1;10\r\n",
		"member_number,quantity\n1,-5\nx,2\n3,4,5\n99,1\n\"4\",\"7\"\n",
		"member_number,quantity\n",
		"",
		"1,2",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, refused, err := distribution.ParseBasis(bytes.NewReader(data), basisMembers)
		switch {
		case err == nil:
			if got == nil || refused != nil {
				t.Fatalf("no error, but basis %v and refused %v", got, refused)
			}
			for id, q := range got {
				if q < 0 || !strings.HasPrefix(id, "m") {
					t.Fatalf("basis %s = %d", id, q)
				}
			}
		default:
			if got != nil || cooperative.ErrorCode(err) != cooperative.EINVALID {
				t.Fatalf("error %v with basis %v", err, got)
			}
			lines := bytes.Count(data, []byte("\n")) + 1
			for i, r := range refused {
				if r.Line < 2 || r.Line > lines || r.Reason == "" || (i > 0 && refused[i-1].Line >= r.Line) {
					t.Fatalf("refused line %+v (of %d lines)", r, lines)
				}
			}
			if len(refused) > 0 && !strings.Contains(cooperative.ErrorMessage(err), fmt.Sprintf("line %d", refused[0].Line)) {
				t.Fatalf("error %q does not name line %d", cooperative.ErrorMessage(err), refused[0].Line)
			}
		}
	})
}
