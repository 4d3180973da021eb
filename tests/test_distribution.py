"""The release files that `make wheel sdist` writes to dist/, checked as a user meets them: the wheel's tags and
libraries (auditwheel), its contents and size, the wheel installed into a fresh venv and run with no Rust
toolchain on PATH, on CPUs without AVX2 (qemu-user), and the sdist built from a fresh venv.

The tests of the release files run under `make test` (which builds dist/ first); from a source tree they are
skipped. The build configuration tests run everywhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
DIST = REPO / "dist"
BUNDLED = REPO / "python" / "ferroformers" / "bundled"
# the PATH of a machine without a Rust toolchain (rustup puts cargo in ~/.cargo/bin)
BARE_PATH = "/usr/bin:/bin"
# the wheel is 1.2 MB today (the extension ~1.9 MB unpacked, the vocabulary and the demo corpus)
MAX_WHEEL_BYTES = 3_000_000

# Documents for `ferroformers tokenize`: ASCII, accents, CJK, an empty document, emoji, control characters.
DOCUMENTS = [
    "Hello world!",
    "Un café, s'il vous plaît: déjà vu.",
    "",
    "日本語のテキストと中文。",
    "tokenizers 🤗 don't-split THIS\tline",
]


def one(pattern: str) -> Path:
    if not os.environ.get("FERROFORMERS_EXPECT_INSTALLED"):
        pytest.skip("only under `make test`, which builds dist/")
    found = sorted(DIST.glob(pattern))
    assert len(found) == 1, f"expected one {pattern} in {DIST} (run `make wheel sdist`), found {found}"
    return found[0]


@pytest.fixture(scope="module")
def wheel() -> Path:
    return one("ferroformers-*.whl")


@pytest.fixture(scope="module")
def sdist() -> Path:
    return one("ferroformers-*.tar.gz")


def run(cmd: list[str], *, timeout: float = 600, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)
    assert proc.returncode == 0, (
        f"{cmd} exited {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc


def bare_env(**extra: str) -> dict[str, str]:
    """The environment of `env -i PATH=/usr/bin:/bin`, offline with an empty hub cache, so a hub id resolves to
    the bundled vocabulary."""
    return {"PATH": BARE_PATH, "HF_HUB_OFFLINE": "1", **extra}


def fresh_venv(path: Path) -> Path:
    """A new venv (no ferroformers, no Rust) from the base interpreter; returns its python."""
    run([sys.executable, "-m", "venv", str(path)])
    return path / "bin" / "python"


def reference_ids() -> list[list[int]]:
    """Hugging Face `tokenizers` on the bundled vocabulary: the ids `ferroformers tokenize` must write."""
    from tokenizers import BertWordPieceTokenizer

    ref = BertWordPieceTokenizer(str(BUNDLED / "bert-base-uncased" / "vocab.txt"), lowercase=True)
    return [e.ids for e in ref.encode_batch(DOCUMENTS)]


def tokenize_with(venv_python: Path, work: Path) -> None:
    """`ferroformers tokenize` from `venv_python`'s venv under `env -i PATH=/usr/bin:/bin` on a small file, checked
    against `tokenizers` and the bundled vocabulary's checksum."""
    import numpy as np

    assert shutil.which("cargo", path=BARE_PATH) is None and shutil.which("rustc", path=BARE_PATH) is None, (
        f"a Rust toolchain is on {BARE_PATH}: this check would not show that the package runs without one"
    )
    work.mkdir()
    (work / "docs.txt").write_text("".join(d + "\n" for d in DOCUMENTS), encoding="utf-8")
    cli = venv_python.parent / "ferroformers"
    run(
        [str(cli), "tokenize", "docs.txt", "-o", "out", "--tokenizer", "bert-base-uncased", "--quiet"],
        cwd=work,
        env=bare_env(HF_HOME=str(work / "hf-empty")),
    )
    manifest = json.loads((work / "out" / "manifest.json").read_text())
    vocab = (BUNDLED / "bert-base-uncased" / "vocab.txt").read_bytes()
    assert manifest["tokenizer"]["vocab_sha256"] == hashlib.sha256(vocab).hexdigest()
    tokens = np.load(work / "out" / "tokens.npy")
    offsets = np.load(work / "out" / "offsets.npy")
    got = [tokens[offsets[i] : offsets[i + 1]].tolist() for i in range(len(offsets) - 1)]
    assert got == reference_ids()


# --- the build configuration ------------------------------------------------------------------------------------


def makefile_variable(name: str) -> str:
    match = re.search(rf"^{name} := (.*)$", (REPO / "Makefile").read_text(), re.M)
    assert match, f"{name} not found in the Makefile"
    return match.group(1).strip()


def test_release_workflow_builds_manylinux_with_the_makefile_flags() -> None:
    import yaml

    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "release.yml").read_text())
    manylinux_flags = makefile_variable("WHEEL_FLAGS").split()
    assert workflow["env"]["MANYLINUX_FLAGS"].split() == manylinux_flags
    # the other platforms: the same build less the manylinux linking
    assert workflow["env"]["RELEASE_FLAGS"].split() == [
        f for f in manylinux_flags if f in ("--release", "--locked")
    ]
    for job in ("manylinux", "musllinux", "macos", "windows"):
        (build,) = [
            s for s in workflow["jobs"][job]["steps"] if s.get("uses", "").startswith("PyO3/maturin-action")
        ]
        flags = "MANYLINUX_FLAGS" if job == "manylinux" else "RELEASE_FLAGS"
        assert build["with"]["args"].startswith(f"${{{{ env.{flags} }}}}"), (job, build["with"]["args"])


def test_no_build_setting_assumes_a_cpu_beyond_baseline_x86_64() -> None:
    """The AVX2 kernels are compiled with #[target_feature] and chosen at run time; a global target-cpu or
    target-feature would let the compiler use AVX2 anywhere (test_installed_wheel_needs_no_avx2 runs the wheel)."""
    files = [
        REPO / "Makefile",
        REPO / "Cargo.toml",
        REPO / "pyproject.toml",
        *REPO.glob(".github/workflows/*.yml"),
        *REPO.glob(".cargo/config*"),
    ]
    for path in files:
        # comments may name a setting to say why it is absent
        code = "\n".join(line.split("#", 1)[0] for line in path.read_text().splitlines())
        for setting in ("target-cpu", "target-feature", "RUSTFLAGS"):
            assert setting not in code, f"{path.relative_to(REPO)} sets {setting}"


# --- the wheel ----------------------------------------------------------------------------------------------------


def test_wheel_is_abi3_manylinux2014_by_auditwheel(wheel: Path) -> None:
    assert wheel.name.endswith("-cp310-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"), wheel.name
    report = " ".join(run([sys.executable, "-m", "auditwheel", "show", str(wheel)]).stdout.split())
    tag = re.search(r'consistent with the following platform tag: "manylinux_2_(\d+)_x86_64"', report)
    assert tag, report
    assert int(tag.group(1)) <= 17, report  # glibc 2.17 symbols at most
    # libraries outside the manylinux policy would have to be grafted into the wheel (auditwheel repair)
    assert "following external shared libraries are required" not in report, report


def test_wheel_contents_and_size(wheel: Path) -> None:
    assert wheel.stat().st_size < MAX_WHEEL_BYTES, f"{wheel.name}: {wheel.stat().st_size:,} bytes"
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        for name in [
            "NOTICE",
            "bert-base-uncased/vocab.txt",
            "bert-base-uncased/tokenizer_config.json",
            "sample_corpus.txt",
        ]:
            assert zf.read(f"ferroformers/bundled/{name}") == (BUNDLED / name).read_bytes(), name
        assert {"ferroformers/_native.abi3.so", "ferroformers/_native.pyi", "ferroformers/py.typed"} <= names
        assert [n for n in names if n.endswith(".so")] == ["ferroformers/_native.abi3.so"]
        assert not [n for n in names if n.startswith(("tests/", "rust/", "benches/"))]


def test_release_files_pass_twine_check(wheel: Path, sdist: Path) -> None:
    run([sys.executable, "-m", "twine", "check", "--strict", str(wheel), str(sdist)])


@pytest.fixture(scope="module")
def wheel_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with the wheel installed from PATH=/usr/bin:/bin (binary packages only: nothing compiles)."""
    python = fresh_venv(tmp_path_factory.mktemp("wheel") / "venv")
    run(
        [str(python), "-m", "pip", "install", "-q", "--only-binary", ":all:", str(wheel)],
        env={**os.environ, "PATH": BARE_PATH},
    )
    return python


def test_installed_wheel_runs_without_rust(wheel_venv: Path, tmp_path: Path) -> None:
    tokenize_with(wheel_venv, tmp_path / "run")


# Run by the installed wheel under qemu-user on a CPU model: the Rust kernels that have AVX2 builds (tokenizer,
# image resize, audio normalization) on small inputs; prints what numpy detects and a digest of every result.
CPU_PROBE = """
import hashlib, json, sys
from pathlib import Path
import numpy as np
import ferroformers
from ferroformers import BertTokenizerFast, ViTImageProcessor, Wav2Vec2FeatureExtractor

docs = json.loads(sys.argv[1])
vocab = Path(ferroformers.__file__).parent / "bundled" / "bert-base-uncased" / "vocab.txt"
rng = np.random.default_rng(0)
image = rng.integers(0, 256, size=(37, 53, 3), dtype=np.uint8)
clips = [rng.standard_normal(n).astype(np.float32) for n in (1000, 4099)]
out = {
    "avx2": bool(np._core._multiarray_umath.__cpu_features__["AVX2"]),
    "ids": BertTokenizerFast(vocab_file=str(vocab))(docs)["input_ids"],
    "pixels": hashlib.sha256(ViTImageProcessor()(image, return_tensors="np")["pixel_values"].tobytes()).hexdigest(),
    "audio": hashlib.sha256(Wav2Vec2FeatureExtractor(do_normalize=True)(clips, padding=True, sampling_rate=16000,
                            return_tensors="np")["input_values"].tobytes()).hexdigest(),
}
print(json.dumps(out))
"""

# numpy (>= 2.4) itself needs x86-64-v2, so the lowest CPU the whole package can run on is a v2 model without AVX;
# the tokenizer alone (no numpy) is also run on qemu64, the x86-64 baseline.
NATIVE_PROBE = """
import json, sys
from pathlib import Path
import ferroformers
from ferroformers._native import WordPieceTokenizer

vocab = Path(ferroformers.__file__).parent / "bundled" / "bert-base-uncased" / "vocab.txt"
print(json.dumps(WordPieceTokenizer.from_vocab_file(str(vocab)).encode_batch(json.loads(sys.argv[1])).ids()))
"""


def test_installed_wheel_needs_no_avx2(wheel_venv: Path) -> None:
    """The wheel targets baseline x86-64 and picks its AVX2 kernels at run time: on a CPU without AVX (qemu's
    Nehalem) and on one with AVX2 (Haswell) it gives the same results as on this machine, and the tokenizer runs on
    qemu64 (x86-64 v1)."""
    qemu = shutil.which("qemu-x86_64")
    assert qemu, "qemu-x86_64 not found: `make system-deps` installs Debian's qemu-user"
    docs = json.dumps(DOCUMENTS)

    def probe(code: str, cpu: str | None) -> Any:
        cmd = [str(wheel_venv), "-c", code, docs]
        return json.loads(run([qemu, "-cpu", cpu, *cmd] if cpu else cmd, env=bare_env(), cwd="/").stdout)

    here = probe(CPU_PROBE, None)
    no_avx = probe(CPU_PROBE, "Nehalem")
    avx2 = probe(CPU_PROBE, "Haswell")
    assert (no_avx.pop("avx2"), avx2.pop("avx2")) == (False, True)
    here.pop("avx2")
    assert no_avx == here and avx2 == here
    assert here["ids"] == reference_ids()
    assert probe(NATIVE_PROBE, "qemu64") == reference_ids()


# --- the sdist ----------------------------------------------------------------------------------------------------


def test_sdist_contents(sdist: Path) -> None:
    with tarfile.open(sdist) as tf:
        root = sdist.name.removesuffix(".tar.gz")
        names = {n.removeprefix(f"{root}/") for n in tf.getnames()}
        for name in ["NOTICE", "bert-base-uncased/vocab.txt", "bert-base-uncased/tokenizer_config.json"]:
            member = tf.extractfile(f"{root}/python/ferroformers/bundled/{name}")
            assert member is not None and member.read() == (BUNDLED / name).read_bytes(), name
    assert {"pyproject.toml", "Cargo.toml", "Cargo.lock", "rust/lib.rs", "PKG-INFO", "README.md"} <= names
    assert not [n for n in names if n.endswith(".so") or n.startswith(("target/", "dist/", ".venv/"))]


def test_sdist_builds_and_runs_from_a_fresh_venv(sdist: Path, tmp_path: Path) -> None:
    """`pip install ferroformers-*.tar.gz` as a user with a Rust toolchain does (pip's isolated build with maturin
    from PyPI), then the installed package runs without Rust on PATH. Cargo's dependencies are cached in
    target/sdist between runs; ferroformers itself is compiled from the unpacked sdist."""
    python = fresh_venv(tmp_path / "venv")
    copy = tmp_path / sdist.name  # a path of its own, so no wheel pip cached from an earlier run can be used
    shutil.copy(sdist, copy)
    # as from a user's shell: maturin finds the python to build for itself
    env = {k: v for k, v in os.environ.items() if k != "PYO3_PYTHON"}
    proc = run(
        [str(python), "-m", "pip", "install", "-v", str(copy)],
        timeout=1800,
        env={**env, "CARGO_TARGET_DIR": str(REPO / "target" / "sdist")},
    )
    assert "Building wheel for ferroformers" in proc.stdout, proc.stdout[-3000:]
    located = run([str(python), "-c", "import ferroformers; print(ferroformers.__file__)"], cwd="/")
    package = Path(located.stdout.strip())
    assert (package.parent / "bundled" / "NOTICE").read_bytes() == (BUNDLED / "NOTICE").read_bytes()
    tokenize_with(python, tmp_path / "run")
