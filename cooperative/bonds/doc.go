// Package bonds is member bonds (member loans, obligaties): a bond issue set up by the
// board with fixed terms, units subscribed and paid like shares, a register of who held
// which units from when to when, a schedule of interest and principal per holding,
// payment runs that post each due date and owe each holder a payout, and the yearly
// statement a holder needs for the tax return.
//
// # Schedules and rounding
//
// Money is whole cents, so every payment is rounded once, and the rules below say where.
// All arithmetic is exact (integers, 128-bit products through math/bits, math/big where
// the numbers grow): no float touches an amount, so a schedule is the same on every
// machine and every run, and a golden file can pin it.
//
// Day counts (daycount.go) are the ISDA ones: 30E/360 (Eurobond basis: a day 31 counts as
// 30, February not adjusted), ACT/365F (actual days / 365) and ACT/ACT-ISDA (days in a
// leap year / 366 plus days in other years / 365). YearFraction gives them as exact
// rationals. Each is additive (the fraction from a to b plus b to c is the fraction from
// a to c), which is what lets a period be shared between holders without losing a day.
//
// The unit's schedule (Terms.UnitSchedule) follows one unit, the denomination D, from the
// issue date over the payment dates. O is the principal outstanding at a period's start.
//
//   - Interest of a period = round_half_up(O × couponBP/10000 × YearFraction(dayCount,
//     start, date)). Half up because it is the rounding a holder checking by hand
//     expects; rounding each payment (not a running total) makes each line of a
//     statement reproducible on its own.
//   - Annuity: the REGULAR periods use the periodic rate r = couponBP/10000/frequency
//     instead, so the payment is constant, as annuities are quoted. The unit's payment
//     A = round_half_up(D × r / (1 − (1+r)^−n)) is computed exactly as a ratio of big
//     integers (with Q = 10000·frequency and P = Q + couponBP, A = D·couponBP·Pⁿ /
//     (Q·(Pⁿ − Qⁿ))), so there is no precision to argue about. Each date: interest =
//     round(O × r), principal = A − interest; the last date takes the outstanding as
//     principal (its payment differs from A by the rounding of the dates before, at most
//     half a cent each). We pay whole cents, so principal = payment − rounded interest:
//     1,000.00 at 7% monthly over 48 months pays 23.95, month 1 interest 5.83 and principal
//     18.12 (balance 981.88), where published tables show 18.11 / 981.89, unrounded
//     figures displayed rounded that no bank transfer can pay. A first period is regular
//     when the first payment date is exactly one period after the issue date (AddMonths);
//     a broken (short or long) first period pays its interest by day count, and its
//     principal as a regular period's, A − round(O × r), so the principal path (and the
//     payment of every later date) does not depend on the first period's length. For
//     denominations of a few cents the rounded A could repay more than is owed; principal
//     is capped at the outstanding (and the last date still takes the rest).
//   - Linear: principal per date = floor(D / n); the last date takes the rest.
//   - Bullet: interest only, all the principal on the last date.
//
// Principal therefore sums exactly to D, and outstanding never goes below zero.
//
// A holding (Terms.HoldingSchedule) is `units` units from its own start to the first day no
// longer held. Its principal on a date is units × the unit's principal, paid to whoever
// holds on that date (from <= date < to). Its interest is computed on the holding, not
// summed from units: round_half_up(units × unit O × the period's rate × the share of the
// period held), rounded once per holding and date, so a member with 40 units gets the
// interest of 40 × D, not 40 times a rounded unit interest. The share held is by day
// count, and for a period wholly held it is the unit's rate exactly; a day is held by
// whoever holds it (the period's interest accrues over [start, date)). So a holding sold on
// a payment date keeps that date's interest and hands over its principal, and a holding
// sold mid-period keeps the interest of its days, paid on the next date, with no principal.
// A period split between two holdings is split by days: the parts are rounded on their
// own, so together they pay the whole period's interest within a cent per date, and
// exactly the same principal. An annuity's regular
// period held in part pays r × (days held / days of the period) under the day count, so
// the parts of the period add up to the constant r.
//
// Terms.Accrued is round_half_up(O × couponBP/10000 × YearFraction) over any two dates, by
// day count, for early redemption penalties and broken periods.
package bonds
