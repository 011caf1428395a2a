package handlers

import (
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Fiber streams request bodies (StreamRequestBody): before the handler runs only the
// first 8 KiB are read, and fasthttp reads the next request where the handler stopped
// reading. So what a route leaves of a body (it takes none, refuses the caller, or fails
// halfway) would be parsed as further requests on the same connection: request
// smuggling. keepInStep makes sure that never happens, whatever the route did.

// keepInStep runs first, around everything else. After the answer is made, a body not
// read to its end is either drained, when it is at most the general limit (every client
// sends that much anyway, and the connection stays open), or the connection is closed
// after the answer, lingering so the client still gets it (lingeringConn).
//
// fasthttp drops the body stream once it has been read whole (c.Body()); a route that
// reads the stream itself to its end closes it (c.Request().CloseBodyStream()) to say
// so. A chunked body still open is never drained: after its last chunk, reading on
// would parse the next request as a chunk.
func (s *Server) keepInStep(c *fiber.Ctx) error {
	err := c.Next()
	req := c.Request()
	if !req.IsBodyStream() {
		return err
	}
	if n := req.Header.ContentLength(); n >= 0 && n <= s.bodyLimit {
		// The stream ends at Content-Length: reading on from where the route stopped
		// (or after its end, which reads nothing) cannot go past this request.
		if _, derr := io.Copy(io.Discard, req.BodyStream()); derr == nil {
			return err
		}
	}
	closeAfterAnswer(c)
	return err
}

// closeAfterAnswer closes the connection once the answer is written, with a lingering
// close: the client may still be sending the body.
func closeAfterAnswer(c *fiber.Ctx) {
	c.Context().SetConnectionClose()
	if lc, ok := c.Context().Conn().(*lingeringConn); ok {
		lc.linger.Store(true)
	}
}

const (
	// lingerFor is how long a connection closed with a body unread still reads (and
	// drops) what the client sends, so that its answer is not lost.
	lingerFor = 5 * time.Second
	// lingerUpTo bounds what is dropped in that time.
	lingerUpTo = 256 << 20
)

// lingeringListener gives every connection a lingering close (see lingeringConn).
type lingeringListener struct{ net.Listener }

func (l lingeringListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &lingeringConn{Conn: c}, nil
}

// lingeringConn closes, when asked to linger, as a careful HTTP server must when it
// answers before reading the whole body (a 413, a 401 on an upload): closing a socket
// with data unread makes the kernel send a reset, which makes the client drop the answer
// it has not read yet. So it first ends its side (the answer is all sent, then FIN),
// then reads and drops what the client still sends until the client closes too, for at
// most lingerFor, and only then closes.
type lingeringConn struct {
	net.Conn
	linger atomic.Bool
}

func (c *lingeringConn) Close() error {
	if c.linger.CompareAndSwap(true, false) {
		if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			if c.Conn.SetReadDeadline(time.Now().Add(lingerFor)) == nil {
				_, _ = io.CopyN(io.Discard, c.Conn, lingerUpTo)
			}
		}
	}
	return c.Conn.Close()
}
