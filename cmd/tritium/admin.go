package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tritiumhq/tritium/internal/app"
)

// adminCmd is `tritium admin create`: the administrator's console email
// and password, the password from TRITIUM_ADMIN_PASSWORD or stdin (never
// a flag: it would show in the process list and shell history).
func adminCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Manage the administrator's console sign-in"}
	var sf storeFlags
	var email, name string
	var fromStdin, reset bool
	create := &cobra.Command{
		Use:   "create",
		Short: "Set the administrator's email and console password (TRITIUM_ADMIN_PASSWORD or --password-stdin)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if strings.TrimSpace(email) == "" {
				email = env("ADMIN_EMAIL", "")
			}
			if strings.TrimSpace(email) == "" {
				return errors.New("--email (or TRITIUM_ADMIN_EMAIL) is required")
			}
			pw := os.Getenv("TRITIUM_ADMIN_PASSWORD")
			if fromStdin {
				line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
				if err != nil && !errors.Is(err, io.EOF) {
					return fmt.Errorf("read the password from stdin: %w", err)
				}
				pw = strings.TrimRight(line, "\r\n")
			}
			if pw == "" {
				return errors.New("no password: set TRITIUM_ADMIN_PASSWORD or pass it on stdin with --password-stdin")
			}
			cfg := sf.config()
			cfg.NoDataLock = true // beside a running server, like credentials rotate
			a, err := app.Open(cmd.Context(), cfg, mustDiscard(), io.Discard)
			if err != nil {
				return err
			}
			defer a.Close()
			if err := a.CreateAdmin(cmd.Context(), strings.TrimSpace(email), name, pw, reset); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "The administrator can sign in to the console as %s.\n", strings.TrimSpace(email))
			return nil
		},
	}
	sf.add(create)
	f := create.Flags()
	f.StringVar(&email, "email", "", "the administrator's email, their console login")
	f.StringVar(&name, "name", "", "the administrator's display name (default: unchanged)")
	f.BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin")
	f.BoolVar(&reset, "reset", false, "replace a password already set (ends the administrator's sessions)")
	cmd.AddCommand(create)
	return cmd
}

func mustDiscard() *slog.Logger {
	log, _ := newLogger(io.Discard, "error")
	return log
}
