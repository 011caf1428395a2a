// Package bonds is member bonds (member loans, obligaties): a bond issue set up by the
// board with fixed terms, units subscribed and paid like shares, a register of who held
// which units from when to when, a schedule of interest and principal per holding,
// payment runs that post each due date and owe each holder a payout, and the yearly
// statement a holder needs for the tax return.
package bonds
