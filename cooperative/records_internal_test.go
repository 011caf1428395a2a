package cooperative

import (
	"testing"
)

// recordingTx answers Get, Insert, Replace and Delete and notes the writes; nothing else.
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

// Get finds every record but "gone"; Delete notes what it deletes.
func (t *recordingTx) Get(collection, id string) (Record, error) {
	if id == "gone" {
		return Record{}, Errorf(ENOTFOUND, "%s %s not found", collection, id)
	}
	return Record{Collection: collection, ID: id, Version: 3}, nil
}

func (t *recordingTx) Delete(rec Record) error {
	t.calls = append(t.calls, "delete "+rec.ID)
	return nil
}

func TestRemoveDeletesWhatIsThere(t *testing.T) {
	tx := &recordingTx{}
	if err := Remove(tx, "c", "gone"); err != nil || len(tx.calls) != 0 {
		t.Fatalf("absent record: %v, calls %v", err, tx.calls)
	}
	if err := Remove(tx, "c", "a"); err != nil || len(tx.calls) != 1 || tx.calls[0] != "delete a" {
		t.Fatalf("present record: %v, calls %v", err, tx.calls)
	}
}

func TestPutInsertsVersionZeroAndReplacesOtherwise(t *testing.T) {
	tx := &recordingTx{}
	got, err := Put(tx, Record{Collection: "c", ID: "a"})
	if err != nil || got.Version != 1 {
		t.Fatalf("new record: version %d, %v", got.Version, err)
	}
	if got, err = Put(tx, Record{Collection: "c", ID: "a", Version: 4}); err != nil || got.Version != 5 {
		t.Fatalf("stored record: version %d, %v", got.Version, err)
	}
	if len(tx.calls) != 2 || tx.calls[0] != "insert" || tx.calls[1] != "replace" {
		t.Fatalf("calls %v, want insert then replace", tx.calls)
	}
}
