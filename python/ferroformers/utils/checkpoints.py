"""Reading checkpoints: find the weight files of a folder or hub id (in the order transformers looks for them),
then read their keys, shapes and dtypes first and their tensors only when asked for, with errors that name the file.

A checkpoint is data: safetensors, or a pickle through `torch.load(weights_only=True)` only.
"""

from __future__ import annotations

import pickle
from typing import TYPE_CHECKING, Any

from ..configuration_utils import PretrainedConfig, load_json
from .hub import ResourceNotFoundError, cached_file
from .import_utils import require_torch

if TYPE_CHECKING:  # torch's own types; at run time a missing torch says how to install it
    import torch
else:
    torch = require_torch("ferroformers' checkpoint loading")

SAFE_WEIGHTS_NAME = "model.safetensors"
SAFE_WEIGHTS_INDEX_NAME = "model.safetensors.index.json"
WEIGHTS_NAME = "pytorch_model.bin"
WEIGHTS_INDEX_NAME = "pytorch_model.bin.index.json"


def dtype_from(value: Any, where: str) -> torch.dtype:
    if isinstance(value, torch.dtype):
        return value
    dtype = getattr(torch, str(value).removeprefix("torch."), None) if isinstance(value, str) else None
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(
            f"{where}: {value!r} is not a floating point torch dtype (such as 'float32' or torch.float16)"
        )
    return dtype


def resolve_weights(name: str, hub: dict[str, Any], use_safetensors: bool | None) -> list[str]:
    """Local paths of the weight files of `name`, in the order transformers looks for them."""
    candidates: list[tuple[str, bool]] = []  # (file name, is an index)
    if use_safetensors is not False:
        candidates += [(SAFE_WEIGHTS_NAME, False), (SAFE_WEIGHTS_INDEX_NAME, True)]
    if use_safetensors is not True:
        candidates += [(WEIGHTS_NAME, False), (WEIGHTS_INDEX_NAME, True)]
    for filename, is_index in candidates:
        path = cached_file(name, filename, required=False, **hub)
        if path is None:
            continue
        if not is_index:
            return [path]
        index = load_json(path)
        weight_map = index.get("weight_map")
        if not isinstance(weight_map, dict) or not weight_map:
            raise ValueError(f"{path}: no 'weight_map' object naming the shard of each weight")
        shards = []
        for shard in dict.fromkeys(weight_map.values()):
            if not isinstance(shard, str) or "/" in shard or "\\" in shard or shard in ("", ".", ".."):
                raise ValueError(f"{path}: {shard!r} is not a shard file name")
            shard_path = cached_file(name, shard, required=False, **hub)
            if shard_path is None:
                raise ResourceNotFoundError(f"{path} names the shard {shard}, which is not there")
            shards.append(shard_path)
        return shards
    looked = " or ".join(f for f, _ in candidates)
    raise ResourceNotFoundError(f"{name!r} has no weights: looked for {looked}")


class CheckpointReader:
    """Keys, shapes and tensors of one checkpoint (one or several files), read lazily; errors name the file."""

    def __init__(self, files: list[str]) -> None:
        self._where: dict[str, str] = {}
        self._shapes: dict[str, tuple[int, ...]] = {}
        self._dtypes: dict[str, torch.dtype] = {}
        self._loaded: dict[str, dict[str, torch.Tensor]] = {}
        for path in files:
            if path.endswith(".safetensors"):
                self._scan_safetensors(path)
            else:
                tensors = _torch_load(path)
                self._loaded[path] = tensors
                for key, tensor in tensors.items():
                    self._add(path, key, tuple(tensor.shape), tensor.dtype)

    @classmethod
    def from_state_dict(cls, state_dict: dict[str, torch.Tensor]) -> CheckpointReader:
        """A state dict in memory (`from_pretrained(None, config=..., state_dict=...)`), named "state_dict" in
        errors. The tensors are copied: the model must not share memory with the caller's tensors."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"state_dict must be a dict of names to tensors, got {type(state_dict).__name__}")
        reader = cls([])
        reader._loaded["state_dict"] = {}
        for key, tensor in state_dict.items():
            if not isinstance(key, str) or not isinstance(tensor, torch.Tensor):
                raise TypeError(
                    f"state_dict[{key!r}] is a {type(tensor).__name__}, not a tensor (keys are str)"
                )
            reader._loaded["state_dict"][key] = tensor.detach().clone()
            reader._add("state_dict", key, tuple(tensor.shape), tensor.dtype)
        return reader

    def _add(self, path: str, key: str, shape: tuple[int, ...], dtype: torch.dtype) -> None:
        if key in self._where:
            raise ValueError(f"{path}: weight {key!r} is also in {self._where[key]}")
        self._where[key], self._shapes[key], self._dtypes[key] = path, shape, dtype

    def _scan_safetensors(self, path: str) -> None:
        from safetensors import SafetensorError, safe_open

        try:
            # the header only: tensors are read (memory-mapped) when asked for
            with safe_open(path, framework="pt") as f:
                for key in f.keys():
                    sl = f.get_slice(key)
                    dtype = _SAFETENSORS_DTYPES.get(sl.get_dtype())
                    if dtype is None:
                        raise ValueError(
                            f"{path}: weight {key!r} has dtype {sl.get_dtype()}, which torch cannot load"
                        )
                    self._add(path, key, tuple(sl.get_shape()), dtype)
        except (SafetensorError, OSError) as e:
            raise OSError(f"{path}: not a readable safetensors file (truncated or corrupt?): {e}") from None

    def keys(self) -> list[str]:
        return list(self._where)

    def file_of(self, key: str) -> str:
        return self._where[key]

    def shape(self, key: str) -> tuple[int, ...]:
        return self._shapes[key]

    def floating_dtype(self) -> torch.dtype | None:
        return next((d for d in self._dtypes.values() if d.is_floating_point), None)

    def tensor(self, key: str) -> torch.Tensor:
        path = self._where[key]
        if path not in self._loaded:
            from safetensors import SafetensorError
            from safetensors.torch import load_file

            try:
                self._loaded[path] = load_file(path)
            except (SafetensorError, OSError, RuntimeError) as e:
                raise OSError(f"{path}: cannot read the weights (truncated or corrupt?): {e}") from None
        return self._loaded[path][key]


_SAFETENSORS_DTYPES: dict[str, torch.dtype] = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}


def _torch_load(path: str) -> dict[str, torch.Tensor]:
    """A pickled state dict through torch's weights-only unpickler: no code in the file ever runs."""
    try:
        try:
            data = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except RuntimeError as e:
            if "mmap" not in str(e):
                raise
            # the legacy (pre zip) format cannot be memory-mapped: read it whole
            data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise OSError(
            f"{path}: refused: this pickle holds more than tensors (loading it could run code); only plain state "
            f"dicts are loaded ({str(e).splitlines()[0]})"
        ) from None
    except (RuntimeError, EOFError, ValueError, OSError) as e:
        raise OSError(f"{path}: not a readable PyTorch checkpoint (truncated or corrupt?): {e}") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in data.items()
    ):
        raise OSError(f"{path}: expected a state dict (names to tensors), found {type(data).__name__}")
    return data


def resolve_dtype(value: Any, config: PretrainedConfig, reader: CheckpointReader) -> torch.dtype:
    if value is None or value == "auto":
        saved = getattr(config, "torch_dtype", None)
        if saved is not None:
            return dtype_from(saved, "config.json torch_dtype")
        return reader.floating_dtype() or torch.get_default_dtype()
    return dtype_from(value, "dtype")
