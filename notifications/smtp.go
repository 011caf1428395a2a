package notifications

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// TLSMode is how the connection to the mail server is protected.
type TLSMode string

const (
	// TLSStartTLS connects in plain text and must upgrade with STARTTLS (port 587). If
	// the server does not offer it, nothing is sent: silently falling back to plain text
	// would expose credentials and mail to anyone on the path.
	TLSStartTLS TLSMode = "starttls"
	// TLSImplicit speaks TLS from the first byte (port 465).
	TLSImplicit TLSMode = "tls"
	// TLSNone is plain text, for a relay on the same host or private network only. It
	// refuses credentials, which would cross the network readable.
	TLSNone TLSMode = "none"
)

// SMTPConfig says how to reach the mail server.
type SMTPConfig struct {
	Host     string
	Port     int // default 587 (starttls), 465 (tls) or 25 (none)
	Username string
	Password string
	TLS      TLSMode       // default starttls
	Timeout  time.Duration // per SMTP command and for connecting; default 30s
	// MaxIdle connections are kept open between messages, so a burst does not pay for
	// a TCP, TLS and AUTH handshake per mail. Default 4.
	MaxIdle int
	// TLSConfig overrides the TLS settings (a private CA, say). ServerName defaults to
	// Host.
	TLSConfig *tls.Config
}

// LogValue keeps the password out of logs.
func (c SMTPConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("host", c.Host), slog.Int("port", c.Port),
		slog.String("tls", string(c.TLS)), slog.Bool("auth", c.Username != ""))
}

// withDefaults fills in defaults and checks the configuration.
func (c SMTPConfig) withDefaults() (SMTPConfig, error) {
	if c.Host == "" {
		return c, errors.New("SMTP host is empty")
	}
	if c.TLS == "" {
		c.TLS = TLSStartTLS
	}
	if c.Port == 0 {
		c.Port = map[TLSMode]int{TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25}[c.TLS]
	}
	switch c.TLS {
	case TLSStartTLS, TLSImplicit:
	case TLSNone:
		if c.Username != "" || c.Password != "" {
			return c, errors.New("SMTP credentials are refused without TLS; use starttls or tls")
		}
	default:
		return c, fmt.Errorf("SMTP TLS mode %q: want starttls, tls or none", c.TLS)
	}
	if c.Port < 1 || c.Port > 65535 {
		return c, fmt.Errorf("SMTP port %d is out of range", c.Port)
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
	if c.MaxIdle <= 0 {
		c.MaxIdle = 4
	}
	return c, nil
}

// SMTPSender sends through an SMTP server with go-mail, reusing connections.
type SMTPSender struct {
	client *mail.Client // holds the settings; connections are made per pool entry
	idle   chan idleConn
	addr   string
}

type idleConn struct {
	c     *smtp.Client
	since time.Time
}

// maxIdleAge: a server may drop a connection idle for long (RFC 5321 lets it after 5
// minutes); older ones are closed rather than risked.
const maxIdleAge = 30 * time.Second

// NewSMTPSender checks cfg and returns a sender. It does not connect yet: the worker
// retries when the server is away, so start-up need not wait for it.
func NewSMTPSender(cfg SMTPConfig) (*SMTPSender, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	opts := []mail.Option{mail.WithPort(cfg.Port), mail.WithTimeout(cfg.Timeout)}
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = cfg.Host
	}
	opts = append(opts, mail.WithTLSConfig(tlsConfig))
	switch cfg.TLS {
	case TLSStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	if cfg.Username != "" {
		// Auto-discovery picks the strongest mechanism the server offers (SCRAM before
		// PLAIN and LOGIN), and go-mail refuses PLAIN and LOGIN on an unencrypted link.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
	}
	client, err := mail.NewClient(cfg.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("SMTP client: %w", err)
	}
	return &SMTPSender{client: client, idle: make(chan idleConn, cfg.MaxIdle),
		addr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))}, nil
}

// Send implements Sender. Cancelling ctx aborts the exchange by closing the connection.
func (s *SMTPSender) Send(ctx context.Context, m *mail.Msg) error {
	for try := 0; ; try++ {
		conn, reused, err := s.conn(ctx)
		if err != nil {
			return fmt.Errorf("connect to %s: %w", s.addr, err)
		}
		stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
		err = s.client.SendWithSMTPClient(conn, m)
		aborted := !stop()
		// go-mail sends RSET after an accepted message; if only that fails, the message
		// is delivered and must not be reported as failed (it would be sent again).
		if err == nil || m.IsDelivered() {
			if err == nil && !aborted {
				s.put(conn)
			} else {
				_ = conn.Close()
			}
			return nil
		}
		_ = conn.Close()
		// A pooled connection the server has dropped fails its NOOP before anything of
		// the message is sent, so one retry on a fresh connection is safe.
		var se *mail.SendError
		if reused && try == 0 && errors.As(err, &se) && se.Reason == mail.ErrConnCheck && ctx.Err() == nil {
			continue
		}
		return err
	}
}

// conn returns an idle connection young enough to trust, or a new one.
func (s *SMTPSender) conn(ctx context.Context) (*smtp.Client, bool, error) {
	for {
		select {
		case ic := <-s.idle:
			if time.Since(ic.since) < maxIdleAge {
				return ic.c, true, nil
			}
			_ = s.client.CloseWithSMTPClient(ic.c)
			continue
		default:
		}
		c, err := s.client.DialToSMTPClientWithContext(ctx)
		return c, false, err
	}
}

func (s *SMTPSender) put(c *smtp.Client) {
	select {
	case s.idle <- idleConn{c: c, since: time.Now()}:
	default:
		_ = s.client.CloseWithSMTPClient(c)
	}
}

// Close says goodbye (QUIT) on the idle connections. Call it after the worker stopped.
func (s *SMTPSender) Close() error {
	for {
		select {
		case ic := <-s.idle:
			_ = s.client.CloseWithSMTPClient(ic.c)
		default:
			return nil
		}
	}
}
