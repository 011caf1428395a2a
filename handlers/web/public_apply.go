package web

import (
	"strconv"
	"strings"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// applyFields are the application form's fields; kind is person or legal_entity.
var applyFields = []string{"kind", "name", "street", "postal_code", "city", "country", "date_of_birth",
	"registration_number", "iban", "consent", "statutes_version"}

// applyData is the application form: the cooperative and the statutes consented to.
type applyData struct {
	coopView
	Statutes membership.Statutes
}

// applyForm shows the form; someone who already applied or is a member is sent to
// their page of the cooperative instead of applying twice.
func (w *Web) applyForm(req *request) error {
	d, done, err := w.applyStart(req)
	if err != nil || done {
		return err
	}
	f := newForm()
	f.Values["kind"], f.Values["country"] = "person", d.Coop.Country
	return req.render(page{Name: "public_apply", Title: "public.apply.title", Data: d, Form: f})
}

func (w *Web) applyStart(req *request) (applyData, bool, error) {
	if _, err := req.signedIn(); err != nil {
		return applyData{}, false, err
	}
	c, err := req.cooperative()
	if err != nil {
		return applyData{}, false, err
	}
	if m, err := req.member(c.ID); err == nil && (m.Status == membership.MemberApplied || m.Status == membership.MemberActive) {
		return applyData{}, true, req.redirect("/c/"+c.ID+"/me", "public.apply.already")
	}
	st, err := w.opts.Members.StatutesOn(req.ctx(), c.ID, cooperative.DateOf(w.now()))
	if err != nil {
		return applyData{}, false, err // no statutes: nobody can consent yet (rule statutes_required)
	}
	return applyData{coopView: w.publicHead(req, c, "about"), Statutes: st}, false, nil
}

func (w *Web) apply(req *request) error {
	d, done, err := w.applyStart(req)
	if err != nil || done {
		return err
	}
	f := req.values(applyFields...)
	w.checkApplication(req, f, d.Statutes)
	if f.Invalid() {
		return req.render(page{Name: "public_apply", Title: "public.apply.title", Data: d, Form: f})
	}
	kind := membership.MemberPerson
	if f.Values["kind"] == "legal_entity" {
		kind = membership.MemberEntity
	}
	version, _ := strconv.Atoi(f.Values["statutes_version"])
	_, err = w.opts.Members.Apply(req.ctx(), membership.Application{CooperativeID: d.Coop.ID, Kind: kind,
		Name: f.Values["name"], Address: membership.Address{Street: f.Values["street"], PostalCode: f.Values["postal_code"],
			City: f.Values["city"], Country: f.Values["country"]},
		DateOfBirth: cooperative.Date(f.Values["date_of_birth"]), RegistrationNumber: f.Values["registration_number"],
		Email: req.user.Email, IBAN: f.Values["iban"], Language: req.lang, StatutesVersion: version, UserID: req.user.ID})
	if err != nil {
		if err := req.fail(f, applyFieldOf(err), err); err != nil {
			return err
		}
		return req.render(page{Name: "public_apply", Title: "public.apply.title", Data: d, Form: f})
	}
	return req.redirect("/c/"+d.Coop.ID+"/me", "public.apply.done")
}

// checkApplication finds the common mistakes here, so the reader gets them in their own
// language beside the field; the domain checks everything again.
func (w *Web) checkApplication(req *request, f *form, st membership.Statutes) {
	req.require(f, "name", "street", "postal_code", "city", "country", "iban")
	switch f.Values["kind"] {
	case "person":
		req.require(f, "date_of_birth")
		if d := f.Values["date_of_birth"]; d != "" {
			if _, err := cooperative.ParseDate(d); err != nil {
				f.Errors["date_of_birth"] = w.msgs.text(req.lang, "public.apply.bad_date")
			}
		}
	case "legal_entity":
		req.require(f, "registration_number")
	default:
		f.Errors["kind"] = w.msgs.text(req.lang, "public.apply.pick_kind")
	}
	if c := strings.TrimSpace(f.Values["country"]); c != "" && len(c) != 2 {
		f.Errors["country"] = w.msgs.text(req.lang, "public.apply.bad_country")
	}
	if iban := f.Values["iban"]; iban != "" {
		if _, err := cooperative.ParseIBAN(iban); err != nil {
			f.Errors["iban"] = w.msgs.text(req.lang, "public.apply.bad_iban")
		}
	}
	if f.Values["consent"] != "1" {
		f.Errors["consent"] = w.msgs.text(req.lang, "public.apply.need_consent")
	}
	if f.Values["statutes_version"] != strconv.Itoa(st.Version) && f.Values["consent"] == "1" {
		// The statutes changed while the form was open: consent to the new version.
		f.Values["consent"] = ""
		f.Errors["consent"] = w.msgs.text(req.lang, "public.apply.statutes_changed")
	}
}

// applyFieldOf is the field a domain error of an application is about, "" for none.
func applyFieldOf(err error) string {
	msg := cooperative.ErrorMessage(err)
	for prefix, field := range map[string]string{"name ": "name", "address.street": "street",
		"address.postalCode": "postal_code", "address.city": "city", "address.country": "country",
		"a person needs a dateOfBirth": "date_of_birth", "dateOfBirth": "date_of_birth",
		"registrationNumber": "registration_number", "IBAN": "iban", "an IBAN": "iban"} {
		if strings.HasPrefix(msg, prefix) {
			return field
		}
	}
	if strings.Contains(msg, "consent_to_statutes") || strings.Contains(msg, "consent to the statutes") {
		return "consent"
	}
	return ""
}
