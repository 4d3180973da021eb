//! Binding of the WordPiece trainer (rust/text/trainer): convert arguments, release the GIL while counting
//! (in parallel on the pool of parallel.rs) and merging; errors reach Python through `errors`.

use super::convert::{borrow_field, extract_field, threads, Borrowed};
use super::errors::guarded;
use super::files::extract_lines;
use crate::text::trainer::{self, TrainError, TrainerConfig, WordCounts};
use crate::text::BertNormalizer;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::time::{Duration, Instant};

/// Progress is reported (and Ctrl-C checked) at most this often during the merges.
const TICK: Duration = Duration::from_millis(100);

/// Counts the words of texts fed in batches, then trains a WordPiece vocabulary (see _native.pyi).
#[pyclass(module = "ferroformers._native")]
pub struct WordPieceTrainer {
    config: TrainerConfig,
    counts: WordCounts,
}

#[pymethods]
impl WordPieceTrainer {
    #[new]
    #[pyo3(signature = (*, vocab_size=30000, min_frequency=2, limit_alphabet=Some(1000), initial_alphabet=vec![],
        special_tokens=None, continuing_subword_prefix="##", clean_text=true, handle_chinese_chars=true,
        strip_accents=None, lowercase=true, max_input_chars_per_word=100))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        vocab_size: usize,
        min_frequency: u64,
        limit_alphabet: Option<usize>,
        initial_alphabet: Vec<char>,
        special_tokens: Option<Vec<String>>,
        continuing_subword_prefix: &str,
        clean_text: bool,
        handle_chinese_chars: bool,
        strip_accents: Option<bool>,
        lowercase: bool,
        max_input_chars_per_word: usize,
    ) -> PyResult<Self> {
        let mut config = TrainerConfig {
            vocab_size,
            min_frequency,
            limit_alphabet,
            initial_alphabet,
            continuing_subword_prefix: continuing_subword_prefix.to_string(),
            ..Default::default()
        };
        if let Some(t) = special_tokens {
            config.special_tokens = t;
        }
        if let Some(index) = config.special_tokens.iter().position(|t| t.is_empty()) {
            return Err(TrainError::EmptySpecialToken { index }.into());
        }
        let normalizer = BertNormalizer {
            clean_text,
            handle_chinese_chars,
            strip_accents: strip_accents.unwrap_or(lowercase),
            lowercase,
        };
        Ok(WordPieceTrainer {
            config,
            counts: WordCounts::new(normalizer, max_input_chars_per_word),
        })
    }

    /// Count the words of a batch of texts.
    #[pyo3(signature = (texts, *, num_threads=None))]
    fn feed(
        &mut self,
        py: Python<'_>,
        texts: &Bound<'_, PyAny>,
        num_threads: Option<usize>,
    ) -> PyResult<()> {
        let field = extract_field(texts, "texts", false)?;
        let Borrowed::Texts(strs) = borrow_field(&field, "texts")? else {
            return Err(PyTypeError::new_err("texts must be a list of str"));
        };
        let threads = threads(num_threads)?;
        let counts = &mut self.counts;
        py.detach(|| guarded(|| counts.add_texts(&strs, threads)))?
            .map_err(PyErr::from)
    }

    /// Count the words of a UTF-8 buffer (`bytes` or a `LineChunk`) of "\n"-separated lines.
    #[pyo3(signature = (data, *, num_threads=None))]
    fn feed_lines(
        &mut self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        num_threads: Option<usize>,
    ) -> PyResult<()> {
        let data = extract_lines(data)?;
        let threads = threads(num_threads)?;
        let counts = &mut self.counts;
        py.detach(|| guarded(|| counts.add_lines(data.as_slice(), threads)))?
            .map_err(PyErr::from)
    }

    /// Train on the words fed so far (which are used up), reporting progress to `progress(done, total)`.
    #[pyo3(signature = (progress=None, *, num_threads=None))]
    fn train<'py>(
        &mut self,
        py: Python<'py>,
        progress: Option<Py<PyAny>>,
        num_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let threads = threads(num_threads)?;
        let fresh = WordCounts::new(
            self.counts.normalizer(),
            self.counts.max_input_chars_per_word(),
        );
        let counts = std::mem::replace(&mut self.counts, fresh);
        let config = self.config.clone();
        let mut raised: Option<PyErr> = None;
        let mut last = Instant::now();
        let mut reported = None;
        let trained = py.detach(|| {
            guarded(|| {
                trainer::train(counts, &config, threads, &mut |done, total| {
                    if done < total && last.elapsed() < TICK {
                        return true;
                    }
                    last = Instant::now();
                    reported = Some(done);
                    Python::attach(|py| {
                        let r = py.check_signals().and_then(|()| match &progress {
                            Some(cb) => cb.call1(py, (done, total)).map(drop),
                            None => Ok(()),
                        });
                        match r {
                            Ok(()) => true,
                            Err(e) => {
                                raised = Some(e);
                                false
                            }
                        }
                    })
                })
            })
        })?;
        let t = match trained {
            Ok(t) => t,
            Err(TrainError::Interrupted) if raised.is_some() => {
                return Err(raised.unwrap_or_else(|| TrainError::Interrupted.into()))
            }
            Err(e) => return Err(e.into()),
        };
        // the last state, also when the merges stopped short of vocab_size (min_frequency, no pair left)
        if let Some(cb) = &progress {
            if reported != Some(t.vocab.len()) {
                cb.call1(py, (t.vocab.len(), config.vocab_size))?;
            }
        }
        let out = PyDict::new(py);
        out.set_item("vocab", t.vocab)?;
        out.set_item("special_tokens", t.special_tokens)?;
        out.set_item("alphabet", t.alphabet)?;
        out.set_item("continuing", t.continuing)?;
        out.set_item("merges", t.merges)?;
        out.set_item("words", t.words)?;
        Ok(out)
    }

    /// Every word counted so far (longer ones than max_input_chars_per_word excepted) with its count.
    fn word_counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        for (w, n) in self.counts.iter() {
            out.set_item(w, n)?;
        }
        Ok(out)
    }

    /// Distinct words counted (those longer than max_input_chars_per_word excepted).
    #[getter]
    fn distinct_words(&self) -> usize {
        self.counts.distinct()
    }

    /// Word occurrences counted, long ones included.
    #[getter]
    fn total_words(&self) -> u64 {
        self.counts.total()
    }

    /// Occurrences of words longer than max_input_chars_per_word (left out of the merges).
    #[getter]
    fn long_words(&self) -> u64 {
        self.counts.long_words()
    }

    /// Documents (texts, lines) fed.
    #[getter]
    fn documents(&self) -> u64 {
        self.counts.documents()
    }

    /// Bytes held by the word tables.
    #[getter]
    fn memory_bytes(&self) -> usize {
        self.counts.memory_bytes()
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WordPieceTrainer>()?;
    Ok(())
}
