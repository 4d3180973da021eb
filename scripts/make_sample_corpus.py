"""Make python/ferroformers/bundled/sample_corpus.txt, the small real corpus `ferroformers demo` tokenizes.

Input: the per-source extracts of ../shared/data/build_corpus.sh (OUTDIR/parts/*.txt, lines "LANG<TAB>text").
Taken, deterministically (every k-th line of at least 40 characters, no duplicates), only from permissively
licensed sources:
  pydocs.txt   the Python 3.11 documentation (Debian python3.11-doc; PSF License 2.0)
  pgdocs.txt   the PostgreSQL 15 documentation (Debian postgresql-doc-15; PostgreSQL License)
  firefox.txt  Firefox ESR UI strings in 16 languages (Debian firefox-esr-l10n-*; Mozilla Public License 2.0)
usage: python scripts/make_sample_corpus.py /tmp/ff_corpus/parts
"""

from __future__ import annotations

import sys
from pathlib import Path

TARGET = {"pydocs.txt": 1000, "pgdocs.txt": 500, "firefox.txt": 1500}
OUT = Path(__file__).resolve().parents[1] / "python" / "ferroformers" / "bundled" / "sample_corpus.txt"


def take(path: Path, n: int) -> list[str]:
    lines = [line.split("\t", 1)[1] for line in path.read_text(encoding="utf-8").split("\n") if "\t" in line]
    lines = [t for t in lines if len(t) >= 40 and "\\n" not in t]
    step = max(1, len(lines) // n)
    seen: set[str] = set()
    out = []
    for t in lines[::step]:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out[:n]


def main() -> None:
    parts = Path(sys.argv[1])
    docs: list[str] = []
    for name, n in TARGET.items():
        docs += take(parts / name, n)
    OUT.write_text("".join(d + "\n" for d in docs), encoding="utf-8")
    print(f"{OUT}: {len(docs)} documents, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
