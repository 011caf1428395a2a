package cooperative

import (
	"strings"
)

// ibanLengths is the length of an IBAN per country (SWIFT IBAN registry), for the SEPA
// countries and their territories. A country not listed is refused: Kracht only moves
// money within SEPA.
var ibanLengths = map[string]int{
	"AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
	"EE": 20, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GG": 22, "GI": 23, "GL": 18,
	"GR": 27, "HR": 21, "HU": 28, "IE": 22, "IM": 22, "IS": 26, "IT": 27, "JE": 22, "LI": 21,
	"LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25,
	"RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "VA": 22,
}

// ParseIBAN checks an IBAN (country, length, ISO 7064 mod 97-10 check digits) and returns
// it in electronic form: upper case without spaces.
func ParseIBAN(s string) (string, error) {
	iban := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if len(iban) < 4 {
		return "", Errorf(EINVALID, "IBAN is too short")
	}
	want, ok := ibanLengths[iban[:2]]
	if !ok {
		return "", Errorf(EINVALID, "IBAN country %q is not a SEPA country", iban[:2])
	}
	if len(iban) != want {
		return "", Errorf(EINVALID, "an IBAN from %s has %d characters, not %d", iban[:2], want, len(iban))
	}
	if iban[2] < '0' || iban[2] > '9' || iban[3] < '0' || iban[3] > '9' {
		return "", Errorf(EINVALID, "IBAN check digits must be digits")
	}
	// Move the first four characters to the end, letters become 10..35, and the number
	// must be 1 mod 97. Computed digit by digit so no big integers are needed.
	rearranged := iban[4:] + iban[:4]
	remainder := 0
	for i := 0; i < len(rearranged); i++ {
		c := rearranged[i]
		switch {
		case c >= '0' && c <= '9':
			remainder = (remainder*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			remainder = (remainder*100 + int(c-'A'+10)) % 97
		default:
			return "", Errorf(EINVALID, "IBAN may hold only letters and digits")
		}
	}
	if remainder != 1 {
		return "", Errorf(EINVALID, "IBAN check digits do not match: a typing error?")
	}
	return iban, nil
}

// ParseBIC checks the form of a BIC (ISO 9362: 4 letters bank, 2 letters country, 2
// letters or digits location, optional 3 letters or digits branch) and returns it in upper
// case.
func ParseBIC(s string) (string, error) {
	bic := strings.ToUpper(strings.TrimSpace(s))
	if len(bic) != 8 && len(bic) != 11 {
		return "", Errorf(EINVALID, "BIC must have 8 or 11 characters")
	}
	for i := 0; i < len(bic); i++ {
		c := bic[i]
		letter := c >= 'A' && c <= 'Z'
		digit := c >= '0' && c <= '9'
		if (i < 6 && !letter) || (i >= 6 && !letter && !digit) {
			return "", Errorf(EINVALID, "BIC %q is not of the form AAAACCLL[BBB]", bic)
		}
	}
	return bic, nil
}
