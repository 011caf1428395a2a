// Command kracht is the whole Kracht service in one binary.
//
//	kracht serve          run the HTTP API (and, later, the background workers)
//	kracht admin create   create a platform admin (password from a prompt or stdin)
//	kracht backup         copy the embedded store while it runs
//	kracht version        print the version
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kracht:", err)
		os.Exit(1)
	}
}

const usage = `Usage: kracht <command>

Commands:
  serve          run the API on KRACHT_ADDR (default 127.0.0.1:8080)
  admin create   create a platform admin: --email ADDRESS, password from a prompt or stdin
  stripe resync  fetch Stripe events missed since the last one seen and apply them:
                 [--cooperative ID], default every cooperative that connected Stripe
  distribution run  execute a year's decided distribution with a progress bar (or --dry-run
                 for its totals): --cooperative ID --year YEAR
  backup         an online, consistent copy of the embedded store while it runs:
                 --to FILE, or --to DIR/ [--keep N] for dated files
  version        print the version

Configuration comes from the environment only; see .env.example.
`

// run is the program: main only gives it the outside world, so tests can run it whole.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("no command given")
	}
	switch args[0] {
	case "serve":
		cfg, err := loadConfig(getenv)
		if err != nil {
			return err
		}
		return serve(ctx, cfg, stdout)
	case "admin":
		return runAdmin(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "stripe":
		return runStripe(ctx, args[1:], getenv, stdout, stderr)
	case "distribution":
		return runDistribution(ctx, args[1:], getenv, stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "kracht", version())
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// version is the module version and, for builds from a checkout, the commit.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := info.Main.Version
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
		if s.Key == "vcs.modified" && s.Value == "true" {
			v += "+dirty"
		}
	}
	return v
}
