"""The `ferroformers` command line (also `python -m ferroformers`).

    ferroformers tokenize INPUT... -o OUTDIR     tokenize a corpus with the fast tokenizer (streaming)
    ferroformers compare INPUT...                 run the slow and the fast tokenizer side by side
    ferroformers train-tokenizer INPUT... -o OUTDIR --vocab-size N   train a WordPiece vocabulary

Exit codes: 0 success, 1 `compare` found differences, 2 bad input (one line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import sys

from .commands import CommandError


def _positive_mb(value: str) -> int:
    n = int(value)
    if n < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return n


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ferroformers", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_input_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("inputs", nargs="+", metavar="INPUT",
                       help="text files (one document per line) or .jsonl files, optionally .gz/.zst; - for stdin")
        p.add_argument("--tokenizer", default="bert-base-uncased", metavar="NAME_OR_DIR",
                       help="a tokenizer folder or hub id (default: the bundled bert-base-uncased)")
        p.add_argument("--input-format", choices=["text", "jsonl", "parquet"], default=None,
                       help="default: jsonl for *.jsonl / *.ndjson (also compressed), parquet for *.parquet, "
                            "text otherwise")
        p.add_argument("--text-field", default="text", help="the JSON Lines field holding the text (default: text)")
        p.add_argument("--errors", choices=["strict", "replace"], default="strict",
                       help="invalid UTF-8: stop with an error naming file, line and byte (strict, default) "
                            "or substitute U+FFFD (replace)")

    tok = sub.add_parser("tokenize", help="tokenize a corpus into memory-mappable arrays (or Parquet / JSON Lines)",
                         description="Tokenize documents with the fast tokenizer, streaming, with bounded memory. "
                                     "Output files appear only when the run is complete (manifest.json last).")
    add_input_options(tok)
    tok.add_argument("-o", "--output", required=True, metavar="OUTDIR",
                     help="output folder (must be empty or new unless --overwrite/--resume); - streams "
                          "--format jsonl to stdout")
    tok.add_argument("--format", choices=["npy", "parquet", "jsonl"], default=None,
                     help="npy (default): tokens.npy + offsets.npy; parquet: part-*.parquet (id, input_ids); "
                          "jsonl: tokens.jsonl")
    tok.add_argument("--max-length", type=int, default=None, help="truncate each document to this many tokens")
    tok.add_argument("--truncation", action="store_true",
                     help="truncate to --max-length, or to the tokenizer's model_max_length when not given")
    tok.add_argument("--no-special-tokens", action="store_true",
                     help="leave out [CLS]/[SEP] (default: the same ids as tokenizer(doc))")
    tok.add_argument("--threads", type=int, default=None,
                     help="tokenizer threads (default: FERROFORMERS_NUM_THREADS or every core)")
    tok.add_argument("--batch-size", type=int, default=16384, help="documents per native call for JSON Lines, Parquet and --errors replace input "
                          "(plain text goes to the tokenizer a chunk at a time; default 16384)")
    tok.add_argument("--chunk-mb", type=_positive_mb, default=8,
                     help="MB of input read per chunk; memory stays a few chunks (default 8)")
    tok.add_argument("--checkpoint-mb", type=_positive_mb, default=64,
                     help="save a resumable checkpoint every this many MB of input (default 64)")
    tok.add_argument("--resume", action="store_true",
                     help="continue an interrupted run in OUTDIR from its last completed chunk")
    tok.add_argument("--overwrite", action="store_true", help="replace what OUTDIR holds")
    tok.add_argument("--quiet", "-q", action="store_true", help="no progress and no summary")
    tok.add_argument("--engine", choices=["local", "ray"], default="local",
                     help="local (default): this process; ray: a Ray cluster (extra ferroformers[ray]), Parquet out")
    tok.add_argument("--address", default=None,
                     help="with --engine ray: the cluster to join (default: start a local one)")
    tok.add_argument("--reserve-cpus", type=int, default=1,
                     help="with --engine ray: CPUs left to reading and writing (default 1)")
    tok.set_defaults(func=_tokenize)

    cmp_ = sub.add_parser("compare", help="compare the slow and the fast tokenizer on the same documents",
                          description="Exit 0 when every document gets the same ids, 1 when any differs, "
                                      "2 on bad input.")
    add_input_options(cmp_)
    cmp_.add_argument("--limit", type=int, default=None, help="compare at most N documents")
    cmp_.add_argument("--reference", choices=["transformers", "tokenizers"], default=None,
                      help="add the Hugging Face implementation as a third column (when installed)")
    cmp_.add_argument("--no-special-tokens", action="store_true", help="compare without [CLS]/[SEP]")
    cmp_.add_argument("--show", type=int, default=10, help="print at most N differing documents (default 10)")
    cmp_.add_argument("--json", action="store_true", help="print a machine-readable JSON report")
    cmp_.set_defaults(func=_compare)

    from .commands import train_tokenizer

    train_tokenizer.add_parser(sub)

    demo = sub.add_parser("demo", help="tokenize the bundled sample corpus into a temporary folder")
    demo.add_argument("--keep", metavar="OUTDIR", default=None, help="write the result here instead")
    demo.set_defaults(func=_demo)
    return parser


def _version() -> str:
    from . import __version__

    return __version__


def _tokenize(args: argparse.Namespace) -> int:
    from .commands.tokenize import run

    args.format_given = args.format is not None
    args.format = args.format or "npy"
    return run(args)


def _compare(args: argparse.Namespace) -> int:
    from .commands.compare import run

    return run(args)


def _demo(args: argparse.Namespace) -> int:
    import tempfile
    from importlib import resources

    sample = resources.files("ferroformers") / "bundled" / "sample_corpus.txt"
    with tempfile.TemporaryDirectory() as tmp:
        out = args.keep or f"{tmp}/sample-tokens"
        print(f"$ ferroformers tokenize {sample} -o {out}")
        code = main(["tokenize", str(sample), "-o", out] + (["--overwrite"] if args.keep else []))
        if code == 0:
            import numpy as np

            tokens = np.load(f"{out}/tokens.npy", mmap_mode="r")
            offsets = np.load(f"{out}/offsets.npy")
            print(f"document 0: {tokens[offsets[0]:offsets[1]].tolist()[:16]} ...")
        return code


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except CommandError as e:
        print(f"ferroformers {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ferroformers {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `ferroformers tokenize ... -o - | head`
        sys.stderr.close()
        return 1


if __name__ == "__main__":
    sys.exit(main())
