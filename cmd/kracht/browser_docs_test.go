package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestBrowserDocs opens the API reference in Chromium: it renders the API's title and
// its groups from what this server serves alone (no request leaves it), and the
// Content-Security-Policy refuses nothing the page needs.
func TestBrowserDocs(t *testing.T) {
	s := newStand(t, nil)
	ctx, cancel := chromedp.NewContext(newBrowser(t), chromedp.WithNewBrowserContext())
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, stepTimeout)
	defer cancelTimeout()

	// Subscribed before the page loads, read while it does.
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	console := chromedp.Console(ctx)
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(s.base)
	var mu sync.Mutex
	var elsewhere, problems []string
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for ev, err := range requests {
			if err != nil {
				return
			}
			if u, err := url.Parse(ev.Request.URL); err != nil || (u.Host != base.Host && u.Scheme != "data") {
				mu.Lock()
				elsewhere = append(elsewhere, ev.Request.URL)
				mu.Unlock()
			}
		}
	}()
	go func() {
		defer wg.Done()
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				problems = append(problems, m.String()+" "+m.URL)
				mu.Unlock()
			}
		}
	}()
	err := chromedp.Do(ctx, chromedp.Navigate(s.base+"/docs"),
		chromedp.WaitVisible(chromedp.Search(`//h1[contains(., "Kracht API")]`)),
		chromedp.WaitVisible(chromedp.Search(`//*[contains(text(), "community fund")]`)))
	if err != nil {
		t.Fatalf("/docs did not render the API: %v", err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("KRACHT_SCREENSHOTS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "docs.png"), shot, 0o644); err != nil {
			t.Error(err)
		}
	}
	cancelTimeout() // ends the subscriptions
	wg.Wait()
	if len(elsewhere) > 0 {
		t.Errorf("/docs asked other origins: %v", elsewhere)
	}
	if len(problems) > 0 {
		t.Errorf("/docs reported errors:\n%s", strings.Join(problems, "\n"))
	}
}
