package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/kracht-coop/kracht/cooperative"
	"github.com/kracht-coop/kracht/cooperative/distribution"
)

// runDistribution is `kracht distribution run`: the dry run's totals, or the execution
// of a decided appropriation with a progress bar. An execution stopped halfway (a crash,
// Ctrl-C) resumes where it stopped when run again.
func runDistribution(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		fmt.Fprintln(stderr, "usage: kracht distribution run --cooperative ID --year YEAR [--dry-run]")
		return errors.New("unknown distribution command")
	}
	fs := flag.NewFlagSet("distribution run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	coop := fs.String("cooperative", "", "the cooperative's id")
	year := fs.Int("year", 0, "the year whose result is distributed")
	dry := fs.Bool("dry-run", false, "show the totals only; write nothing")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if !cooperative.ValidID(*coop) {
		return fmt.Errorf("--cooperative %q is not a cooperative id", *coop)
	}
	if *year < distribution.MinYear || *year > distribution.MaxYear {
		return fmt.Errorf("--year must be from %d to %d", distribution.MinYear, distribution.MaxYear)
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	store, _, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	d := distribution.New(store, distribution.Options{Now: time.Now})
	if *dry {
		t, err := d.DryRun(ctx, *coop, *year)
		if err != nil {
			return errors.New(cooperative.ErrorMessage(err))
		}
		printTotals(stdout, *year, t.Totals)
		return nil
	}
	actor := cooperative.Actor{Role: "cli"}
	e, err := d.StartExecution(ctx, actor, *coop, *year)
	if err != nil {
		return errors.New(cooperative.ErrorMessage(err))
	}
	if e.Status == distribution.ExecutionDone {
		fmt.Fprintf(stdout, "the distribution of %d was executed on %s; nothing changed\n", *year, e.ExecutedOn)
		printTotals(stdout, *year, e.Totals)
		return nil
	}
	bar := progressbar.NewOptions(e.Lines, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("members"),
		progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
	_ = bar.Set(e.DoneLines)
	e, err = d.Continue(ctx, actor, *coop, *year, func(done, _ int) { _ = bar.Set(done) })
	_ = bar.Finish()
	if err != nil {
		return errors.New(cooperative.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "the distribution of %d was executed on %s\n", *year, e.ExecutedOn)
	printTotals(stdout, *year, e.Totals)
	return nil
}

func printTotals(w io.Writer, year int, t distribution.Totals) {
	fmt.Fprintf(w, "%d: %d members, gross %s, withheld %s, net %s: paid out %s, reinvested %s (%d shares), donated %s\n", year, t.Members,
		cooperative.FormatEuro(t.GrossCents, "en"), cooperative.FormatEuro(t.WithholdingCents, "en"), cooperative.FormatEuro(t.NetCents, "en"),
		cooperative.FormatEuro(t.PayoutCents, "en"), cooperative.FormatEuro(t.ReinvestCents, "en"), t.ReinvestShares,
		cooperative.FormatEuro(t.DonationCents, "en"))
}
