package embedded

// migrations are applied in order at start-up, each once, inside a transaction. Append new
// ones; never edit one that has shipped.
var migrations = []string{
	// 1: documents with unique keys and lookup indexes; append-only journals.
	`CREATE TABLE documents (
		collection TEXT NOT NULL,
		id         TEXT NOT NULL,
		version    INTEGER NOT NULL,
		data       BLOB NOT NULL,
		keys       BLOB NOT NULL, -- the record's unique keys and index entries, as JSON
		PRIMARY KEY (collection, id)
	) WITHOUT ROWID;
	CREATE TABLE unique_keys (
		collection TEXT NOT NULL,
		name       TEXT NOT NULL,
		value      TEXT NOT NULL,
		id         TEXT NOT NULL,
		PRIMARY KEY (collection, name, value)
	) WITHOUT ROWID;
	CREATE TABLE index_entries (
		collection TEXT NOT NULL,
		name       TEXT NOT NULL,
		value      TEXT NOT NULL,
		id         TEXT NOT NULL,
		PRIMARY KEY (collection, name, value, id)
	) WITHOUT ROWID;
	CREATE TABLE journal_entries (
		journal     TEXT NOT NULL,
		seq         INTEGER NOT NULL,
		key         TEXT NOT NULL,
		data        BLOB NOT NULL,
		recorded_at TEXT NOT NULL,
		PRIMARY KEY (journal, seq)
	) WITHOUT ROWID;
	CREATE UNIQUE INDEX journal_entries_key ON journal_entries (journal, key);`,
	// 2: Replace and Delete remove a record's keys by (collection, id); without these
	// indexes that scanned every key of the collection.
	`CREATE INDEX unique_keys_by_record ON unique_keys (collection, id);
	CREATE INDEX index_entries_by_record ON index_entries (collection, id);`,
}
