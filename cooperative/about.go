package cooperative

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// About is what a cooperative tells the public about itself on its page: what it does
// (in Dutch and in English; a page falls back to the other language when one is empty),
// where it is, and how to reach it. The board writes it; anyone reads it.
type About struct {
	CooperativeID string    `json:"cooperativeId"`
	TextNL        string    `json:"textNl"`
	TextEN        string    `json:"textEn"`
	Street        string    `json:"street"`
	Postcode      string    `json:"postcode"`
	City          string    `json:"city"`
	Email         string    `json:"email"`
	Website       string    `json:"website"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

// CollectionAbout holds one About per cooperative, under the cooperative's id.
const CollectionAbout = "cooperative_about"

// aboutTextMax bounds the description: a few paragraphs, not a website.
const aboutTextMax = 4000

// Text is the description in lang, or in the other language when lang has none.
func (a About) Text(lang string) string {
	if lang == "en" && a.TextEN != "" || a.TextNL == "" {
		return a.TextEN
	}
	return a.TextNL
}

// validate trims a and checks its lengths, the e-mail address and the website (an
// https or http URL: a link on the public page must not run script).
func (a About) validate() (About, error) {
	for _, f := range []*string{&a.TextNL, &a.TextEN, &a.Street, &a.Postcode, &a.City, &a.Email, &a.Website} {
		*f = strings.TrimSpace(*f)
	}
	if utf8.RuneCountInString(a.TextNL) > aboutTextMax || utf8.RuneCountInString(a.TextEN) > aboutTextMax {
		return a, Errorf(EINVALID, "textNl and textEn are at most %d characters each", aboutTextMax)
	}
	for name, v := range map[string]string{"street": a.Street, "postcode": a.Postcode, "city": a.City} {
		if utf8.RuneCountInString(v) > 100 {
			return a, Errorf(EINVALID, "%s is at most 100 characters", name)
		}
	}
	if a.Email != "" && (len(a.Email) > 254 || strings.Count(a.Email, "@") != 1 || strings.ContainsAny(a.Email, " <>\"")) {
		return a, Errorf(EINVALID, "email is not an e-mail address")
	}
	if a.Website != "" {
		u, err := url.Parse(a.Website)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(a.Website) > 300 {
			return a, Errorf(EINVALID, "website must be an http(s) address such as https://example.org")
		}
	}
	return a, nil
}

// GetAbout returns the cooperative's About; a cooperative that has written none has an
// empty one.
func GetAbout(ctx context.Context, s Store, cooperativeID string) (About, error) {
	if _, err := GetCooperative(ctx, s, cooperativeID); err != nil {
		return About{}, err
	}
	var a About
	rec, err := s.Get(ctx, CollectionAbout, cooperativeID)
	if ErrorCode(err) == ENOTFOUND {
		return About{CooperativeID: cooperativeID}, nil
	}
	if err != nil {
		return a, err
	}
	return a, Decode(rec, &a)
}

// SetAbout replaces the cooperative's About in tx, with an audit entry of before and
// after.
func SetAbout(tx Tx, actor Actor, cooperativeID string, a About, now time.Time) (About, error) {
	if _, err := GetCooperativeTx(tx, cooperativeID); err != nil {
		return About{}, err
	}
	a, err := a.validate()
	if err != nil {
		return About{}, err
	}
	a.CooperativeID, a.UpdatedAt = cooperativeID, now.UTC()
	before, rec, err := GetAs[About](tx, CollectionAbout, cooperativeID)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		_, err = tx.Insert(Record{Collection: CollectionAbout, ID: cooperativeID, Data: Encode(a)})
		if err := AppendAudit(tx, actor, cooperativeID, "cooperative.about", "cooperative", cooperativeID, nil, a, now); err != nil {
			return About{}, err
		}
	case err != nil:
		return About{}, err
	default:
		_, err = tx.Replace(Record{Collection: CollectionAbout, ID: cooperativeID, Version: rec.Version, Data: Encode(a)})
		if err := AppendAudit(tx, actor, cooperativeID, "cooperative.about", "cooperative", cooperativeID, before, a, now); err != nil {
			return About{}, err
		}
	}
	return a, err
}
