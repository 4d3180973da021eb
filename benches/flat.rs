//! Rust-only timing of the flat encoder, for profilers (perf, callgrind) that should not see Python.
//!
//! cargo bench --bench flat -- TOKENIZER_JSON CORPUS [MB] [THREADS] [offsets|ids] [ROUNDS]
//!
//! Reads the first MB megabytes of CORPUS (one document per line), encodes them with `encode_flat`
//! ROUNDS times and prints the best MB/s. With `FLAT_STREAM=N` in the environment it instead encodes the
//! text once, N lines per call, as a corpus is tokenized (no round finds the runs of a previous one in the
//! run cache), and prints that single pass's MB/s. The Python benchmarks (bench_tokenizers.py) are the ones
//! that compare against the peers; this one isolates the Rust core.

use ferroformers::text::batch::encode_flat;
use ferroformers::text::json::from_json;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if args.len() < 2 {
        eprintln!("usage: flat TOKENIZER_JSON CORPUS [MB] [THREADS] [offsets|ids] [ROUNDS]");
        std::process::exit(2);
    }
    let json = std::fs::read_to_string(&args[0]).expect("tokenizer.json");
    let t = Instant::now();
    let tok = from_json(&json).expect("a WordPiece tokenizer.json");
    eprintln!(
        "tokenizer built in {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let mb: f64 = args.get(2).map_or(50.0, |s| s.parse().expect("MB"));
    let threads: usize = args.get(3).map_or(1, |s| s.parse().expect("THREADS"));
    let with_offsets = args.get(4).is_none_or(|s| s == "offsets");
    let rounds: usize = args.get(5).map_or(3, |s| s.parse().expect("ROUNDS"));
    let data = std::fs::read(&args[1]).expect("corpus");
    let mut end = ((mb * 1e6) as usize).min(data.len());
    while end < data.len() && data[end - 1] != b'\n' {
        end += 1;
    }
    let text = std::str::from_utf8(&data[..end]).expect("UTF-8 corpus");
    let lines: Vec<&str> = text.lines().collect();
    if let Ok(chunk) = std::env::var("FLAT_STREAM") {
        let chunk: usize = chunk.parse().expect("FLAT_STREAM: lines per call");
        let t = Instant::now();
        let mut n_tokens = 0;
        for c in lines.chunks(chunk.max(1)) {
            let flat = encode_flat(&tok, c, true, None, with_offsets, threads);
            n_tokens += flat.ids.len();
            // given back, as the Python layer does when the arrays are freed
            flat.recycle();
        }
        let s = t.elapsed().as_secs_f64();
        println!(
            "{} lines, {:.1} MB, {} tokens, {} thread(s), offsets={}: one pass in {}-line calls {:.3} s, {:.1} MB/s",
            lines.len(),
            end as f64 / 1e6,
            n_tokens,
            threads,
            with_offsets,
            chunk,
            s,
            end as f64 / 1e6 / s
        );
        return;
    }
    let mut best = f64::INFINITY;
    let mut n_tokens = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let flat = encode_flat(&tok, &lines, true, None, with_offsets, threads);
        best = best.min(t.elapsed().as_secs_f64());
        n_tokens = flat.ids.len();
        flat.recycle();
    }
    println!(
        "{} lines, {:.1} MB, {} tokens, {} thread(s), offsets={}: best {:.3} s, {:.1} MB/s",
        lines.len(),
        end as f64 / 1e6,
        n_tokens,
        threads,
        with_offsets,
        best,
        end as f64 / 1e6 / best
    );
}
