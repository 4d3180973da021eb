"""Ray Data on a local 2-CPU cluster against the single-process CLI on the same corpus.

Reports: CLI (local engine) MB/s; `tokenize --engine ray` MB/s end to end (cluster start excluded); the
`TokenizeBatch` overhead per batch (Ray's scheduling and Arrow conversion, measured as the difference between a
pipeline with an identity stage and one with the tokenizer stage divided by the batch count); and what N
machines would give on paper.

usage: python benches/bench_distributed.py [CORPUS] [--mb 20]
  default corpus: the first --mb MB of /tmp/ff_corpus/corpus_100M.txt (../shared/data/build_corpus.sh)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", nargs="?", default="/tmp/ff_corpus/corpus_100M.txt")
    parser.add_argument("--mb", type=float, default=20.0, help="use this many MB of the corpus (whole lines)")
    parser.add_argument("--batch-size", type=int, default=4096)
    args = parser.parse_args()

    import ray

    from ferroformers.cli import main as cli

    with tempfile.TemporaryDirectory() as tmp:
        sample = os.path.join(tmp, "sample.txt")
        with open(args.corpus, "rb") as f:
            data = f.read(int(args.mb * 1e6))
        data = data[: data.rfind(b"\n") + 1]
        with open(sample, "wb") as f:
            f.write(data)
        mb = len(data) / 1e6
        n_docs = data.count(b"\n")

        # the first run imports pyarrow and loads the tokenizer: time the second, as the Ray run is after warm-up
        assert cli(["tokenize", sample, "-o", f"{tmp}/warm", "--format", "parquet", "-q"]) == 0
        start = time.perf_counter()
        assert cli(["tokenize", sample, "-o", f"{tmp}/local", "--format", "parquet", "-q"]) == 0
        local = time.perf_counter() - start

        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="error")
        ray.data.DataContext.get_current().enable_progress_bars = False
        start = time.perf_counter()
        assert cli(["tokenize", sample, "-o", f"{tmp}/ray", "--engine", "ray", "-q"]) == 0
        distributed = time.perf_counter() - start

        from ferroformers.data import TokenizeBatch, tokenize_dataset

        texts = data.decode("utf-8")[:-1].split("\n")
        ds = ray.data.from_items([{"text": t} for t in texts], override_num_blocks=16).materialize()
        batches = (len(texts) + args.batch_size - 1) // args.batch_size
        start = time.perf_counter()
        ds.map_batches(lambda b: b, batch_format="pyarrow", batch_size=args.batch_size).materialize()
        identity = time.perf_counter() - start
        start = time.perf_counter()
        tokenize_dataset(ds, batch_size=args.batch_size).materialize()
        tokenized = time.perf_counter() - start
        fn = TokenizeBatch(num_threads=1)
        import pyarrow as pa

        table = pa.table({"text": texts})
        start = time.perf_counter()
        fn(table)
        in_process = time.perf_counter() - start
        ray.shutdown()

    print(f"corpus: {args.corpus}, first {mb:.1f} MB ({n_docs:,} documents); 2 CPUs")
    print(f"  CLI, local engine (all cores):            {mb / local:6.1f} MB/s")
    print(
        f"  CLI, --engine ray (1 actor, 1 CPU for I/O): {mb / distributed:6.1f} MB/s "
        f"(ratio {local / distributed:.2f} of local)"
    )
    print(f"  TokenizeBatch in-process, 1 thread:       {mb / in_process:6.1f} MB/s")
    overhead = max(tokenized - in_process, 0) / batches
    print(
        f"  Ray pipeline: identity {identity:.2f} s, tokenize {tokenized:.2f} s over {batches} batches "
        f"-> overhead ~{overhead * 1e3:.1f} ms per batch of {args.batch_size}"
    )
    per_node = mb / in_process
    print(
        f"  on paper: N nodes x {per_node:.0f} MB/s per tokenizer thread x threads per node, until the Parquet "
        f"read/write bandwidth of the storage (typically 100s of MB/s per node) is the limit"
    )


if __name__ == "__main__":
    main()
