package handlers

import "strconv"

// page is the shape of every list the API answers: a page of items, never null, and the
// cursor of the next page.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"nextCursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page."`
}

type pageOutput[T any] struct {
	Body page[T]
}

// pageOf answers one page; view turns each domain value into what the caller sees.
func pageOf[T, U any](list []T, next string, view func(T) U) *pageOutput[U] {
	out := &pageOutput[U]{Body: page[U]{Items: make([]U, len(list)), NextCursor: next}}
	for i, v := range list {
		out.Body.Items[i] = view(v)
	}
	return out
}

// asIs is the view of domain values the caller may see whole.
func asIs[T any](v T) T { return v }

// seqCursor is the cursor after a page of a journal: its last sequence number, or none
// at the end.
func seqCursor(next int64) string {
	if next > 0 {
		return strconv.FormatInt(next, 10)
	}
	return ""
}
