// Package membership is the statutes (share classes, limits, the membership fee, the
// dividend cap, the notice period) and the members: applications, the board's decision,
// and the lifecycle to resignation, exclusion or death. It knows nothing of the share
// register: what a member still holds is asked of it (MembersOptions.HeldShares).
package membership
