package cooperative

import (
	"bytes"
	stdjson "encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// The stored format is pinned here: what every collection and every journal holds, byte
// for byte, as the domain encodes it. Renaming a field, changing its tag or type, moving a
// type to another package with other tags, or swapping the encoder shows up as a diff of
// a file under testdata/stored, which a reviewer sees. When the change is meant (a new
// field), refresh the files with
//
//	go test -run TestStoredFormat ./cooperative/ -update
//
// and say in the commit why old records still read.

// storedCase is one collection or journal: a value of its stored type with every field
// set, and how the domain writes it.
type storedCase struct {
	// name is the collection, or "journal_<kind>" for a journal; the golden file is
	// testdata/stored/<name>.json.
	name string
	// journal is the journal's name (journals only), made by the function journalFunc
	// names, so TestStoredFormatCoversEverything can tell which journals have a case.
	journal, journalFunc string
	// value is what is stored: every exported field set, except those in unset.
	value any
	// decode reads stored data back as the domain reads it.
	decode func([]byte) (any, error)
	// unset lists fields left zero on purpose (as "Field.Sub[]"), each for a reason
	// given where the case is.
	unset []string
}

// storedRecord is what a golden file shows.
type storedRecord struct {
	Collection string            `json:"collection,omitempty"`
	Journal    string            `json:"journal,omitempty"`
	ID         string            `json:"id,omitempty"`
	Unique     map[string]string `json:"unique,omitempty"`
	Index      map[string]string `json:"index,omitempty"`
	Data       []byte            `json:"-"`
}

func fromRecord(r Record) storedRecord {
	return storedRecord{Collection: r.Collection, ID: r.ID, Unique: r.Unique, Index: r.Index, Data: r.Data}
}

// viaDecode reads data as decode (the domain's record reader) does.
func viaDecode[T any](data []byte) (any, error) {
	var v T
	err := decode(Record{Collection: "golden", ID: "golden", Data: data}, &v)
	return v, err
}

// viaOutbox reads data as the outbox does (with the one codec, decode).
func viaOutbox[T any](data []byte) (any, error) {
	var v T
	err := decode(Record{Collection: "golden", ID: "golden", Data: data}, &v)
	return v, err
}

// viaStdJSON reads data as the journals read by encoding/json do (audit, ledger,
// register).
func viaStdJSON[T any](data []byte) (any, error) {
	var v T
	err := stdjson.Unmarshal(data, &v)
	return v, err
}

// Deterministic ids and times. Times carry nanoseconds so their precision is pinned too.
const (
	goldenCoop    = "01960000-0000-7000-8000-00000000c001"
	goldenCoop2   = "01960000-0000-7000-8000-00000000c002"
	goldenMember  = "01960000-0000-7000-8000-00000000a001"
	goldenMember2 = "01960000-0000-7000-8000-00000000a002"
	goldenUser    = "01960000-0000-7000-8000-00000000b001"
	goldenUser2   = "01960000-0000-7000-8000-00000000b002"
	goldenOffer   = "01960000-0000-7000-8000-00000000d001"
	goldenSub     = "01960000-0000-7000-8000-00000000e001"
	goldenPayment = "01960000-0000-7000-8000-00000000f001"
	goldenObject  = "01960000-0000-7000-8000-000000000001"
	goldenObject2 = "01960000-0000-7000-8000-000000000002"
	goldenHash    = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
)

var goldenTime = time.Date(2025, 3, 14, 9, 26, 53, 589793238, time.UTC)

func goldenAt(d time.Duration) time.Time { return goldenTime.Add(d) }

func storedCases() []storedCase {
	day := 24 * time.Hour
	ranges := []ShareRange{{First: 1, Last: 10}, {First: 21, Last: 25}}
	member := Member{ID: goldenMember, CooperativeID: goldenCoop, Number: 42, Kind: MemberPerson, Name: "Anna de Vries",
		Address:     Address{Street: "Dorpsstraat 1", PostalCode: "1234 AB", City: "Zon", Country: "NL"},
		DateOfBirth: "1980-05-17", RegistrationNumber: "12345678", Email: "anna@example.org",
		IBAN: "NL91ABNA0417164300", Language: "nl", Consent: Consent{StatutesVersion: 2, At: goldenTime},
		UserID: goldenUser, Status: MemberActive, AppliedAt: goldenTime, AdmittedOn: "2025-03-15",
		CeasedOn: "2026-01-01", Reason: "moved away", UpdatedAt: goldenAt(day)}
	sub := Subscription{ID: goldenSub, CooperativeID: goldenCoop, OfferingID: goldenOffer, MemberID: goldenMember,
		Class: "A", Order: 7, Shares: 15, AmountCents: 150000, Status: SubscriptionAllocated, SubscribedAt: goldenTime,
		PaidOn: "2025-03-16", BankReference: "RF18539007547034", Allocated: 15, RefundCents: 2500,
		ShareNumbers: ranges, IssuedOn: "2025-04-01", TransferRefundedCents: 1000, IdempotencyKey: "client-key-1",
		WithdrawnAt: goldenAt(2 * day), WithdrawReason: "changed my mind",
		WaitingList: &WaitingListPlace{SharesAhead: 990, CapShares: 1000}}
	stripeEvent := StripeEvent{ID: "evt_1", Type: "charge.refunded", Created: goldenTime, Livemode: true,
		Account: "acct_1", Object: "charge", ObjectID: "ch_1", CooperativeID: goldenCoop, PaymentID: goldenPayment,
		PaymentIntentID: "pi_1", ChargeID: "ch_1", PayoutID: "po_1", BalanceTransactionID: "txn_1",
		PaymentStatus: "paid", Amount: 10000, AmountRefunded: 2500, Currency: "EUR", FailureReason: "insufficient_funds",
		DisputeStatus: "lost", Raw: []byte(`{"id":"ch_1","object":"charge"}`)}
	statutes := Statutes{CooperativeID: goldenCoop, Version: 2, EffectiveFrom: "2025-01-01",
		ShareClasses: []ShareClass{{Code: "A", Name: "Gewone aandelen", NominalCents: 10000, MinPerMember: 1,
			MaxPerMember: 100, ConfersMembership: true}},
		MembershipFeeCents: 2500, DividendCapBP: 600, NoticePeriodDays: 30, Allocation: AllocationFirstCome,
		AdoptedAt: goldenTime}

	return []storedCase{
		{name: collectionBankLines, value: BankLine{Key: "NL91ABNA0417164300/REF1", Account: "NL91ABNA0417164300",
			StatementID: "STMT-1", Credit: true, Booked: true, Reversal: true, Amount: 150000, Currency: "EUR",
			Reference: "RF18539007547034", Payer: "A. de Vries", PayerIBAN: "NL02RABO0123456789", Text: "shares <A> & more",
			BookedOn: goldenTime, Outcome: "matched", PaymentID: goldenPayment, At: goldenAt(time.Hour)},
			decode: viaDecode[BankLine]},
		{name: collectionLedgerAccounts, value: ledgerAccount{Account: "1100", Balance: -150000, Last: "2025-03-14"},
			decode: viaDecode[ledgerAccount]},
		{name: collectionLedgerDays, value: ledgerDay{Movement: 2500, Balance: -150000}, decode: viaDecode[ledgerDay]},
		{name: collectionLedgerKept, value: ledgerKept{Seq: 42}, decode: viaDecode[ledgerKept]},
		{name: collectionSweepState, value: sweepState{Through: "2025-03-13"}, decode: viaDecode[sweepState]},
		{name: collectionCooperatives, value: Cooperative{ID: goldenCoop, Name: "Zonnepark Zon", Kind: KindEnergy,
			Country: "NL", Currency: "EUR", RegistrationNumber: "87654321", IBAN: "NL91ABNA0417164300",
			BIC: "ABNANL2A", CreatedAt: goldenTime}, decode: viaDecode[Cooperative]},
		{name: collectionInvitations, value: invitation{ID: goldenObject, CooperativeID: goldenCoop,
			Email: "board@example.org", Role: RoleBoard, Language: "en", InvitedBy: goldenUser, CreatedAt: goldenTime,
			ExpiresAt: goldenAt(7 * day), AcceptedAt: goldenAt(day), AcceptedBy: goldenUser2},
			decode: viaDecode[invitation]},
		{name: collectionMembers, value: member, decode: viaDecode[Member]},
		{name: collectionMemberCounter, value: memberCounter{Next: 43}, decode: viaDecode[memberCounter]},
		{name: collectionOfferings, value: Offering{ID: goldenOffer, CooperativeID: goldenCoop, Class: "A",
			PriceCents: 10500, CapShares: 1000, TargetShares: 800, MinPerSubscription: 1, MaxPerSubscription: 50,
			MaxPerMember: 100, OpensAt: goldenTime, ClosesAt: goldenAt(30 * day), Allocation: AllocationProRata,
			Status: OfferingClosed, Subscriptions: 12, SubscribedShare: 900, PaidShares: 850, IssuedShares: 850,
			CreatedAt: goldenAt(-day), ClosedAt: goldenAt(31 * day)}, decode: viaDecode[Offering]},
		{name: collectionSubscriptions, value: sub, decode: viaDecode[Subscription]},
		{name: collectionOfferingMember, value: offeringMember{Subscribed: 15}, decode: viaDecode[offeringMember]},
		// The attachments' content is stored apart (notification_attachments), so the
		// message's own record never holds it.
		{name: collectionNotifications, value: Notification{ID: goldenObject, DedupeKey: "application_approved:" + goldenMember,
			Event: EventApplicationApproved, CooperativeID: goldenCoop, To: "anna@example.org", ToName: "Anna de Vries",
			Language: "nl", Data: map[string]string{"name": "Anna", "link": "https://example.org/?a=1&b=<2>"},
			Attachments: []MailAttachment{{Filename: "certificate.pdf", ContentType: "application/pdf", Size: 2048}},
			Status:      NotificationSending, Attempts: 2, NextAttemptAt: goldenAt(time.Minute), LeaseOwner: "host-1:42",
			LeaseUntil: goldenAt(2 * time.Minute), LastError: "451 try again later", CreatedAt: goldenTime,
			UpdatedAt: goldenAt(time.Minute), SentAt: goldenAt(3 * time.Minute)},
			unset: []string{"Attachments[].Content"}, decode: viaOutbox[Notification]},
		{name: collectionNotificationAttachments, value: []MailAttachment{{Filename: "certificate.pdf",
			ContentType: "application/pdf", Size: 8, Content: []byte("%PDF-1.7")}}, decode: viaOutbox[[]MailAttachment]},
		{name: collectionNotificationPreferences, value: NotificationPreferences{Address: "anna@example.org",
			UnsubscribedAll: true, Unsubscribed: []NotificationEvent{EventRoleGranted}, UpdatedAt: goldenTime},
			decode: viaOutbox[NotificationPreferences]},
		{name: collectionNotificationThrottles, value: []throttleSend{{At: goldenTime, Optional: true}},
			decode: viaOutbox[[]throttleSend]},
		{name: collectionPayments, value: Payment{ID: goldenPayment, CooperativeID: goldenCoop, SubscriptionID: goldenSub,
			Purpose: PurposeShares, Amount: 150000, Currency: "EUR", Reference: "RF18539007547034", Status: PaymentDisputed,
			PayerEmail: "anna@example.org", PayerLanguage: "nl", CheckoutSessionID: "cs_1", CheckoutAttempts: 2,
			PaymentIntentID: "pi_1", ChargeID: "ch_1", SucceededAt: goldenTime, FailedAt: goldenAt(day),
			FailReason: "insufficient_funds", Refunded: 2500, DisputeID: "dp_1", Disputed: 5000,
			DisputeOutcome: DisputeLost, Channel: "stripe", PostedReceived: 150000, PostedRefunded: 2500,
			PostedDisputed: 5000, DisputeClosed: true, Reversed: true, ReceivedSeq: 17,
			ReceivedTo: string(AccountSubscriptionsInAdvance), Suspense: 300, RefundDue: 2500,
			CreatedAt: goldenTime, UpdatedAt: goldenAt(2 * day)}, decode: viaDecode[Payment]},
		{name: collectionStripeEvents, value: StoredStripeEvent{ID: goldenObject, CooperativeID: goldenCoop,
			Event: stripeEvent, Status: StripeEventPending, Attempts: 3, NextAttemptAt: goldenAt(time.Hour),
			Outcome: "parked: payment not found", ReceivedAt: goldenTime, ProcessedAt: goldenAt(2 * time.Hour)},
			decode: viaDecode[StoredStripeEvent]},
		{name: collectionStripePayouts, value: stripePayout{ID: "po_1", PaidAt: goldenTime, FailedAt: goldenAt(day),
			Posted: true, Reversed: true}, decode: viaDecode[stripePayout]},
		{name: collectionPaymentReviews, value: PaymentReview{ID: goldenObject, CooperativeID: goldenCoop, Source: "stripe",
			SourceID: "evt_1", Reason: ReviewUnknownReference, Detail: "no payment has this reference", Amount: 150000,
			Currency: "EUR", Reference: "RF18539007547034", PaymentID: goldenPayment, Payer: "A. de Vries",
			BookedOn: goldenTime, Status: ReviewResolved, Resolution: "assign", Note: "the reference had a typo",
			ResolvedBy: goldenUser, ResolvedAt: goldenAt(day), CreatedAt: goldenTime}, decode: viaDecode[PaymentReview]},
		{name: collectionRecoveryCodes, value: recoveryCodeSet{UserID: goldenUser, SetID: goldenObject, Key: "sealed:key",
			Codes: []recoveryCode{{Hash: goldenHash, UsedAt: goldenTime}}, CreatedAt: goldenTime},
			decode: viaDecode[recoveryCodeSet]},
		{name: collectionTransferRefunds, value: RecordedTransferRefund{ID: goldenObject, CooperativeID: goldenCoop,
			SubscriptionID: goldenSub, MemberID: goldenMember, AmountCents: 2500, PaidOn: "2025-04-02",
			IBAN: "NL91ABNA0417164300", Reference: "bank ref 77", Key: "client-key-2", EntrySeq: 18,
			RecordedBy: goldenUser, RecordedAt: goldenTime}, decode: viaDecode[RecordedTransferRefund]},
		{name: collectionHoldings, value: Holding{CooperativeID: goldenCoop, MemberID: goldenMember, Class: "A",
			Shares: 15, Ranges: ranges}, decode: viaDecode[Holding]},
		{name: collectionClassState, value: classState{NextNumber: 26, Outstanding: 25}, decode: viaDecode[classState]},
		{name: collectionRegHeads, value: registerHead{LastDate: "2025-04-01",
			Checkpoints: []checkpointRef{{Seq: 1000, Date: "2025-03-31", ID: goldenCoop + ":000000000001000"}}},
			decode: viaDecode[registerHead]},
		{name: collectionCheckpoints, value: checkpoint{Seq: 1000, Date: "2025-03-31",
			Holdings: []checkpointHolder{{Member: goldenMember, Class: "A", Ranges: []int64{1, 10, 21, 25}}}},
			decode: viaDecode[checkpoint]},
		{name: collectionRoleGrants, value: RoleGrant{CooperativeID: goldenCoop, UserID: goldenUser,
			Email: "board@example.org", Roles: []Role{RoleBoard, RoleAccountant}, CreatedAt: goldenTime,
			UpdatedAt: goldenAt(day)}, decode: viaDecode[RoleGrant]},
		{name: collectionLinkTokens, value: linkToken{Purpose: linkResetPassword, UserID: goldenUser,
			CreatedAt: goldenTime, ExpiresAt: goldenAt(resetPasswordTTL)}, decode: viaDecode[linkToken]},
		{name: collectionSessions, value: session{ID: goldenObject, UserID: goldenUser, MFA: true, CreatedAt: goldenTime,
			ExpiresAt: goldenAt(30 * day), RefreshedAt: goldenAt(time.Hour), RevokedAt: goldenAt(2 * day),
			RevokedReason: "signed out"}, decode: viaDecode[session]},
		{name: collectionRefreshTokens, value: refreshToken{SessionID: goldenObject, Spent: true, CreatedAt: goldenTime},
			decode: viaDecode[refreshToken]},
		{name: collectionStatutes, value: statutesHistory{CooperativeID: goldenCoop, Versions: []Statutes{statutes}},
			decode: viaDecode[statutesHistory]},
		{name: collectionStripeAccounts, value: stripeAccount{CooperativeID: goldenCoop,
			Status: StripeAccountStatus{Connected: true, AccountID: "acct_1", KeyLast4: "4242", Livemode: true,
				ConnectedAt: goldenTime, ConnectedBy: goldenUser},
			SealedKey: []byte("sealed secret key"), SealedWebhook: []byte("sealed webhook secret"),
			LastEventAt: goldenAt(day)}, decode: viaDecode[stripeAccount]},
		{name: collectionThrottles, value: throttleCounter{Count: 3, WindowStart: goldenTime,
			ResetsAt: goldenAt(15 * time.Minute)}, decode: viaDecode[throttleCounter]},
		{name: collectionTransfers, value: Transfer{ID: goldenObject, CooperativeID: goldenCoop, From: goldenMember,
			To: goldenMember2, Class: "A", Shares: 15, ShareNumbers: ranges, Date: "2025-05-01", Reason: "inheritance",
			ApprovedBy: goldenUser, CreatedAt: goldenTime}, decode: viaDecode[Transfer]},
		{name: collectionWithdrawals, value: Withdrawal{ID: goldenObject, CooperativeID: goldenCoop, MemberID: goldenMember,
			Class: "A", Shares: 15, EndsMembership: true, RequestedOn: "2025-05-01", EarliestOn: "2025-05-31",
			Status: WithdrawalApproved, DecidedOn: "2025-06-01", Reason: "resigning", AmountCents: 150000,
			ShareNumbers: ranges}, decode: viaDecode[Withdrawal]},
		{name: collectionUsers, value: storedUser{ID: goldenUser, Email: "anna@example.org", EmailVerified: true,
			Language: "nl", PasswordHash: "$argon2id$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", PlatformAdmin: true,
			TOTP: totpState{Secret: "sealed:secret", Pending: "sealed:pending", PendingUntil: goldenAt(10 * time.Minute),
				Enabled: true, LastStep: 58073696},
			CreatedAt: goldenTime, PasswordChangedAt: goldenAt(day)}, decode: viaDecode[storedUser]},
		{name: collectionWithdrawalClaims, value: withdrawalClaim{Requests: 2}, decode: viaDecode[withdrawalClaim]},

		// Journals: the name (it is how entries are found) and the entry's data. Seq and
		// time are the journal's own, not in the data.
		{name: "journal_ledger", journalFunc: "LedgerJournal", value: entryData{BookingDate: "2025-03-16",
			Description: "Payment RF18539007547034", Source: Source{Type: "payment", ID: goldenPayment},
			Lines: []Line{{Account: string(AccountBank), Amount: 150000},
				{Account: MemberAccount(AccountMemberCapital, goldenMember), Amount: -150000}},
			Reverses: 16}, journal: LedgerJournal(goldenCoop), decode: viaStdJSON[entryData]},
		// Seq is stored as 0: ReadAudit sets it from the journal.
		{name: "journal_audit", journalFunc: "auditJournal", value: AuditEntry{At: goldenTime, ActorID: goldenUser,
			ActorEmail: "board@example.org", ActorRole: "board", CooperativeID: goldenCoop, Action: "member.approve",
			ObjectType: "member", ObjectID: goldenMember, Before: rawJSON(map[string]string{"status": "applied"}),
			After: rawJSON(map[string]string{"status": "active"}), RequestID: "req-1"},
			journal: auditJournal(goldenCoop), unset: []string{"Seq"}, decode: viaStdJSON[AuditEntry]},
		{name: "journal_audit_platform", journalFunc: "auditJournal", value: AuditEntry{At: goldenTime,
			ActorID: goldenUser, ActorEmail: "ops@example.org", ActorRole: "admin", Action: "cooperative.create",
			ObjectType: "cooperative", ObjectID: goldenCoop2, After: rawJSON(map[string]string{"name": "Zorg"}),
			RequestID: "req-2"},
			journal: auditJournal(""), unset: []string{"Seq", "CooperativeID", "Before"},
			decode: viaStdJSON[AuditEntry]},
		{name: "journal_register", journalFunc: "RegisterJournal", value: RegisterEvent{Type: RegisterTransfer,
			Date: "2025-05-01", Class: "A", From: goldenMember, To: goldenMember2, Ranges: ranges, Ref: goldenObject},
			journal: RegisterJournal(goldenCoop), decode: viaStdJSON[RegisterEvent]},
		{name: "journal_member_history", journalFunc: "memberHistoryJournal", value: MemberChange{Change: "approve",
			At: goldenTime, ActorID: goldenUser, ActorRole: "board", Member: member},
			journal: memberHistoryJournal(goldenMember), decode: viaDecode[MemberChange]},
	}
}

// recordOf returns how c's value is written: by its record method or encoder.
func recordOf(t *testing.T, c storedCase) storedRecord {
	t.Helper()
	if c.journal != "" {
		return storedRecord{Journal: c.journal, Data: encode(c.value)} // as every journal writer does
	}
	// The collections written through a record method use it; the rest are written
	// inline with encode (or the outbox's encoder), and only their data is pinned.
	switch v := c.value.(type) {
	case invitation:
		return fromRecord(v.record(goldenHash))
	case Member:
		return fromRecord(v.record())
	case Offering:
		return fromRecord(v.record())
	case Subscription:
		return fromRecord(v.record())
	case Notification:
		return fromRecord(notificationRecord(v))
	case []MailAttachment:
		return storedRecord{Collection: c.name, Data: encode(v)}
	case NotificationPreferences:
		return storedRecord{Collection: c.name, Data: encode(v)}
	case []throttleSend:
		return storedRecord{Collection: c.name, Data: encode(v)}
	case Payment:
		return fromRecord(paymentRecord(v))
	case StoredStripeEvent:
		return fromRecord(stripeEventRecord(v))
	case PaymentReview:
		return fromRecord(reviewRecord(v))
	case recoveryCodeSet:
		return fromRecord(v.record())
	case RecordedTransferRefund:
		return fromRecord(v.record())
	case Holding:
		return fromRecord(v.record())
	case RoleGrant:
		return fromRecord(v.record())
	case refreshToken:
		return fromRecord(v.record(goldenHash, 0))
	case session:
		return fromRecord(v.record())
	case Withdrawal:
		return fromRecord(v.record())
	case storedUser:
		return fromRecord(v.record())
	case throttleCounter:
		return storedRecord{Collection: c.name, Index: sweepIndexOf(v), Data: encode(v)}
	}
	return storedRecord{Collection: c.name, Data: encode(c.value)}
}

// golden renders a record as its golden file: the keys, then the data indented. Indenting
// only adds whitespace, so compacting the file's data gives back the stored bytes exactly.
func golden(t *testing.T, r storedRecord) []byte {
	t.Helper()
	head, err := stdjson.MarshalIndent(r, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	var data bytes.Buffer
	if err := stdjson.Indent(&data, r.Data, "  ", "  "); err != nil {
		t.Fatalf("stored data is not JSON: %v\n%s", err, r.Data)
	}
	out := bytes.TrimSuffix(head, []byte("}"))
	out = append(bytes.TrimRight(out, "\n"), []byte(",\n  \"data\": ")...)
	out = append(out, data.Bytes()...)
	return append(out, []byte("\n}\n")...)
}

func TestStoredFormat(t *testing.T) {
	for _, c := range storedCases() {
		t.Run(c.name, func(t *testing.T) {
			checkEveryFieldSet(t, c)
			r := recordOf(t, c)
			if r.Journal == "" && r.Collection != c.name {
				t.Fatalf("the record is written to %q, the case is named %q", r.Collection, c.name)
			}
			got := golden(t, r)
			path := filepath.Join("testdata", "stored", c.name+".json")
			if updateGolden() {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (a new collection? run go test -run TestStoredFormat -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("the stored format of %s changed: records already stored may no longer read.\n"+
					"If that is meant, run go test -run TestStoredFormat -update and review the diff.\ngot:\n%s\nwant:\n%s",
					c.name, got, want)
			}
			// Decode the golden (what records already stored look like) as the domain
			// does: a field removed or renamed since loses its value here.
			var file struct {
				Data stdjson.RawMessage `json:"data"`
			}
			if err := stdjson.Unmarshal(want, &file); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			var data bytes.Buffer
			if err := stdjson.Compact(&data, file.Data); err != nil {
				t.Fatal(err)
			}
			back, err := c.decode(data.Bytes())
			if err != nil {
				t.Fatalf("decoding %s: %v", path, err)
			}
			if !reflect.DeepEqual(back, c.value) {
				t.Errorf("%s reads back as\n%#v\nwant\n%#v", path, back, c.value)
			}
		})
	}
}

// updateGolden reports whether -update was given. The flag is declared in
// register_test.go: the external test package is linked into the same binary, so it
// cannot be declared here a second time.
func updateGolden() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// checkEveryFieldSet fails when a field of the stored value is zero and not listed as
// unset: a field added to a stored type must be added to its case, or its encoding is
// not pinned.
func checkEveryFieldSet(t *testing.T, c storedCase) {
	t.Helper()
	var zero []string
	zeroFields(reflect.ValueOf(c.value), "", &zero)
	zero = slices.Compact(zero)
	for _, f := range zero {
		if !slices.Contains(c.unset, f) {
			t.Errorf("%s: field %s is not set in the golden case: set it, so its stored form is pinned", c.name, f)
		}
	}
	for _, f := range c.unset {
		if !slices.Contains(zero, f) {
			t.Errorf("%s: field %s is listed as unset but is set (or does not exist)", c.name, f)
		}
	}
}

var timeType = reflect.TypeFor[time.Time]()

func zeroFields(v reflect.Value, path string, out *[]string) {
	if v.Type() == timeType {
		if v.Interface().(time.Time).IsZero() {
			*out = append(*out, path)
		}
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				continue
			}
			zeroFields(v.Field(i), strings.TrimPrefix(path+"."+f.Name, "."), out)
		}
	case reflect.Pointer:
		if v.IsNil() {
			*out = append(*out, path)
			return
		}
		zeroFields(v.Elem(), path, out)
	case reflect.Slice:
		if v.Len() == 0 {
			*out = append(*out, path)
			return
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return
		}
		for i := range v.Len() {
			zeroFields(v.Index(i), path+"[]", out)
		}
	case reflect.Map:
		if v.Len() == 0 {
			*out = append(*out, path)
		}
	default:
		if v.IsZero() {
			*out = append(*out, path)
		}
	}
}

// TestStoredFormatCoversEverything fails when a collection or a journal has no golden
// case, so a new one cannot be forgotten, and when a golden file has no case left.
func TestStoredFormatCoversEverything(t *testing.T) {
	collections, journals := storedKinds(t)
	cases := map[string]bool{}
	funcs := map[string]bool{}
	for _, c := range storedCases() {
		if cases[c.name] {
			t.Errorf("two cases are named %s", c.name)
		}
		cases[c.name] = true
		if c.journalFunc != "" {
			funcs[c.journalFunc] = true
		}
	}
	for _, name := range collections {
		if !cases[name] {
			t.Errorf("collection %q has no case in storedCases", name)
		}
	}
	for _, fn := range journals {
		if !funcs[fn] {
			t.Errorf("journals named by %s have no case in storedCases", fn)
		}
	}
	if len(collections) < 30 || len(journals) < 4 {
		t.Fatalf("found only %d collections and %d journals: has the scan stopped matching?", len(collections), len(journals))
	}
	files, err := filepath.Glob(filepath.Join("testdata", "stored", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".json"); !cases[name] {
			t.Errorf("%s has no case: remove it, or restore its case", f)
		}
	}
}

// storedKinds scans the package's source for collection constants (collectionX = "…")
// and for the functions that name the journals entries are appended to.
func storedKinds(t *testing.T) (collections, journalFuncs []string) {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	collectionConst := regexp.MustCompile(`\bcollection[A-Z]\w*\s*=\s*"([^"]+)"`)
	journalAppend := regexp.MustCompile(`JournalEntry\{Journal:\s*(\w+)\(`)
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range collectionConst.FindAllSubmatch(src, -1) {
			if name := string(m[1]); !seen["c:"+name] {
				seen["c:"+name] = true
				collections = append(collections, name)
			}
		}
		for _, m := range journalAppend.FindAllSubmatch(src, -1) {
			if name := string(m[1]); !seen["j:"+name] {
				seen["j:"+name] = true
				journalFuncs = append(journalFuncs, name)
			}
		}
	}
	sort.Strings(collections)
	sort.Strings(journalFuncs)
	return collections, journalFuncs
}
