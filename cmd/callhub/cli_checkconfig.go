package main

import (
	"context"
	"errors"
	"fmt"
	"io"
)

const checkConfigUsage = `usage: callhub check-config [--json] FILE

Load FILE as serve would (with ${VAR} and CALLHUB_* from the environment)
and report every problem at once, each with its line when the file has it.
Exit 0 when the config is valid, 1 when not.
`

// configReport is check-config's --json document.
type configReport struct {
	File     string   `json:"file"`
	OK       bool     `json:"ok"`
	Problems []string `json:"problems"`
	Store    string   `json:"store,omitempty"`
	Listen   string   `json:"listen,omitempty"`
	Callers  int      `json:"callers"`
	Services int      `json:"services"`
}

// checkConfigCmd is `callhub check-config FILE`.
func checkConfigCmd(_ context.Context, args []string, getenv func(string) string, stdout, _ io.Writer) error {
	fs := newFlagSet("check-config", checkConfigUsage)
	asJSON := fs.Bool("json", false, "print JSON: {file, ok, problems, ...}")
	pos, err := fs.parse(args, stdout)
	if err != nil {
		return err
	}
	if err := fs.wantArgs(pos, 1, "FILE"); err != nil {
		return err
	}
	cfg, errs := configProblems(pos[0], getenv)
	rep := configReport{File: pos[0], OK: len(errs) == 0, Problems: []string{}}
	for _, e := range errs {
		rep.Problems = append(rep.Problems, e.Error())
	}
	if cfg != nil {
		rep.Store, rep.Listen, rep.Callers, rep.Services = cfg.Store, cfg.Listen, len(cfg.Callers), len(cfg.Services)
	}
	if *asJSON {
		if err := writeJSON(stdout, rep); err != nil {
			return err
		}
	} else if rep.OK {
		fmt.Fprintf(stdout, "%s: ok (store %s, listen %s, %d callers, %d services)\n",
			rep.File, rep.Store, rep.Listen, rep.Callers, rep.Services)
	}
	if !rep.OK {
		return problemsError("config "+pos[0], errors.Join(errs...))
	}
	return nil
}
