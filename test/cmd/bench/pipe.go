package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// timedPipe runs from | to, as a shell would, and returns the wall time
// from the start of the first to the exit of the last, with the larger
// peak memory of the two.
func timedPipe(ctx context.Context, from, to []string) (sample, error) {
	src := exec.CommandContext(ctx, from[0], from[1:]...)
	dst := exec.CommandContext(ctx, to[0], to[1:]...)
	r, w, err := os.Pipe()
	if err != nil {
		return sample{}, fmt.Errorf("create pipe: %w", err)
	}
	srcErr, dstOut := &limitedBuffer{}, &limitedBuffer{}
	src.Stdout, src.Stderr = w, srcErr
	dst.Stdin, dst.Stdout, dst.Stderr = r, dstOut, dstOut

	start := time.Now()
	err = startBoth(src, dst)
	// The children hold their own ends; closing ours lets the reader see
	// the end of the stream when the writer exits.
	_, _ = w.Close(), r.Close()
	if err != nil {
		return sample{}, err
	}
	errSrc, errDst := src.Wait(), dst.Wait()
	wall := time.Since(start)
	if err := errors.Join(exitError(from, errSrc, srcErr), exitError(to, errDst, dstOut)); err != nil {
		return sample{}, err
	}
	return sample{wall: wall, maxRSSK: max(maxRSS(src), maxRSS(dst))}, nil
}

func startBoth(src, dst *exec.Cmd) error {
	if err := src.Start(); err != nil {
		return fmt.Errorf("start %s: %w", src.Path, err)
	}
	if err := dst.Start(); err != nil {
		_ = src.Process.Kill()
		_ = src.Wait()
		return fmt.Errorf("start %s: %w", dst.Path, err)
	}
	return nil
}

// exitError names the command that failed, with its last output.
func exitError(argv []string, err error, out *limitedBuffer) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%v: %w\n%s", argv, err, out)
}

// maxRSS is the peak resident memory of a finished command, in KiB (Linux).
func maxRSS(cmd *exec.Cmd) int64 {
	if usage, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && usage != nil {
		return usage.Maxrss
	}
	return 0
}
