"""Sizes and lengths from Python that no machine can satisfy: each is a clear error naming the argument, a
`MemoryError` (`OutOfMemoryError`) when the output does not fit in memory and a `ValueError` subclass when no
array can have that size. Never a panic (`PanicException`), never an abort of the process.

Every case runs in a child process: a regression that aborts (as `ViTImageProcessor(size=100000x100000)` and
`tokenizer(..., max_length=2**40, return_tensors="np")` once did) fails this test instead of killing pytest.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import ferroformers

# each case: name -> Python code run in the child (names: np, ff, tok, native); the child prints, per case,
# the exception's class names (most derived first) and its message
CASES = {
    # the three reports
    "vit_100000": 'ff.ViTImageProcessor(size={"height": 100000, "width": 100000})(np.zeros((32, 32, 3), np.uint8))',
    "vit_2_31": 'ff.ViTImageProcessor(size={"height": 2**31, "width": 2**31})(np.zeros((32, 32, 3), np.uint8))',
    "vit_2_62": 'ff.ViTImageProcessor(size={"height": 2**62, "width": 4})(np.zeros((32, 32, 3), np.uint8))',
    "audio_2_40": "ff.Wav2Vec2FeatureExtractor()([np.zeros(100, np.float32), np.zeros(50, np.float32)], "
    "padding='max_length', max_length=2**40, sampling_rate=16000)",
    "tok_np_2_40": 'tok(["hi"], padding="max_length", max_length=2**40, return_tensors="np")',
    # the same pattern elsewhere
    "audio_2_62": "ff.Wav2Vec2FeatureExtractor()([np.zeros(100, np.float32)] * 3, padding='max_length', "
    "max_length=2**62, sampling_rate=16000)",
    "audio_native_2_63": "native.pad_normalize_audio([np.zeros(4, np.float32)] * 2, 2**63, 'right', 0.0, 'off', True)",
    "resize_native": "native.resize_image(np.zeros((32, 32, 3), np.uint8), 200000, 200000, 2)",
    "tok_lists_2_40": 'tok(["hi"], padding="max_length", max_length=2**40)',
    "tok_pairs_2_40": 'tok(["hi"], ["there"], padding="max_length", max_length=2**40)',
    "tok_multiple_2_62": 'tok(["hi"], padding=True, pad_to_multiple_of=2**62, return_tensors="np")',
    "tok_lists_multiple": 'tok(["hi"], padding=True, pad_to_multiple_of=2**63 - 1)',
    "tok_max_length_2_63": 'tok(["hi"], padding="max_length", max_length=2**63)',
    "tok_stride_2_63": 'tok(["hi"], truncation=True, max_length=8, stride=2**63, return_overflowing_tokens=True)',
    "flat_2_63": 'native_tok.encode_batch_flat(["hi"], max_length=2**63, truncation=True)',
    "lines_2_63": 'native_tok.encode_lines_flat(b"hi", max_length=2**63, truncation=True)',
    "threads": 'native_tok.encode_batch(["hi"], num_threads=10**6)',
    "file_chunks_2_62": 'list(native.TextFileChunks(assets + "/bert-base-uncased/vocab.txt", chunk_bytes=2**62))',
    "file_chunks_2_63": 'native.TextFileChunks(assets + "/bert-base-uncased/vocab.txt", chunk_bytes=2**63 - 1)',
    "vocab_id": "native.WordPieceTokenizer.from_tokenizer_json(far_id_json)",
}

CHILD = """
import json, sys, traceback
import numpy as np
import ferroformers as ff
from ferroformers import _native as native
assets = sys.argv[1]
tok = ff.BertTokenizerFast.from_pretrained(assets + "/bert-base-uncased")
tokenizer_json = open(assets + "/bert-base-uncased/tokenizer.json").read()
native_tok = native.WordPieceTokenizer.from_tokenizer_json(tokenizer_json)
d = json.loads(tokenizer_json)
d["model"]["vocab"]["far"] = 2**32 - 2
far_id_json = json.dumps(d)
for name, code in json.loads(sys.argv[2]).items():
    print(name, file=sys.stderr, flush=True)  # the last name printed is the case that killed the process
    try:
        eval(code)
        result = {"classes": [], "message": ""}
    except BaseException as e:
        result = {"classes": [c.__name__ for c in type(e).__mro__], "message": str(e)}
    print(json.dumps({name: result}), flush=True)
"""


@pytest.fixture(scope="module")
def outcomes(assets: Path) -> dict[str, dict]:
    # the child imports the package this process imported (the source tree or the installed wheel)
    package_root = str(Path(ferroformers.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(assets), json.dumps(CASES)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, f"the process died (exit {proc.returncode}) in case:\n{proc.stderr[-3000:]}"
    results: dict[str, dict] = {}
    for line in proc.stdout.splitlines():
        results.update(json.loads(line))
    assert set(results) == set(CASES)
    return results


OUT_OF_MEMORY = {
    "vit_100000": "size 100000x100000: 1 image(s) of 3 x 100000 x 100000 float32 values: 120.0 GB do not fit",
    "audio_2_40": "2 clips padded to max_length=1099511627776 samples: 8.8 TB do not fit",
    # the int64 array is made straight from the batch's columns: its 8 bytes per token are what does not fit
    "tok_np_2_40": "padding the rows to 1099511627776 tokens (max_length, pad_to_multiple_of): 8.8 TB do not fit",
    "tok_lists_2_40": "padding the rows to 1099511627776 tokens",
    "tok_pairs_2_40": "padding the rows to 1099511627776 tokens",
    "resize_native": "size 200000x200000: 1 image(s) of 3 x 200000 x 200000 float32 values",
    "vocab_id": "field `model.vocab` has the id 4294967294",
    "file_chunks_2_62": "chunk_bytes=4611686018427387904: a chunk buffer of 4611686018427387904 bytes does not fit",
}

NO_SUCH_ARRAY = {
    "vit_2_31": ("ImageProcessingError", "size 2147483648x2147483648: "),
    "vit_2_62": ("ImageProcessingError", "size 4611686018427387904x4: "),
    "audio_2_62": ("AudioProcessingError", "padded to max_length=4611686018427387904 samples"),
    "audio_native_2_63": ("AudioProcessingError", "padded to max_length=9223372036854775808 samples"),
    "tok_multiple_2_62": ("TokenizerError", "padding the rows to 4611686018427387904 tokens"),
    "tok_lists_multiple": ("TokenizerError", "padding the rows to 9223372036854775807 tokens"),
    "tok_max_length_2_63": ("TokenizerError", "max_length=9223372036854775808 is larger than any sequence"),
    "tok_stride_2_63": ("TokenizerError", "stride=9223372036854775808 is larger than any sequence"),
    "flat_2_63": ("TokenizerError", "max_length=9223372036854775808 is larger than any sequence"),
    "lines_2_63": ("TokenizerError", "max_length=9223372036854775808 is larger than any sequence"),
    "threads": ("TokenizerError", "num_threads=1000000: at most 1024 threads"),
    "file_chunks_2_63": ("TokenizerError", "chunk_bytes=9223372036854775807 is larger than any buffer"),
}


@pytest.mark.parametrize("case", sorted(OUT_OF_MEMORY))
def test_outputs_past_memory_are_memory_errors(outcomes: dict[str, dict], case: str) -> None:
    got = outcomes[case]
    assert got["classes"][:2] == ["OutOfMemoryError", "MemoryError"], got
    assert OUT_OF_MEMORY[case] in got["message"], got


@pytest.mark.parametrize("case", sorted(NO_SUCH_ARRAY))
def test_sizes_no_array_can_have_are_value_errors(outcomes: dict[str, dict], case: str) -> None:
    cls, message = NO_SUCH_ARRAY[case]
    got = outcomes[case]
    assert got["classes"][:2] == [cls, "ValueError"], got
    assert message in got["message"], got


def test_every_case_is_checked() -> None:
    assert set(OUT_OF_MEMORY) | set(NO_SUCH_ARRAY) == set(CASES)
    assert not set(OUT_OF_MEMORY) & set(NO_SUCH_ARRAY)
