"""`PreTrainedModel`: the `torch.nn.Module` base of every model: weight init, tying, resizing, head pruning,
gradient checkpointing, and checkpoints in the Hugging Face layout (`config.json` + `model.safetensors`, sharded
or not; reading them is `utils/checkpoints.py`).

Mirrors transformers' `modeling_utils.py` (4.x API, the 5.24 file format; docs/compatibility.md lists where 4.x and
5.x differ and which we follow). Differences on purpose:
- head pruning (`prune_heads`, `config.pruned_heads`) is kept; transformers 5 dropped it;
- a checkpoint is data: safetensors, or a pickle through `torch.load(weights_only=True)` only; config.json never
  makes us import anything (`trust_remote_code=True` is refused);
- keyword arguments that are neither loading options nor configuration attributes raise a TypeError.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import os
import re
import shutil
import tempfile
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .configuration_utils import _HUB_KWARGS, ATTN_IMPLEMENTATIONS, PretrainedConfig
from .utils.checkpoints import (
    SAFE_WEIGHTS_INDEX_NAME,
    SAFE_WEIGHTS_NAME,
    WEIGHTS_INDEX_NAME,
    WEIGHTS_NAME,
    CheckpointReader,
    resolve_dtype,
    resolve_weights,
)
from .utils.import_utils import require_torch

if TYPE_CHECKING:  # torch's own types; at run time a missing torch says how to install it
    import torch
    from torch import nn
else:
    torch = require_torch("ferroformers' PyTorch models (PreTrainedModel)")
    nn = torch.nn

logger = logging.getLogger(__name__)

CONFIG_NAME = "config.json"

M = TypeVar("M", bound="PreTrainedModel")

_SIZE_UNITS = {
    "": 1,
    "B": 1,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
    "KIB": 2**10,
    "MIB": 2**20,
    "GIB": 2**30,
    "TIB": 2**40,
}


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


class PreTrainedModel(nn.Module):
    """Base class of every model.

    A subclass sets `config_class`, `base_model_prefix` (the attribute holding the base model in head models, and
    the prefix of its keys in their checkpoints) and, when an output layer shares the input embeddings,
    `_tied_weights_keys` ({tied key: source key}).
    """

    config_class: ClassVar[type[PretrainedConfig]] = PretrainedConfig
    base_model_prefix: ClassVar[str] = ""
    main_input_name: ClassVar[str] = "input_ids"
    # models whose layer stacks have a `gradient_checkpointing` flag set this (gradient_checkpointing_enable)
    supports_gradient_checkpointing: ClassVar[bool] = False
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
            raise TypeError(
                f"{type(self).__name__} needs a {self.config_class.__name__}, got {type(config).__name__}"
            )
        config.validate()
        if config._attn_implementation is None:
            config._attn_implementation = "sdpa"  # transformers' default when torch has it (always, here)
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
        """Make the output projection share the input embedding matrix when `config.tie_word_embeddings`; its bias
        is cut or padded with zeros to the vocabulary size (transformers 4.x `_tie_or_clone_weights`, 5.24)."""
        output = self.get_output_embeddings()
        if output is None or not getattr(self.config, "tie_word_embeddings", True):
            return
        output.weight = self.get_input_embeddings().weight
        output.out_features = output.weight.shape[0]
        if (
            output.bias is not None
            and output.bias.shape[0] != output.out_features
            and not output.bias.is_meta
        ):
            output.bias.data = nn.functional.pad(
                output.bias.data, (0, output.out_features - output.bias.shape[0])
            )

    def _tied_keys(self) -> dict[str, str]:
        """{tied key: source key} for the ties in effect now."""
        if not getattr(self.config, "tie_word_embeddings", True) or self.get_output_embeddings() is None:
            return {}
        return dict(self._tied_weights_keys)

    def resize_token_embeddings(
        self,
        new_num_tokens: int | None = None,
        pad_to_multiple_of: int | None = None,
        mean_resizing: bool = True,
    ) -> nn.Embedding:
        """Give the vocabulary `new_num_tokens` rows (rounded up to a multiple of `pad_to_multiple_of`).

        Old rows are kept. New rows are drawn from a normal distribution with the old rows' mean and (1e-9 times)
        their covariance (`mean_resizing=True`, the default), else initialised like fresh weights
        (normal(0, initializer_range)). An untied output projection grows the same way (its new bias entries near
        the old biases' mean); a tied one stays tied, its bias padded with zeros. `config.vocab_size` is updated.
        The same draws from torch's random generator as transformers (5.24), so a seeded resize gives the same
        weights. Returns the input embeddings (the same module, with the new weight).
        """
        embeddings = self.get_input_embeddings()
        if new_num_tokens is None and pad_to_multiple_of is None:
            return embeddings
        n = embeddings.num_embeddings if new_num_tokens is None else new_num_tokens
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise ValueError(f"new_num_tokens must be a positive integer, got {new_num_tokens!r}")
        if pad_to_multiple_of is not None:
            if (
                isinstance(pad_to_multiple_of, bool)
                or not isinstance(pad_to_multiple_of, int)
                or pad_to_multiple_of <= 0
            ):
                raise ValueError(f"pad_to_multiple_of must be a positive integer, got {pad_to_multiple_of!r}")
            n = -(-n // pad_to_multiple_of) * pad_to_multiple_of
        if n != embeddings.num_embeddings:
            # transformers keeps the module and its Parameter and swaps the data, so a tied projection follows
            new = nn.Embedding(
                n, embeddings.embedding_dim, device=embeddings.weight.device, dtype=embeddings.weight.dtype
            )
            self._fill_resized(new, embeddings, mean_resizing)
            embeddings.weight.data = new.weight.data
            embeddings.num_embeddings = n
            if embeddings.padding_idx is not None and embeddings.padding_idx >= n:
                embeddings.padding_idx = None
            self.set_input_embeddings(embeddings)

        output = self.get_output_embeddings()
        if output is not None and output.weight.shape[0] != n:  # not tied: a new projection
            new_output = nn.Linear(
                output.in_features,
                n,
                bias=output.bias is not None,
                device=output.weight.device,
                dtype=output.weight.dtype,
            )
            self._fill_resized(new_output, output, mean_resizing)
            new_output.requires_grad_(output.weight.requires_grad)
            self.set_output_embeddings(new_output)
        elif output is not None:
            output.out_features = n
        self.config.vocab_size = n
        self.tie_weights()
        return self.get_input_embeddings()

    @torch.no_grad()
    def _fill_resized(
        self, new: nn.Embedding | nn.Linear, old: nn.Embedding | nn.Linear, mean_resizing: bool
    ) -> None:
        """Fill a freshly built larger or smaller copy of `old`: its rows, then the added ones.

        Reproduces transformers 5.24 `PreTrainedModel._get_resized_embeddings` / `_get_resized_lm_head` and
        `_init_added_embeddings_weights_with_mean` / `_init_added_lm_head_bias_with_mean`, draw for draw.
        """
        old_n, new_n = old.weight.shape[0], new.weight.shape[0]
        added = new_n - old_n
        if added > 0 and not mean_resizing:
            self._init_weights(new)
        elif added > 0:
            weight = old.weight.to(torch.float32)
            mean = weight.mean(dim=0)  # (dim,)
            centered = weight - mean
            covariance = centered.T @ centered / old_n  # (dim, dim)
            epsilon = 1e-9
            positive_definite = torch.distributions.constraints.positive_definite
            if positive_definite.check(epsilon * covariance).all():  # type: ignore[no-untyped-call]
                normal = torch.distributions.MultivariateNormal(mean, covariance_matrix=epsilon * covariance)
                new.weight[-added:] = normal.sample((added,)).to(old.weight.dtype)
            else:  # a degenerate covariance (fewer rows than dimensions, say): the mean
                new.weight[-added:] = mean[None].repeat(added, 1).to(old.weight.dtype)
            if isinstance(old, nn.Linear) and isinstance(new, nn.Linear) and old.bias is not None:
                bias_mean = old.bias.mean(dim=0, dtype=torch.float32)
                bias_std = old.bias.std(dim=0).to(torch.float32)
                new.bias[-added:].normal_(mean=float(bias_mean), std=float(1e-9 * bias_std))
        keep = min(old_n, new_n)
        new.weight[:keep] = old.weight[:keep]
        if isinstance(old, nn.Linear) and isinstance(new, nn.Linear) and old.bias is not None:
            new.bias[:keep] = old.bias[:keep]

    def get_position_embeddings(self) -> nn.Embedding:
        raise NotImplementedError(f"{type(self).__name__} does not define get_position_embeddings")

    def resize_position_embeddings(self, new_num_position_embeddings: int) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not define resize_position_embeddings")

    # ---- heads -------------------------------------------------------------------------------------------
    def prune_heads(self, heads_to_prune: dict[int, list[int]]) -> None:
        """Remove attention heads: {layer index: [head indices]} (numbered as in the unpruned model).

        Negative indices count from the end, as Python indexing does and transformers 4.x accepted (its layers are
        a list); they are stored as the non-negative index. The pruned heads are recorded in `config.pruned_heads`,
        saved with the model and pruned again on load.
        """
        n_layers = getattr(self.config, "num_hidden_layers", None)
        n_heads = getattr(self.config, "num_attention_heads", None)
        clean: dict[int, list[int]] = {}
        for key, heads in heads_to_prune.items():
            layer = int(key)
            if n_layers is not None and -n_layers <= layer < 0:
                layer += n_layers
            if n_layers is not None and not 0 <= layer < n_layers:
                raise ValueError(f"prune_heads: layer {key} does not exist (the model has {n_layers} layers)")
            heads = sorted(
                {int(h) + (n_heads if n_heads is not None and -n_heads <= int(h) < 0 else 0) for h in heads}
            )
            bad = [h for h in heads if n_heads is not None and not 0 <= h < n_heads]
            if bad and n_heads is not None:
                raise ValueError(f"prune_heads: layer {layer} has heads 0..{n_heads - 1}, not {bad}")
            clean[layer] = sorted({*clean.get(layer, []), *heads})
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

    # ---- attention and training --------------------------------------------------------------------------
    @classmethod
    def can_generate(cls) -> bool:
        """Whether the model has `generate()`: none here does (they are encoders)."""
        return False

    def set_attn_implementation(self, attn_implementation: str) -> None:
        """Switch the attention of a built model: "sdpa" (fused; padding skipped) or "eager" (weights written out)."""
        if attn_implementation not in ATTN_IMPLEMENTATIONS[1:]:
            raise ValueError(
                f"attn_implementation must be one of {list(ATTN_IMPLEMENTATIONS[1:])}, "
                f"got {attn_implementation!r}"
            )
        self.config._attn_implementation = attn_implementation

    def gradient_checkpointing_enable(
        self, gradient_checkpointing_kwargs: dict[str, Any] | None = None
    ) -> None:
        """Keep only each layer's input in the forward pass and recompute the layer in backward: less memory, the
        same gradients (dropout is replayed with the same random state).

        `gradient_checkpointing_kwargs` go to `torch.utils.checkpoint.checkpoint`; default
        `{"use_reentrant": False}` (transformers 5.x; 4.x defaulted to True). As in transformers, the input
        embeddings' output is made to require gradients, so that frozen embeddings still let gradients through.
        """
        if not self.supports_gradient_checkpointing:
            raise ValueError(f"{type(self).__name__} does not support gradient checkpointing")
        kwargs = (
            {"use_reentrant": False}
            if gradient_checkpointing_kwargs is None
            else dict(gradient_checkpointing_kwargs)
        )
        from torch.utils.checkpoint import checkpoint

        self._set_gradient_checkpointing(True, functools.partial(checkpoint, **kwargs))
        if self.main_input_name == "input_ids":
            self.enable_input_require_grads()

    def gradient_checkpointing_disable(self) -> None:
        self._set_gradient_checkpointing(False, None)
        self.disable_input_require_grads()

    @property
    def is_gradient_checkpointing(self) -> bool:
        return any(getattr(m, "gradient_checkpointing", False) for m in self.modules())

    # transformers 5.24 names (the gradient_* ones above are its deprecated aliases; both work here, no warning)
    def activation_checkpointing_enable(
        self, activation_checkpointing_kwargs: dict[str, Any] | None = None
    ) -> None:
        self.gradient_checkpointing_enable(activation_checkpointing_kwargs)

    def activation_checkpointing_disable(self) -> None:
        self.gradient_checkpointing_disable()

    @property
    def is_activation_checkpointing(self) -> bool:
        return self.is_gradient_checkpointing

    def _set_gradient_checkpointing(self, enable: bool, func: Any) -> None:
        # every module with a `gradient_checkpointing` flag (the layer stacks) checkpoints its layers through func
        for module in self.modules():
            if hasattr(module, "gradient_checkpointing"):
                setattr(module, "gradient_checkpointing", enable)  # noqa: B010  (nn.Module types attributes as tensors)
                setattr(module, "_gradient_checkpointing_func", func)  # noqa: B010

    def enable_input_require_grads(self) -> None:
        """Make the input embeddings' output require gradients (for frozen embeddings under checkpointing)."""
        self.disable_input_require_grads()

        def require_grads(module: nn.Module, args: Any, output: torch.Tensor) -> None:
            if torch.is_grad_enabled():
                output.requires_grad_(True)

        self._require_grads_hook = self.get_input_embeddings().register_forward_hook(require_grads)

    def disable_input_require_grads(self) -> None:
        hook = self.__dict__.pop("_require_grads_hook", None)
        if hook is not None:
            hook.remove()

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
        return sum(
            p.numel()
            for p in self.parameters()
            if (p.requires_grad or not only_trainable) and id(p) not in skip
        )

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
        state_dict = {
            k: v.detach().contiguous()
            for k, v in state_dict.items()
            if not (k in tied and tied[k] in state_dict and v.data_ptr() == state_dict[tied[k]].data_ptr())
        }

        weights_name, index_name = (
            (SAFE_WEIGHTS_NAME, SAFE_WEIGHTS_INDEX_NAME)
            if safe_serialization
            else (WEIGHTS_NAME, WEIGHTS_INDEX_NAME)
        )
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
        pretrained_model_name_or_path: str | os.PathLike[str] | None,
        *,
        config: PretrainedConfig | str | os.PathLike[str] | None = None,
        state_dict: dict[str, torch.Tensor] | None = None,
        cache_dir: str | os.PathLike[str] | None = None,
        revision: str | None = None,
        local_files_only: bool = False,
        token: bool | str | None = None,
        subfolder: str = "",
        force_download: bool = False,
        torch_dtype: Any = None,
        dtype: Any = None,
        attn_implementation: str | None = None,
        device_map: str | int | torch.device | dict[str, Any] | None = None,
        low_cpu_mem_usage: bool | None = None,
        use_safetensors: bool | None = None,
        output_loading_info: bool = False,
        ignore_mismatched_sizes: bool = False,
        trust_remote_code: bool | None = None,
        **config_overrides: Any,
    ) -> M | tuple[M, dict[str, list[Any]]]:
        """Load a model from a folder or a hub id (config.json and weights in the Hugging Face layout), or from
        `state_dict=` with `pretrained_model_name_or_path=None` and `config=`.

        Weights: model.safetensors (memory-mapped), else model.safetensors.index.json and its shards, else
        pytorch_model.bin (or its index) through `torch.load(weights_only=True)`. `config=` replaces the saved
        configuration; other keyword arguments override configuration attributes. Options as in transformers:
        - `dtype` (or the older `torch_dtype`): a torch dtype, its name, or "auto" (the default, as in 5.x: the
          configuration's `torch_dtype`, else the checkpoint's);
        - `attn_implementation`: "sdpa" (the default) or "eager" (sets `config._attn_implementation`);
        - `device_map`: None, or one device for the whole model ("cpu", "cuda:0", 0, a torch.device, {"": d});
          maps that spread a model over devices need accelerate, which we do not use (a clear error);
        - `low_cpu_mem_usage`: accepted, nothing to do: models are always built on the meta device and take the
          checkpoint's tensors without a second copy (transformers 5.x ignores it too).
        With `output_loading_info=True`, returns (model, {"missing_keys", "unexpected_keys", "mismatched_keys"}).
        """
        if trust_remote_code:
            raise ValueError(
                "trust_remote_code=True is not supported: ferroformers never runs code from a checkpoint"
            )
        unknown = [k for k in config_overrides if k in _HUB_KWARGS]
        if unknown:
            raise TypeError(f"from_pretrained() got unsupported keyword arguments {unknown}")
        if low_cpu_mem_usage not in (None, True, False):
            raise TypeError(f"low_cpu_mem_usage must be True, False or None, got {low_cpu_mem_usage!r}")
        device = _single_device(device_map)
        if state_dict is not None and pretrained_model_name_or_path is not None:
            # transformers 5.x refuses this too (4.x took the state dict and ignored the folder's weights)
            raise ValueError(
                "pass either pretrained_model_name_or_path or state_dict=, not both: with "
                "state_dict=, use pretrained_model_name_or_path=None and config="
            )
        if pretrained_model_name_or_path is None and (state_dict is None or config is None):
            raise ValueError("pretrained_model_name_or_path=None needs both config= and state_dict=")
        name = (
            "state_dict"
            if pretrained_model_name_or_path is None
            else os.fspath(pretrained_model_name_or_path)
        )
        hub: dict[str, Any] = {
            "cache_dir": cache_dir,
            "revision": revision,
            "local_files_only": local_files_only,
            "token": token,
            "subfolder": subfolder,
            "force_download": force_download,
        }
        if config is None:
            config_dict, _ = PretrainedConfig.get_config_dict(name, **hub)
            config = cls.config_class.from_dict(config_dict, **config_overrides)
        elif isinstance(config, (str, os.PathLike)):
            config = cls.config_class.from_pretrained(config, **config_overrides)
        elif isinstance(config, PretrainedConfig):
            given = config
            config = copy.deepcopy(config)
            if config_overrides:
                overridden = type(config).from_dict(config.to_dict(), **config_overrides)
                assert isinstance(overridden, PretrainedConfig)
                overridden._attn_implementation = given._attn_implementation
                if "unpad_batches" not in config_overrides:
                    overridden._unpad_batches = given._unpad_batches
                config = overridden
        else:
            raise TypeError(f"config must be a PretrainedConfig or a path, got {type(config).__name__}")
        assert isinstance(config, PretrainedConfig)
        if attn_implementation is not None:
            config._attn_implementation = attn_implementation
            config.validate()
        if pretrained_model_name_or_path is not None:
            config.name_or_path = name

        reader = (
            CheckpointReader(resolve_weights(name, hub, use_safetensors))
            if state_dict is None
            else CheckpointReader.from_state_dict(state_dict)
        )
        target_dtype = resolve_dtype(dtype if dtype is not None else torch_dtype, config, reader)

        # build without allocating or initialising, then fill in what the checkpoint has and init the rest
        with torch.device("meta"):
            model = cls(config)
        info = model._load_checkpoint(reader, target_dtype, ignore_mismatched_sizes)
        model.config.torch_dtype = str(target_dtype).removeprefix("torch.")
        model.eval()
        if device is not None:
            model.to(device)
        for kind in ("missing_keys", "unexpected_keys"):
            if info[kind]:
                what = "newly initialised (train before use)" if kind == "missing_keys" else "not used"
                logger.warning(
                    "%s from %s: %d weights %s: %s",
                    cls.__name__,
                    name,
                    len(info[kind]),
                    what,
                    ", ".join(info[kind]),
                )
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
                target = key[len(prefix) :]
            if target in expected:
                mapping[key] = target
            elif not any(re.search(p, key) for p in self._keys_to_ignore_on_load_unexpected):
                unexpected.append(key)
        return mapping, unexpected

    def _load_checkpoint(
        self, reader: CheckpointReader, dtype: torch.dtype, ignore_mismatched_sizes: bool
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
            direct = [
                f"{module_name}.{n}" if module_name else n
                for n, _ in [*module.named_parameters(recurse=False), *module.named_buffers(recurse=False)]
            ]
            if any(k in needed for k in direct):
                module.to_empty(device="cpu", recurse=False)
                self._init_weights(module)
        state = {key: reader.tensor(ckpt_key) for ckpt_key, key in mapping.items()}
        state = {
            k: (v.to(dtype) if v.is_floating_point() and v.dtype != dtype else v) for k, v in state.items()
        }
        self.load_state_dict(state, strict=False, assign=True)
        self.tie_weights()
        left = [n for n, t in [*self.named_parameters(), *self.named_buffers()] if t.is_meta]
        if left:  # a tensor neither in the checkpoint nor in the state dict (a non-persistent buffer)
            raise RuntimeError(f"{type(self).__name__}: {left} were neither loaded nor initialised")
        self.to(dtype)
        return {
            "missing_keys": missing,
            "unexpected_keys": unexpected,
            "mismatched_keys": mismatched,
            "error_msgs": [],
        }


# accelerate's names for maps that it computes over several devices
_DISPATCHING_DEVICE_MAPS = ("auto", "balanced", "balanced_low_0", "sequential")


def _single_device(device_map: Any) -> torch.device | None:
    """The one device a `device_map` puts the whole model on (None: stay on the CPU, where models are built).

    As transformers reads it: a device name, an accelerator ordinal, a torch.device, or a dict naming one device.
    """
    if device_map is None:
        return None
    if isinstance(device_map, dict):
        devices = {str(d) if not isinstance(d, int) else d for d in device_map.values()}
        if len(devices) == 1 and "disk" not in devices and "meta" not in devices:
            return _single_device(next(iter(device_map.values())))
    elif isinstance(device_map, torch.device):
        return device_map
    elif isinstance(device_map, int) and not isinstance(device_map, bool):
        if device_map < 0:
            raise ValueError(f"device_map={device_map} is not a device; for the CPU pass device_map='cpu'")
        return torch.device(device_map)
    elif isinstance(device_map, str) and device_map not in _DISPATCHING_DEVICE_MAPS:
        try:
            return torch.device(device_map)
        except RuntimeError:
            raise ValueError(
                f"device_map={device_map!r} is not a device name such as 'cpu' or 'cuda:0'"
            ) from None
    raise ValueError(
        f"device_map={device_map!r} spreads the model over devices (or offloads it), which needs accelerate's "
        "dispatching; ferroformers loads a model onto one device: pass device_map=None, 'cpu' or one accelerator "
        "such as 'cuda:0'"
    )


# ---- checkpoint files ------------------------------------------------------------------------------------


def _is_weights_file(name: str) -> bool:
    return bool(
        re.fullmatch(r"(model|pytorch_model)(-\d{5}-of-\d{5})?\.(safetensors|bin)(\.index\.json)?", name)
    )


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
