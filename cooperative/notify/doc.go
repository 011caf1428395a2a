// Package notify is the outbox: what must be mailed after a change is written in the
// change's own transaction (Enqueue) and sent by a worker that retries. The catalogue
// says which kinds of mail exist, what data each needs and whether a member may turn it
// off; each capability's kinds are in catalogue_<capability>.go.
package notify
