// Package distribution is the yearly distribution of the result: the board's proposed
// appropriation (reserves, the community fund, a dividend on capital or a patronage
// refund), the general meeting's decision, the members' elections, the per-member table
// (time-weighted, exact to the cent), its execution (journal entries, reinvested shares,
// payables, donations) and each member's statement.
//
// # The calculation and its rounding
//
// Compute (calc.go) is the per-member table: pure, with no store, so the dry run and the
// execution get the same figures from the same input, and a golden file can pin them.
// Money is whole cents and every rounding is done once, where the rules below say; the
// arithmetic in between is exact (integers, 128-bit products through math/bits), so no
// float touches an amount and the table is the same on every machine and in any order of
// input.
//
//   - Days. A share counts from its issue date (included) to its withdrawal or transfer
//     date (excluded): a transfer's day belongs to the new holder, so a day is never
//     counted twice or lost, and held through the year ends on January 1 of the next
//     year. A year has its actual 365 or 366 days (a leap year's share earns over 366).
//     ShareDays = Σ shares × days; WeightCents = Σ nominal of the class × shares × days,
//     what a pool is divided by, so a 500.00 share weighs ten 50.00 ones.
//   - DividendRate. gross = round_half_up(Σ nominal × shares × rateBP × days / (10000 ×
//     days in the year)), computed exactly and rounded ONCE per member, not per holding or
//     share: rounding each holding drifts (two holdings of 8.9753 and 0.9863 give 8.98 +
//     0.99 = 9.97 where the member earned 9.9616, so 9.96), and a member's line must be
//     the rate on what they held. Half up because it is what a member checking by hand
//     expects; it is Ecopower's 2016 example: one 250.00 share at 4% from 2 May 2016 is
//     244 of 366 days, 6.6667, so 6.67.
//   - DividendPool and Patronage. The pool is divided over WeightCents (a patronage
//     refund: over the basis, such as kWh supplied) by the largest-remainder method: each
//     member gets the floor of pool × weight / total weight, then the cents left (fewer
//     than the members) go one each to the largest remainders, a tie to the lower member
//     number. So the lines sum exactly to the pool the meeting decided, none is off by more
//     than a cent from its exact share, and the same input always gives the same table.
//     A pool with nobody to divide it over is refused (rule pool_has_weight).
//   - Withholding. A natural person's taxable amount is gross less the yearly exemption
//     (not below zero), an entity's the whole gross; withholding = round_half_up(taxable ×
//     WithholdingBP / 10000). Ecopower's example again: gross 200.00, 190.00 exempt, 30%
//     of 10.00 is 3.00, net 197.00.
//   - Elections. A net amount below the threshold goes to the fund whatever the member
//     chose (Election donate, BelowThreshold), as paying out a few cents costs more than
//     they are worth. Otherwise payout pays the net; reinvest buys floor(net / share price)
//     whole shares and pays the remainder out (a member cannot hold part of a share);
//     donate gives the net to the fund. Every line holds PayoutCents + ReinvestCents +
//     DonationCents = NetCents and NetCents + WithholdingCents = GrossCents, and the
//     totals are the lines' sums, so the journal entries of the execution balance to the
//     cent.
//
// Compute refuses input it cannot divide correctly, changing nothing: an unknown method or
// election, a negative amount or a holding of no shares, withholding over 100%, a class
// held with no nominal (rule nominal_known; for patronage too, as its lines show the
// weight), reinvesting with no class or price (reinvest_terms), a holding not
// within the year or ending before it starts (held_in_year), a member with holdings or a
// basis and no payee (payee_missing), two members with one number
// (member_number_unique), a basis for a dividend (basis_patronage_only), and amounts too
// large to compute exactly.
//
// ParseBasis (basis.go) reads the patronage basis, all or nothing: one bad line and the
// file is refused with every bad line and its reason, so a board never divides a refund
// over half a file.
package distribution
