package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSubscribeAPI measures subscriptions accepted per second through the whole API
// on the embedded store (synchronous=full: every accepted subscription is on disk before
// the 201): bearer token check, session and member lookups, the subscription's
// transaction with its offering and per-member counters, and the JSON both ways. Many
// members subscribe at once, one share per request, to one offering.
//
//	go test -run '^$' -bench BenchmarkSubscribeAPI -benchtime 5s ./handlers/
//
// "in-process" drives the Fiber app through app.Test (an in-memory connection per
// request: no TCP, but the full HTTP parse and middleware); "loopback" serves on a real
// 127.0.0.1 listener and sends from 64 concurrent keep-alive HTTP clients. The figure is
// subs/s; every answer must be 201, and the offering's counter must agree afterwards.
func BenchmarkSubscribeAPI(b *testing.B) {
	const members = 64
	sc := newScenario(b)
	sc.as.log = slog.New(slog.NewJSONHandler(io.Discard, nil)) // log every request, as in production, but not to memory
	sc.adopt(b, 1_000_000_000)
	o := sc.open(b, 5000, 1_000_000_000, 1_000_000_000, 30*24*time.Hour)
	type subscriber struct{ token, body string }
	subs := make([]subscriber, members)
	for i := range subs {
		s, m := sc.member(b, fmt.Sprintf("m%d@example.org", i), fmt.Sprintf("Member %d", i))
		body, _ := json.Marshal(map[string]any{"memberId": m.ID, "shares": 1})
		subs[i] = subscriber{token: "Bearer " + s.tokens.AccessToken, body: string(body)}
	}
	path := sc.coop + "/offerings/" + o.ID + "/subscriptions"
	var accepted atomic.Int64
	check := func(b *testing.B) {
		b.Helper()
		r := sc.as.call(b, "GET", sc.coop+"/offerings/"+o.ID, sc.board(), nil)
		if got := decodeBody[offeringBody](b, r).Counters.Subscriptions; got != accepted.Load() {
			b.Fatalf("the offering counts %d subscriptions, the clients %d", got, accepted.Load())
		}
	}
	var next atomic.Int64
	pick := func() subscriber { return subs[next.Add(1)%members] }

	b.Run("in-process", func(b *testing.B) {
		b.SetParallelism(16) // goroutines = 16 × GOMAXPROCS
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				s := pick()
				req := httptest.NewRequest("POST", path, bytes.NewReader([]byte(s.body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", s.token)
				res, err := sc.as.App().Test(req, -1)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					b.Errorf("status %d", res.StatusCode)
					return
				}
				accepted.Add(1)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "subs/s")
		b.StopTimer()
		check(b)
	})

	b.Run("loopback", func(b *testing.B) {
		const clients = 64
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go sc.as.Serve(ln)
		defer sc.as.Shutdown(context.Background())
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
		url := "http://" + ln.Addr().String() + path
		b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0)) // goroutines = clients (or a few more)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				s := pick()
				req, _ := http.NewRequest("POST", url, bytes.NewReader([]byte(s.body)))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", s.token)
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					b.Errorf("status %d", res.StatusCode)
					return
				}
				accepted.Add(1)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "subs/s")
		b.StopTimer()
		client.CloseIdleConnections()
		check(b)
	})
}
