"""`PreTrainedModel`: the `torch.nn.Module` base of every model: weight init, tying, resizing, head pruning, and
checkpoints in the Hugging Face layout (`config.json` + `model.safetensors`, sharded or not).

Mirrors transformers' `modeling_utils.py` (4.x API, the 5.24 file format). Differences on purpose:
- head pruning (`prune_heads`, `config.pruned_heads`) is kept; transformers 5 dropped it;
- a checkpoint is data: safetensors, or a pickle through `torch.load(weights_only=True)` only; config.json never
  makes us import anything (`trust_remote_code=True` is refused);
- keyword arguments that are neither loading options nor configuration attributes raise a TypeError.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import pickle
import re
import shutil
import tempfile
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .configuration_utils import _HUB_KWARGS, PretrainedConfig, load_json
from .utils.hub import ResourceNotFoundError, cached_file
from .utils.import_utils import require_torch

if TYPE_CHECKING:  # torch's own types; at run time a missing torch says how to install it
    import torch
    from torch import nn
else:
    torch = require_torch("ferroformers' PyTorch models (PreTrainedModel)")
    nn = torch.nn

logger = logging.getLogger(__name__)

CONFIG_NAME = "config.json"
SAFE_WEIGHTS_NAME = "model.safetensors"
SAFE_WEIGHTS_INDEX_NAME = "model.safetensors.index.json"
WEIGHTS_NAME = "pytorch_model.bin"
WEIGHTS_INDEX_NAME = "pytorch_model.bin.index.json"

M = TypeVar("M", bound="PreTrainedModel")

_SIZE_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
               "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}


def parse_size(size: int | str) -> int:
    """Bytes in `size`: an int, or a string such as "5GB" (10**9) or "200MiB" (2**20), as transformers reads it."""
    if isinstance(size, int) and not isinstance(size, bool):
        if size <= 0:
            raise ValueError(f"max_shard_size must be positive, got {size}")
        return size
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", str(size))
    if match is None or match.group(2).upper() not in _SIZE_UNITS:
        raise ValueError(f"max_shard_size {size!r} is not a size such as 5GB, 200MB or 10_000_000 (bytes)")
    n = int(float(match.group(1)) * _SIZE_UNITS[match.group(2).upper()])
    if n <= 0:
        raise ValueError(f"max_shard_size must be positive, got {size!r}")
    return n


def _dtype_from(value: Any, where: str) -> torch.dtype:
    if isinstance(value, torch.dtype):
        return value
    dtype = getattr(torch, str(value).removeprefix("torch."), None) if isinstance(value, str) else None
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"{where}: {value!r} is not a floating point torch dtype (such as 'float32' or torch.float16)")
    return dtype


class PreTrainedModel(nn.Module):
    """Base class of every model.

    A subclass sets `config_class`, `base_model_prefix` (the attribute holding the base model in head models, and
    the prefix of its keys in their checkpoints) and, when an output layer shares the input embeddings,
    `_tied_weights_keys` ({tied key: source key}).
    """

    config_class: ClassVar[type[PretrainedConfig]] = PretrainedConfig
    base_model_prefix: ClassVar[str] = ""
    main_input_name: ClassVar[str] = "input_ids"
    _tied_weights_keys: ClassVar[dict[str, str]] = {}
    # checkpoint keys that older writers saved and that are not weights (regexes, matched with re.search)
    _keys_to_ignore_on_load_unexpected: ClassVar[list[str]] = []

    def __init__(self, config: PretrainedConfig) -> None:
        super().__init__()
        if not isinstance(config, PretrainedConfig):
            raise TypeError(
                f"{type(self).__name__}(config): expected a {self.config_class.__name__}, got {type(config).__name__}"
                f" (to load weights, use {type(self).__name__}.from_pretrained(...))"
            )
        if not isinstance(config, self.config_class):
            raise TypeError(f"{type(self).__name__} needs a {self.config_class.__name__}, got {type(config).__name__}")
        config.validate()
        self.config = config

    # ---- initialisation ----------------------------------------------------------------------------------
    def post_init(self) -> None:
        """Called at the end of every model's `__init__`: prune the heads the config names, init, tie."""
        self.init_weights()

    def init_weights(self) -> None:
        if self.config.pruned_heads:
            self.prune_heads(self.config.pruned_heads)
        # built on the meta device (by from_pretrained): nothing to fill yet, loading inits what it lacks
        if not any(p.is_meta for p in self.parameters(recurse=True)):
            self.apply(self._init_weights)
        self.tie_weights()

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        """Normal(0, initializer_range) Linear and Embedding weights, zero biases and padding row, LayerNorm 1/0."""
        std = getattr(self.config, "initializer_range", 0.02)
        if isinstance(module, nn.Linear):
            module.weight.normal_(mean=0.0, std=std)
            if module.bias is not None:
                module.bias.zero_()
        elif isinstance(module, nn.Embedding):
            module.weight.normal_(mean=0.0, std=std)
            if module.padding_idx is not None:
                module.weight[module.padding_idx].zero_()
        elif isinstance(module, nn.LayerNorm):
            if module.weight is not None:
                module.weight.fill_(1.0)
            if module.bias is not None:
                module.bias.zero_()

    # ---- embeddings --------------------------------------------------------------------------------------
    @property
    def base_model(self) -> PreTrainedModel:
        return getattr(self, self.base_model_prefix, self)

    def get_input_embeddings(self) -> nn.Embedding:
        base = self.base_model
        if base is not self:
            return base.get_input_embeddings()
        raise NotImplementedError(f"{type(self).__name__} does not define get_input_embeddings")

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        base = self.base_model
        if base is not self:
            base.set_input_embeddings(value)
            return
        raise NotImplementedError(f"{type(self).__name__} does not define set_input_embeddings")

    def get_output_embeddings(self) -> nn.Linear | None:
        """The output projection onto the vocabulary, or None when the model has none."""
        return None

    def set_output_embeddings(self, value: nn.Linear) -> None:
        raise NotImplementedError(f"{type(self).__name__} has no output embeddings")

    def tie_weights(self) -> None:
        """Make the output projection share the input embedding matrix when `config.tie_word_embeddings`."""
        output = self.get_output_embeddings()
        if output is None or not getattr(self.config, "tie_word_embeddings", True):
            return
        output.weight = self.get_input_embeddings().weight
        output.out_features = output.weight.shape[0]

    def _tied_keys(self) -> dict[str, str]:
        """{tied key: source key} for the ties in effect now."""
        if not getattr(self.config, "tie_word_embeddings", True) or self.get_output_embeddings() is None:
            return {}
        return dict(self._tied_weights_keys)

    def resize_token_embeddings(
        self, new_num_tokens: int | None = None, pad_to_multiple_of: int | None = None
    ) -> nn.Embedding:
        """Give the vocabulary `new_num_tokens` rows (rounded up to a multiple of `pad_to_multiple_of`).

        Old rows are kept, new rows initialised like fresh weights (normal(0, initializer_range); transformers'
        `mean_resizing` is not done), `config.vocab_size` is updated and a tied output projection stays tied (its
        bias grows with zeros). Returns the new input embeddings.
        """
        old = self.get_input_embeddings()
        if new_num_tokens is None and pad_to_multiple_of is None:
            return old
        n = old.num_embeddings if new_num_tokens is None else new_num_tokens
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"new_num_tokens must be a positive integer, got {new_num_tokens!r}")
        if pad_to_multiple_of is not None:
            if isinstance(pad_to_multiple_of, bool) or not isinstance(pad_to_multiple_of, int) or pad_to_multiple_of <= 0:
                raise ValueError(f"pad_to_multiple_of must be a positive integer, got {pad_to_multiple_of!r}")
            n = -(-n // pad_to_multiple_of) * pad_to_multiple_of
        keep = min(n, old.num_embeddings)
        padding_idx = old.padding_idx if old.padding_idx is not None and old.padding_idx < n else None
        new = nn.Embedding(n, old.embedding_dim, padding_idx=padding_idx, device=old.weight.device,
                           dtype=old.weight.dtype)
        self._init_weights(new)
        with torch.no_grad():
            new.weight[:keep] = old.weight[:keep]
        new.weight.requires_grad_(old.weight.requires_grad)
        self.set_input_embeddings(new)

        output = self.get_output_embeddings()
        if output is not None:
            tied = getattr(self.config, "tie_word_embeddings", True)
            new_out = nn.Linear(output.in_features, n, bias=output.bias is not None, device=output.weight.device,
                                dtype=output.weight.dtype)
            self._init_weights(new_out)
            with torch.no_grad():
                if not tied:
                    new_out.weight[:keep] = output.weight[:keep]
                if output.bias is not None:
                    new_out.bias[:keep] = output.bias[:keep]
            self.set_output_embeddings(new_out)
        self.config.vocab_size = n
        self.tie_weights()
        return self.get_input_embeddings()

    # ---- heads -------------------------------------------------------------------------------------------
    def prune_heads(self, heads_to_prune: dict[int, list[int]]) -> None:
        """Remove attention heads: {layer index: [head indices]} (numbered as in the unpruned model).

        The pruned heads are recorded in `config.pruned_heads`, saved with the model and pruned again on load.
        """
        n_layers = getattr(self.config, "num_hidden_layers", None)
        n_heads = getattr(self.config, "num_attention_heads", None)
        clean: dict[int, list[int]] = {}
        for layer, heads in heads_to_prune.items():
            layer = int(layer)
            if n_layers is not None and not 0 <= layer < n_layers:
                raise ValueError(f"prune_heads: layer {layer} does not exist (the model has {n_layers} layers)")
            heads = sorted({int(h) for h in heads})
            bad = [h for h in heads if n_heads is not None and not 0 <= h < n_heads]
            if bad and n_heads is not None:
                raise ValueError(f"prune_heads: layer {layer} has heads 0..{n_heads - 1}, not {bad}")
            clean[layer] = heads
        merged = {int(k): set(v) for k, v in self.config.pruned_heads.items()}
        for layer, heads in clean.items():
            merged.setdefault(layer, set()).update(heads)
        for layer, pruned in merged.items():
            if n_heads is not None and len(pruned) >= n_heads:
                raise ValueError(f"prune_heads: cannot prune every head of layer {layer} (it has {n_heads})")
        self.config.pruned_heads = {layer: sorted(heads) for layer, heads in sorted(merged.items())}
        self.base_model._prune_heads(clean)

    def _prune_heads(self, heads_to_prune: dict[int, list[int]]) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not support head pruning")

    # ---- facts -------------------------------------------------------------------------------------------
    @property
    def device(self) -> torch.device:
        return next(self.parameters()).device

    @property
    def dtype(self) -> torch.dtype:
        for p in self.parameters():
            if p.is_floating_point():
                return p.dtype
        return torch.get_default_dtype()

    def num_parameters(self, only_trainable: bool = False, exclude_embeddings: bool = False) -> int:
        """Number of parameters (a tied matrix counts once)."""
        skip = set()
        if exclude_embeddings:
            skip = {id(m.weight) for m in self.modules() if isinstance(m, nn.Embedding)}
        return sum(p.numel() for p in self.parameters()
                   if (p.requires_grad or not only_trainable) and id(p) not in skip)

    # ---- saving ------------------------------------------------------------------------------------------
    def save_pretrained(
        self,
        save_directory: str | os.PathLike[str],
        *,
        state_dict: dict[str, torch.Tensor] | None = None,
        safe_serialization: bool = True,
        max_shard_size: int | str = "5GB",
        is_main_process: bool = True,
        push_to_hub: bool = False,
    ) -> None:
        """Write config.json and the weights (model.safetensors, or shards and an index above `max_shard_size`).

        Everything is written into a temporary folder inside `save_directory` first and moved into place only once
        complete, so a failure leaves the folder as it was. Weight files of an earlier save are replaced.
        """
        if push_to_hub:
            raise NotImplementedError("push_to_hub is not supported; upload the folder with huggingface_hub")
        if not is_main_process:
            return
        save_directory = os.fspath(save_directory)
        if os.path.isfile(save_directory):
            raise FileExistsError(f"{save_directory!r} is a file, not a folder")
        limit = parse_size(max_shard_size)

        config = copy.deepcopy(self.config)
        config.architectures = [type(self).__name__]
        config.torch_dtype = str(self.dtype).removeprefix("torch.")
        config.validate()
        if state_dict is None:
            state_dict = self.state_dict()
        tied = self._tied_keys()
        state_dict = {k: v.detach().contiguous() for k, v in state_dict.items()
                      if not (k in tied and tied[k] in state_dict and v.data_ptr() == state_dict[tied[k]].data_ptr())}

        weights_name, index_name = (SAFE_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME) if safe_serialization \
            else (WEIGHTS_NAME, WEIGHTS_INDEX_NAME)
        shards = _split_shards(state_dict, limit)
        os.makedirs(save_directory, exist_ok=True)
        tmp = tempfile.mkdtemp(prefix=".ferroformers-save-", dir=save_directory)
        try:
            files: list[str] = []
            if len(shards) == 1:
                _write_weights(os.path.join(tmp, weights_name), shards[0], safe_serialization)
                files.append(weights_name)
            else:
                stem, ext = weights_name.rsplit(".", 1)
                weight_map = {}
                for i, shard in enumerate(shards):
                    name = f"{stem}-{i + 1:05d}-of-{len(shards):05d}.{ext}"
                    _write_weights(os.path.join(tmp, name), shard, safe_serialization)
                    files.append(name)
                    weight_map.update(dict.fromkeys(shard, name))
                total = sum(t.numel() * t.element_size() for t in state_dict.values())
                index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
                _write_text(os.path.join(tmp, index_name), json.dumps(index, indent=2, sort_keys=True) + "\n")
                files.append(index_name)
            _write_text(os.path.join(tmp, CONFIG_NAME), config.to_json_string(use_diff=True))
            files.append(CONFIG_NAME)
            # all written: drop weight files of an earlier save that this one does not overwrite, then move in
            for old in os.listdir(save_directory):
                if old not in files and _is_weights_file(old):
                    os.remove(os.path.join(save_directory, old))
            for name in files:
                os.replace(os.path.join(tmp, name), os.path.join(save_directory, name))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    # ---- loading -----------------------------------------------------------------------------------------
    @classmethod
    def from_pretrained(
        cls: type[M],
        pretrained_model_name_or_path: str | os.PathLike[str],
        *,
        config: PretrainedConfig | str | os.PathLike[str] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        revision: str | None = None,
        local_files_only: bool = False,
        token: bool | str | None = None,
        subfolder: str = "",
        force_download: bool = False,
        torch_dtype: Any = None,
        dtype: Any = None,
        use_safetensors: bool | None = None,
        output_loading_info: bool = False,
        ignore_mismatched_sizes: bool = False,
        trust_remote_code: bool | None = None,
        **config_overrides: Any,
    ) -> M | tuple[M, dict[str, list[Any]]]:
        """Load a model from a folder or a hub id (config.json and weights in the Hugging Face layout).

        Weights: model.safetensors (memory-mapped), else model.safetensors.index.json and its shards, else
        pytorch_model.bin (or its index) through `torch.load(weights_only=True)`. `config=` replaces the saved
        configuration; other keyword arguments override configuration attributes. `dtype`/`torch_dtype`: a torch
        dtype, its name, or "auto" (the default: the configuration's `torch_dtype`, else the checkpoint's).
        With `output_loading_info=True`, returns (model, {"missing_keys", "unexpected_keys", "mismatched_keys"}).
        """
        if trust_remote_code:
            raise ValueError("trust_remote_code=True is not supported: ferroformers never runs code from a checkpoint")
        name = os.fspath(pretrained_model_name_or_path)
        hub: dict[str, Any] = {"cache_dir": cache_dir, "revision": revision, "local_files_only": local_files_only,
                               "token": token, "subfolder": subfolder, "force_download": force_download}
        unknown = [k for k in config_overrides if k in _HUB_KWARGS]
        if unknown:
            raise TypeError(f"from_pretrained() got unsupported keyword arguments {unknown}")
        if config is None:
            config_dict, _ = PretrainedConfig.get_config_dict(name, **hub)
            config = cls.config_class.from_dict(config_dict, **config_overrides)
        elif isinstance(config, (str, os.PathLike)):
            config = cls.config_class.from_pretrained(config, **config_overrides)
        elif isinstance(config, PretrainedConfig):
            config = copy.deepcopy(config)
            if config_overrides:
                overridden = type(config).from_dict(config.to_dict(), **config_overrides)
                assert isinstance(overridden, PretrainedConfig)
                config = overridden
        else:
            raise TypeError(f"config must be a PretrainedConfig or a path, got {type(config).__name__}")
        assert isinstance(config, PretrainedConfig)

        files = _resolve_weights(name, hub, use_safetensors)
        reader = _CheckpointReader(files)
        target_dtype = _resolve_dtype(dtype if dtype is not None else torch_dtype, config, reader)

        # build without allocating or initialising, then fill in what the checkpoint has and init the rest
        with torch.device("meta"):
            model = cls(config)
        info = model._load_checkpoint(reader, target_dtype, ignore_mismatched_sizes)
        model.config.torch_dtype = str(target_dtype).removeprefix("torch.")
        model.eval()
        for kind in ("missing_keys", "unexpected_keys"):
            if info[kind]:
                what = "newly initialised (train before use)" if kind == "missing_keys" else "not used"
                logger.warning("%s from %s: %d weights %s: %s", cls.__name__, name, len(info[kind]), what,
                               ", ".join(info[kind]))
        return (model, info) if output_loading_info else model

    def _checkpoint_key_map(self, checkpoint_keys: list[str]) -> tuple[dict[str, str], list[str]]:
        """{checkpoint key: model key} and the checkpoint keys the model has no place for.

        A base-model checkpoint loads into a head model (its keys gain the `base_model_prefix.`) and a head-model
        checkpoint into the base model (the prefix is stripped, head weights are unexpected).
        """
        expected = set(self.state_dict().keys())
        prefix = self.base_model_prefix + "." if self.base_model_prefix else ""
        model_has_prefix = bool(prefix) and any(k.startswith(prefix) for k in expected)
        ckpt_has_prefix = bool(prefix) and any(k.startswith(prefix) for k in checkpoint_keys)
        mapping: dict[str, str] = {}
        unexpected: list[str] = []
        for key in checkpoint_keys:
            target = key
            if prefix and model_has_prefix and not ckpt_has_prefix:
                target = prefix + key
            elif prefix and not model_has_prefix and ckpt_has_prefix:
                if not key.startswith(prefix):
                    unexpected.append(key)
                    continue
                target = key[len(prefix):]
            if target in expected:
                mapping[key] = target
            elif not any(re.search(p, key) for p in self._keys_to_ignore_on_load_unexpected):
                unexpected.append(key)
        return mapping, unexpected

    def _load_checkpoint(
        self, reader: _CheckpointReader, dtype: torch.dtype, ignore_mismatched_sizes: bool
    ) -> dict[str, list[Any]]:
        """Fill a model built on the meta device from `reader`; returns the loading report."""
        expected = self.state_dict(keep_vars=True)
        mapping, unexpected = self._checkpoint_key_map(reader.keys())

        # count and shape-check every key before reading any tensor
        mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = []
        for ckpt_key, key in list(mapping.items()):
            have, want = reader.shape(ckpt_key), tuple(expected[key].shape)
            if have != want:
                if not ignore_mismatched_sizes:
                    raise ValueError(
                        f"{reader.file_of(ckpt_key)}: weight {ckpt_key!r} has shape {list(have)} in the checkpoint but "
                        f"{list(want)} in {type(self).__name__} (configuration disagrees with the weights; pass "
                        "ignore_mismatched_sizes=True to initialise it anew instead)"
                    )
                mismatched.append((key, have, want))
                del mapping[ckpt_key]
        loaded = set(mapping.values())
        tied = self._tied_keys()
        missing = [k for k in expected if k not in loaded and not (k in tied and tied[k] in loaded)]

        # allocate and init only the modules owning a tensor the checkpoint does not provide; the others get the
        # checkpoint's tensors as they are (assign: no copy)
        needed = set(missing)
        for module_name, module in self.named_modules():
            direct = [f"{module_name}.{n}" if module_name else n
                      for n, _ in [*module.named_parameters(recurse=False), *module.named_buffers(recurse=False)]]
            if any(k in needed for k in direct):
                module.to_empty(device="cpu", recurse=False)
                self._init_weights(module)
        state = {key: reader.tensor(ckpt_key) for ckpt_key, key in mapping.items()}
        state = {k: (v.to(dtype) if v.is_floating_point() and v.dtype != dtype else v) for k, v in state.items()}
        self.load_state_dict(state, strict=False, assign=True)
        self.tie_weights()
        left = [n for n, t in [*self.named_parameters(), *self.named_buffers()] if t.is_meta]
        if left:  # a tensor neither in the checkpoint nor in the state dict (a non-persistent buffer)
            raise RuntimeError(f"{type(self).__name__}: {left} were neither loaded nor initialised")
        self.to(dtype)
        return {"missing_keys": missing, "unexpected_keys": unexpected, "mismatched_keys": mismatched,
                "error_msgs": []}


# ---- checkpoint files ------------------------------------------------------------------------------------

def _is_weights_file(name: str) -> bool:
    return bool(re.fullmatch(r"(model|pytorch_model)(-\d{5}-of-\d{5})?\.(safetensors|bin)(\.index\.json)?", name))


def _split_shards(state_dict: dict[str, torch.Tensor], limit: int) -> list[dict[str, torch.Tensor]]:
    """Consecutive groups of tensors of at most `limit` bytes each (a larger tensor gets a shard of its own)."""
    shards: list[dict[str, torch.Tensor]] = [{}]
    size = 0
    for key, tensor in state_dict.items():
        n = tensor.numel() * tensor.element_size()
        if shards[-1] and size + n > limit:
            shards.append({})
            size = 0
        shards[-1][key] = tensor
        size += n
    return shards


def _write_text(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _write_weights(path: str, tensors: dict[str, torch.Tensor], safe: bool) -> None:
    if safe:
        from safetensors.torch import save_file

        save_file(tensors, path, metadata={"format": "pt"})
    else:
        torch.save(tensors, path)
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _resolve_weights(name: str, hub: dict[str, Any], use_safetensors: bool | None) -> list[str]:
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


class _CheckpointReader:
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
                        raise ValueError(f"{path}: weight {key!r} has dtype {sl.get_dtype()}, which torch cannot load")
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
    "F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
    "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
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
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                             for k, v in data.items()):
        raise OSError(f"{path}: expected a state dict (names to tensors), found {type(data).__name__}")
    return data


def _resolve_dtype(value: Any, config: PretrainedConfig, reader: _CheckpointReader) -> torch.dtype:
    if value is None or value == "auto":
        saved = getattr(config, "torch_dtype", None)
        if saved is not None:
            return _dtype_from(saved, "config.json torch_dtype")
        return reader.floating_dtype() or torch.get_default_dtype()
    return _dtype_from(value, "dtype")

