package distribution

import (
	"context"
	"time"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/membership"
)

// Settings are a cooperative's rules for every distribution: what is withheld for the
// tax authority, the yearly exemption of a natural person, the threshold under which a
// net amount goes to the community fund, the election of a member who made none, and
// the class of the shares bought by reinvesting. A cooperative that set nothing has
// DefaultSettings.
type Settings struct {
	CooperativeID string `json:"cooperativeId"`
	// WithholdingBP is withheld of gross, in basis points (3000 = 30%).
	WithholdingBP int64 `json:"withholdingBp"`
	// ExemptionCents is the part of a natural person's gross a year not withheld on.
	ExemptionCents int64 `json:"exemptionCents"`
	// ThresholdCents: a net amount below it goes to the fund whatever the election.
	ThresholdCents  int64    `json:"thresholdCents"`
	DefaultElection Election `json:"defaultElection"`
	// ReinvestClass is the share class reinvested amounts buy; "" when reinvesting is
	// not offered (a reinvest election is then paid out).
	ReinvestClass string    `json:"reinvestClass,omitempty"`
	UpdatedAt     time.Time `json:"updatedAt,omitzero"`
	version       int64
}

// DefaultSettings withhold nothing, exempt nothing, send nothing to the fund for being
// small, and pay out.
func DefaultSettings(cooperativeID string) Settings {
	return Settings{CooperativeID: cooperativeID, DefaultElection: ElectPayout}
}

const collectionSettings = "distribution_settings"

func (s Settings) record() cooperative.Record {
	return cooperative.Record{Collection: collectionSettings, ID: s.CooperativeID, Version: s.version, Data: cooperative.Encode(s)}
}

// SettingsOf returns a cooperative's settings, or DefaultSettings when it set none.
func SettingsOf(tx cooperative.Tx, cooperativeID string) (Settings, error) {
	s, rec, err := cooperative.GetAs[Settings](tx, collectionSettings, cooperativeID)
	if cooperative.ErrorCode(err) == cooperative.ENOTFOUND {
		return DefaultSettings(cooperativeID), nil
	}
	s.version = rec.Version
	return s, err
}

// regValidElection refuses what is not an election.
func regValidElection(field string, e Election) error {
	switch e {
	case ElectPayout, ElectReinvest, ElectDonate:
		return nil
	}
	return cooperative.Errorf(cooperative.EINVALID, "%s must be payout, reinvest or donate, not %q", field, e)
}

// check validates what the board gives, naming the rule broken; it changes nothing.
func (s Settings) check(tx cooperative.Tx, today cooperative.Date) error {
	if s.WithholdingBP < 0 || s.WithholdingBP > 10000 {
		return cooperative.RuleError("withholding_range", "the withholding rate is 0 to 10000 basis points, not %d", s.WithholdingBP)
	}
	if err := regCheckAmount("exemptionCents", s.ExemptionCents); err != nil {
		return err
	}
	if err := regCheckAmount("thresholdCents", s.ThresholdCents); err != nil {
		return err
	}
	if err := regValidElection("defaultElection", s.DefaultElection); err != nil {
		return err
	}
	if s.ReinvestClass == "" {
		if s.DefaultElection == ElectReinvest {
			return cooperative.RuleError("reinvest_class", "reinvesting by default needs the class of share it buys")
		}
		return nil
	}
	_, _, err := membership.ClassOn(tx, s.CooperativeID, s.ReinvestClass, today)
	return err
}

// SetSettings replaces a cooperative's settings (the board, with its second factor). They
// apply to distributions executed from then on.
func (d *Distributions) SetSettings(ctx context.Context, actor cooperative.Actor, in Settings) (Settings, error) {
	var out Settings
	err := d.run.Update(ctx, func(tx cooperative.Tx, now time.Time) error {
		if _, err := cooperative.GetCooperativeTx(tx, in.CooperativeID); err != nil {
			return err
		}
		if err := in.check(tx, cooperative.DateOf(now)); err != nil {
			return err
		}
		before, err := SettingsOf(tx, in.CooperativeID)
		if err != nil {
			return err
		}
		out = in
		out.UpdatedAt, out.version = now, before.version
		rec, err := cooperative.Put(tx, out.record())
		if err != nil {
			return err
		}
		out.version = rec.Version
		return cooperative.AppendAudit(tx, actor, in.CooperativeID, "distribution.settings", "distribution_settings", in.CooperativeID,
			before, out, now)
	})
	return out, err
}

// Settings returns a cooperative's settings (DefaultSettings when it set none).
func (d *Distributions) Settings(ctx context.Context, cooperativeID string) (Settings, error) {
	var s Settings
	err := d.view(ctx, func(tx cooperative.Tx) error {
		if _, err := cooperative.GetCooperativeTx(tx, cooperativeID); err != nil {
			return err
		}
		var err error
		s, err = SettingsOf(tx, cooperativeID)
		return err
	})
	return s, err
}
