package distribution

import "github.com/kracht-coop/kracht/cooperative"

// Method is how the members' part of the result is divided.
type Method string

const (
	// DividendRate pays a rate on capital: nominal × rate × days held / days in the year.
	DividendRate Method = "dividend_rate"
	// DividendPool divides a fixed amount over share-days (times nominal).
	DividendPool Method = "dividend_pool"
	// Patronage divides a fixed amount over a basis per member (kWh supplied, care hours).
	Patronage Method = "patronage"
)

// Election is what a member has done with their net amount.
type Election string

const (
	ElectPayout   Election = "payout"   // paid out through payouts
	ElectReinvest Election = "reinvest" // whole shares at the current price, the remainder paid out
	ElectDonate   Election = "donate"   // given to the community fund
)

// Held is a number of shares of one class a member held over a stretch of the year: from
// From (that day included) to To (that day excluded; the day after the year's end when
// held through it). The register's issue, transfer and withdrawal dates bound them.
type Held struct {
	MemberID string           `json:"memberId"`
	Class    string           `json:"class"`
	Shares   int64            `json:"shares"`
	From     cooperative.Date `json:"from"`
	To       cooperative.Date `json:"to"`
}

// Payee is what the calculation needs of a member besides their holdings.
type Payee struct {
	MemberID string `json:"memberId"`
	Number   int64  `json:"number"`
	// Natural is a person (who has the yearly exemption from withholding), not an entity.
	Natural  bool     `json:"natural"`
	Election Election `json:"election"` // the member's, or the cooperative's default
}

// Terms are the figures of one distribution: the decided appropriation's method and
// amounts, and the cooperative's settings.
type Terms struct {
	Year      int    `json:"year"`
	Method    Method `json:"method"`
	RateBP    int64  `json:"rateBp,omitempty"`    // DividendRate: basis points a year on nominal
	PoolCents int64  `json:"poolCents,omitempty"` // DividendPool and Patronage: the amount divided
	// Nominal is the nominal value of a share per class, in cents (the weight of a share-day).
	Nominal map[string]int64 `json:"nominal"`
	// WithholdingBP is withheld of gross; ExemptionCents is the yearly amount of a natural
	// person's gross that is not withheld on.
	WithholdingBP  int64 `json:"withholdingBp"`
	ExemptionCents int64 `json:"exemptionCents"`
	// ThresholdCents: a net amount below it goes to the fund whatever the election.
	ThresholdCents int64 `json:"thresholdCents"`
	// ReinvestClass and SharePriceCents are the class and price of shares bought by reinvesting.
	ReinvestClass   string `json:"reinvestClass,omitempty"`
	SharePriceCents int64  `json:"sharePriceCents,omitempty"`
}

// Line is one member's part of a distribution.
type Line struct {
	MemberID string `json:"memberId"`
	Number   int64  `json:"number"`
	// ShareDays is the sum over holdings of shares × days held in the year; WeightCents the
	// same times nominal (what a pool is divided by); Basis a patronage member's quantity.
	ShareDays        int64    `json:"shareDays"`
	WeightCents      int64    `json:"weightCentDays"`
	Basis            int64    `json:"basis,omitempty"`
	GrossCents       int64    `json:"grossCents"`
	WithholdingCents int64    `json:"withholdingCents"`
	NetCents         int64    `json:"netCents"`
	Election         Election `json:"election"` // what was done: the member's, or donate below the threshold
	BelowThreshold   bool     `json:"belowThreshold,omitempty"`
	PayoutCents      int64    `json:"payoutCents"`
	ReinvestShares   int64    `json:"reinvestShares"`
	ReinvestCents    int64    `json:"reinvestCents"`
	DonationCents    int64    `json:"donationCents"`
}

// Totals are the sums of a distribution's lines.
type Totals struct {
	Members          int   `json:"members"`
	GrossCents       int64 `json:"grossCents"`
	WithholdingCents int64 `json:"withholdingCents"`
	NetCents         int64 `json:"netCents"`
	PayoutCents      int64 `json:"payoutCents"`
	ReinvestShares   int64 `json:"reinvestShares"`
	ReinvestCents    int64 `json:"reinvestCents"`
	DonationCents    int64 `json:"donationCents"`
}
