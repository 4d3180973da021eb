"""Type stubs for the Rust extension `ferroformers._native` (rust/py/)."""

__version__: str

# --- audio (rust/py/audio.rs) ---
import numpy as np
import numpy.typing as npt

def pad_normalize_audio(
    clips: list[npt.NDArray[np.float32]],
    target_len: int | None,
    padding_side: str,
    padding_value: float,
    normalize: str,
    return_attention_mask: bool,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int32] | None]:
    """Pad 1-D C-contiguous float32 `clips` shorter than `target_len` (None: no padding) on `padding_side`
    ('right'/'left') with `padding_value`; normalize per `normalize`: 'off', 'padded_row' (over the whole padded
    row, transformers' behaviour without a mask) or 'clip' (over the clip's samples, padding kept). Returns the
    rows concatenated and, if asked, the int32 attention mask. Raises ValueError naming an empty or non-finite
    clip. Releases the GIL and runs in parallel over the clips."""
