package main

import (
	"errors"
	"os"

	"github.com/spf13/cobra"

	"github.com/hushbuild/hush/doctor"
)

func newDoctorCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check what a (rootless) build needs from this machine, with a fix for each problem",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			self, err := os.Executable()
			if err != nil {
				return err
			}
			r := doctor.Run(func() error { return doctor.ProbeOverlay(self) })
			if !r.Failed() {
				r.Checks = append(r.Checks, doctor.StepCheck(cmd.Context(), self))
			}
			r.Checks = append(r.Checks, doctor.PlatformCheck())
			if err := r.Write(cmd.OutOrStdout()); err != nil {
				return err
			}
			if r.Failed() {
				return errors.New("doctor: some checks failed; see the fixes above")
			}
			return nil
		},
	}
}
