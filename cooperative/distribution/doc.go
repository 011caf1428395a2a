// Package distribution is the yearly distribution of the result: the board's proposed
// appropriation (reserves, the community fund, a dividend on capital or a patronage
// refund), the general meeting's decision, the members' elections, the per-member table
// (time-weighted, exact to the cent), its execution (journal entries, reinvested shares,
// payables, donations) and each member's statement.
package distribution
