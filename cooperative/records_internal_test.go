package cooperative

import "testing"

// recordingTx answers Insert and Replace and notes which was called; nothing else.
type recordingTx struct {
	Tx
	calls []string
}

func (t *recordingTx) Insert(rec Record) (Record, error) {
	t.calls = append(t.calls, "insert")
	rec.Version = 1
	return rec, nil
}

func (t *recordingTx) Replace(rec Record) (Record, error) {
	t.calls = append(t.calls, "replace")
	rec.Version++
	return rec, nil
}

func TestPutInsertsVersionZeroAndReplacesOtherwise(t *testing.T) {
	tx := &recordingTx{}
	got, err := put(tx, Record{Collection: "c", ID: "a"})
	if err != nil || got.Version != 1 {
		t.Fatalf("new record: version %d, %v", got.Version, err)
	}
	if got, err = put(tx, Record{Collection: "c", ID: "a", Version: 4}); err != nil || got.Version != 5 {
		t.Fatalf("stored record: version %d, %v", got.Version, err)
	}
	if len(tx.calls) != 2 || tx.calls[0] != "insert" || tx.calls[1] != "replace" {
		t.Fatalf("calls %v, want insert then replace", tx.calls)
	}
}
