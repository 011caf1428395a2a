package notifications_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// mailServer is a real SMTP server inside the test process (go-smtp). It records what it
// accepts and can be told to refuse.
type mailServer struct {
	host string
	port int

	mu       sync.Mutex
	accepted []receivedMail
	sessions int
	datas    int
	// respond, when set, decides the reply to the n-th DATA (counting from 1) after the
	// message was read: nil accepts it.
	respond func(n int) error
	user    string // when set, AUTH PLAIN with user/pass is required
	pass    string
}

type receivedMail struct {
	From string
	To   []string
	Data []byte
}

type mailServerOptions struct {
	tls      *tls.Config // offered with STARTTLS, or spoken at once when implicit
	implicit bool
	user     string
	pass     string
}

func startMailServer(t testing.TB, opts mailServerOptions) *mailServer {
	t.Helper()
	ms := &mailServer{user: opts.user, pass: opts.pass}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		ms.mu.Lock()
		ms.sessions++
		ms.mu.Unlock()
		return &mailSession{server: ms}, nil
	}))
	srv.Domain = "mail.test"
	srv.AllowInsecureAuth = opts.tls == nil
	srv.MaxMessageBytes = 32 << 20
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.tls != nil {
		if opts.implicit {
			ln = tls.NewListener(ln, opts.tls)
		} else {
			srv.TLSConfig = opts.tls
		}
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().(*net.TCPAddr)
	ms.host, ms.port = "127.0.0.1", addr.Port
	return ms
}

func (ms *mailServer) setRespond(f func(n int) error) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.respond = f
}

func (ms *mailServer) mails() []receivedMail {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]receivedMail(nil), ms.accepted...)
}

func (ms *mailServer) count() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return len(ms.accepted)
}

func (ms *mailServer) sessionCount() int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.sessions
}

type mailSession struct {
	server *mailServer
	authed bool
	from   string
	to     []string
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != s.server.user || password != s.server.pass {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.server.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ms := s.server
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.datas++
	if ms.respond != nil {
		if err := ms.respond(ms.datas); err != nil {
			return err
		}
	}
	ms.accepted = append(ms.accepted, receivedMail{From: s.from, To: s.to, Data: data})
	return nil
}

func (s *mailSession) Reset() { s.from, s.to = "", nil }

func (s *mailSession) Logout() error { return nil }

// smtpReply is a refusal as a server sends it.
func smtpReply(code int, enhanced smtp.EnhancedCode, msg string) error {
	return &smtp.SMTPError{Code: code, EnhancedCode: enhanced, Message: msg}
}

// testCertificate returns a server TLS config for 127.0.0.1 and a pool that trusts it.
func testCertificate(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "mail.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}, pool
}
