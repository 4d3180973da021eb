"""Peak RSS of a child process, for the benches that run each side in its own subprocess."""

from __future__ import annotations

import subprocess
import time


def wait_peak_rss(proc: subprocess.Popen) -> float:  # type: ignore[type-arg]
    """Wait for `proc`; return its peak RSS in MB. VmHWM is the child's own peak since exec
    (getrusage(RUSAGE_CHILDREN) would also count the pages of a big parent shared between fork and exec)."""
    peak_kb = 0
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError):
            pass
        time.sleep(0.02)
    return peak_kb / 1024
