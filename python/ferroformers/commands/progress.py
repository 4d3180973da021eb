"""Progress for long runs: a tqdm bar (bytes, MB/s, docs/s, ETA) on a terminal, a plain line every few
seconds otherwise (logs, CI), nothing with --quiet."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO


class Progress:
    def __init__(
        self,
        total_bytes: int | None,
        *,
        quiet: bool,
        stream: TextIO | None = None,
        every: float = 10.0,
        initial: int = 0,
        noun: str = "tokens",
    ) -> None:
        self.stream = stream or sys.stderr
        self.noun = noun
        self.quiet, self.every, self.total = quiet, every, total_bytes
        self.start = self.last = time.perf_counter()
        self.done_bytes, self.docs, self.tokens = initial, 0, 0
        self.bar: Any = None
        if not quiet and self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(
                total=total_bytes,
                initial=initial,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                file=self.stream,
                dynamic_ncols=True,
                smoothing=0.1,
            )

    def update(self, done_bytes: int, docs: int, tokens: int) -> None:
        step = done_bytes - self.done_bytes
        self.done_bytes, self.docs, self.tokens = done_bytes, docs, tokens
        if self.quiet:
            return
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        if self.bar is not None:
            self.bar.update(step)
            self.bar.set_postfix_str(f"{docs / elapsed:,.0f} docs/s", refresh=False)
            return
        now = time.perf_counter()
        if now - self.last >= self.every:
            self.last = now
            mb = done_bytes / 1e6
            pct = f" ({100 * done_bytes / self.total:.1f}%)" if self.total else ""
            eta = ""
            if self.total and done_bytes:
                eta = f", ETA {(self.total - done_bytes) / (done_bytes / elapsed):.0f} s"
            print(
                f"{mb:,.1f} MB{pct}, {docs:,} docs, {tokens:,} {self.noun}, {mb / elapsed:.1f} MB/s, "
                f"{docs / elapsed:,.0f} docs/s{eta}",
                file=self.stream,
                flush=True,
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
