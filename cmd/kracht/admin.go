package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kracht-coop/kracht/cooperative/identity"

	"github.com/kracht-coop/kracht/cooperative"
	"golang.org/x/term"
)

const adminUsage = `Usage: kracht admin create --email ADDRESS [--language en|nl]

Creates a platform admin. The password is asked for (without echo) on a terminal, or
read as the first line of standard input:

  echo "$PASSWORD" | kracht admin create --email ops@example.org

There is no HTTP endpoint for this: whoever can run this command controls the
deployment already.
`

// runAdmin is `kracht admin …`.
func runAdmin(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprint(stderr, adminUsage)
		return errors.New("admin: want the subcommand create")
	}
	flags := flag.NewFlagSet("admin create", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() { fmt.Fprint(stderr, adminUsage) }
	email := flags.String("email", "", "the admin's e-mail address")
	language := flags.String("language", "en", "the language of the admin's mails: en or nl")
	if err := flags.Parse(args[1:]); err != nil {
		return fmt.Errorf("admin create: %w", err)
	}
	if *email == "" || flags.NArg() > 0 {
		flags.Usage()
		return errors.New("admin create: --email is required, and nothing else")
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return fmt.Errorf("admin create: %w", err)
	}
	store, _, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	// Production parameters always: a CLI-made admin is a real account.
	accounts := identity.NewAccounts(store, identity.AccountsOptions{})
	acc, err := accounts.CreatePlatformAdmin(ctx, *email, password, *language, cooperative.Actor{Role: "cli", RequestID: "cli"})
	switch cooperative.ErrorCode(err) {
	case "":
	case cooperative.EINVALID, cooperative.ECONFLICT:
		return fmt.Errorf("admin create: %s", cooperative.ErrorMessage(err))
	default:
		return fmt.Errorf("admin create: %w", err)
	}
	fmt.Fprintf(stdout, "Created platform admin %s (id %s). Sign in, then turn on two-factor authentication: admins need it for every change.\n",
		acc.Email, acc.ID)
	return nil
}

// readPassword asks twice on a terminal (a typo there would lock the admin out), or
// reads the first line of a pipe. Only the line ending is stripped: spaces may be part
// of a password.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		first, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		fmt.Fprint(stderr, "Password again: ")
		second, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(first) != string(second) {
			return "", errors.New("the passwords differ")
		}
		return string(first), nil
	}
	if stdin == nil {
		return "", errors.New("no password on standard input")
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}
