package embedded

// The SQL of the adapter. Every query is here so that Open can prepare them all on both
// pools before any transaction holds the writer's only connection.
const (
	qGet            = `SELECT version, data, keys FROM documents WHERE collection = ? AND id = ?`
	qInsert         = `INSERT INTO documents (collection, id, version, data, keys) VALUES (?, ?, 1, ?, ?)`
	qInsertUnique   = `INSERT INTO unique_keys (collection, name, value, id) VALUES (?, ?, ?, ?)`
	qInsertIndex    = `INSERT INTO index_entries (collection, name, value, id) VALUES (?, ?, ?, ?)`
	qReplace        = `UPDATE documents SET version = version + 1, data = ?, keys = ? WHERE collection = ? AND id = ? AND version = ?`
	qReplaceData    = `UPDATE documents SET version = version + 1, data = ? WHERE collection = ? AND id = ? AND version = ? AND keys = ?`
	qDelete         = `DELETE FROM documents WHERE collection = ? AND id = ? AND version = ?`
	qFindAll        = `SELECT id, version, data, keys FROM documents WHERE collection = ? AND id > ? ORDER BY id LIMIT ?`
	qJournalByKey   = `SELECT seq, data, recorded_at FROM journal_entries WHERE journal = ? AND key = ?`
	qJournalNextSeq = `SELECT COALESCE(MAX(seq), 0) + 1 FROM journal_entries WHERE journal = ?`
	qJournalInsert  = `INSERT INTO journal_entries (journal, seq, key, data, recorded_at) VALUES (?, ?, ?, ?, ?)`
	qJournalRead    = `SELECT seq, key, data, recorded_at FROM journal_entries WHERE journal = ? AND seq > ? ORDER BY seq LIMIT ?`
	qFindByIndex    = `SELECT d.id, d.version, d.data, d.keys FROM index_entries i
			 JOIN documents d ON d.collection = i.collection AND d.id = i.id
			 WHERE i.collection = ? AND i.name = ? AND i.value = ? AND i.id > ?
			 ORDER BY i.id LIMIT ?`
	// Range reads walk the primary key of index_entries, (collection, name, value, id), in
	// one direction: the lower bound of an ascending read is its cursor, (From, "") on the
	// first page since ids are never empty; a descending read has one form per bound.
	qFindRangeAsc = qFindRangeSelect + `(i.value, i.id) > (?, ?) AND i.value <= ?
			 ORDER BY i.value, i.id LIMIT ?`
	qFindRangeAscOpen = qFindRangeSelect + `(i.value, i.id) > (?, ?)
			 ORDER BY i.value, i.id LIMIT ?`
	qFindRangeDesc = qFindRangeSelect + `i.value >= ? AND i.value <= ?
			 ORDER BY i.value DESC, i.id DESC LIMIT ?`
	qFindRangeDescOpen = qFindRangeSelect + `i.value >= ?
			 ORDER BY i.value DESC, i.id DESC LIMIT ?`
	qFindRangeDescAfter = qFindRangeSelect + `i.value >= ? AND (i.value, i.id) < (?, ?)
			 ORDER BY i.value DESC, i.id DESC LIMIT ?`
	qFindRangeSelect = `SELECT d.id, d.version, d.data, d.keys, i.value FROM index_entries i
			 JOIN documents d ON d.collection = i.collection AND d.id = i.id
			 WHERE i.collection = ? AND i.name = ? AND `
	qDeleteUniques = `DELETE FROM unique_keys WHERE collection = ? AND id = ?`
	qDeleteIndexes = `DELETE FROM index_entries WHERE collection = ? AND id = ?`
)

// queries is every statement a transaction may run.
var queries = []string{
	qGet,
	qInsert,
	qInsertUnique,
	qInsertIndex,
	qReplace,
	qReplaceData,
	qDelete,
	qFindAll,
	qJournalByKey,
	qJournalNextSeq,
	qJournalInsert,
	qJournalRead,
	qFindByIndex,
	qFindRangeAsc,
	qFindRangeAscOpen,
	qFindRangeDesc,
	qFindRangeDescOpen,
	qFindRangeDescAfter,
	qDeleteUniques,
	qDeleteIndexes,
}
