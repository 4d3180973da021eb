"""A tokenizer's files: `from_pretrained` reads them from a folder or the hub, `save_pretrained` writes them.

    tokenizer_config.json     the constructor settings (model_max_length, padding_side, do_lower_case, ...) and
                              the added tokens (`added_tokens_decoder`)
    special_tokens_map.json   the named and additional special tokens
    added_tokens.json         tokens added beyond the vocabulary (older files; read, written when there are any)
    vocab.txt / tokenizer.json / vocab.json   the vocabulary: `vocab_files_names` of each class
                              (`save_vocabulary`, and for a fast tokenizer tokenizer.json too)

Files written here load in transformers and the other way round (tests/tokenizers). Mirrors transformers 4.x
`PreTrainedTokenizerBase.from_pretrained` / `save_pretrained`; a path written in a downloaded config is never
opened (only the files resolved here are).
"""

from __future__ import annotations

import copy
import inspect
import json
import os
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from .tokenization_special_tokens import AddedToken, added_token_from_json
from .utils.hub import ResourceNotFoundError, bundled_folder, cached_file
from .utils.io import atomic_write_text, prepare_save_directory

SPECIAL_TOKENS_MAP_FILE = "special_tokens_map.json"
ADDED_TOKENS_FILE = "added_tokens.json"
TOKENIZER_CONFIG_FILE = "tokenizer_config.json"
FULL_TOKENIZER_FILE = "tokenizer.json"

T = TypeVar("T", bound="TokenizerFilesMixin")


class TokenizerFilesMixin:
    """`from_pretrained` and `save_pretrained` of every tokenizer (see the module docstring). A class declares
    its vocabulary files in `vocab_files_names` (constructor argument -> file name) and writes them in
    `save_vocabulary`."""

    vocab_files_names: ClassVar[dict[str, str]] = {}

    if TYPE_CHECKING:  # provided by PreTrainedTokenizerBase (settings) and SpecialTokensMixin (special tokens)
        SPECIAL_TOKENS_ATTRIBUTES: ClassVar[list[str]]
        init_kwargs: dict[str, Any]
        model_max_length: int
        padding_side: str
        truncation_side: str
        model_input_names: list[str]
        clean_up_tokenization_spaces: bool
        split_special_tokens: bool
        _special_tokens_map: dict[str, str | AddedToken | None]

        def __init__(self, *init_inputs: Any, **settings: Any) -> None: ...

        @property
        def additional_special_tokens(self) -> list[str]: ...

        @property
        def special_tokens_map_extended(self) -> dict[str, Any]: ...

        @property
        def added_tokens_decoder(self) -> dict[int, AddedToken]: ...

        @property
        def vocab_size(self) -> int: ...

    # ---- loading ------------------------------------------------------------------------------------------
    @classmethod
    def _resolve_files(cls, name: str, file_names: dict[str, str], hub: dict[str, Any]) -> dict[str, str | None]:
        """Local paths of the files `from_pretrained` reads (None where absent). Hub ids the wheel bundles fall
        back to the bundled folder when neither the hub nor its cache has the vocabulary."""
        # a slow tokenizer can take its vocabulary from a tokenizer.json when there is no vocab.txt
        vocabularies = {**file_names, "tokenizer_file": FULL_TOKENIZER_FILE}
        files = {**vocabularies, "added_tokens_file": ADDED_TOKENS_FILE,
                 "special_tokens_map_file": SPECIAL_TOKENS_MAP_FILE, "tokenizer_config_file": TOKENIZER_CONFIG_FILE}
        bundled = bundled_folder(name)
        if bundled is not None:
            # the wheel has these files: look in the hub cache only (never wait on the network for them)
            hub = {**hub, "local_files_only": True}
        try:
            resolved = {key: cached_file(name, filename, required=False, **hub) for key, filename in files.items()}
        except ResourceNotFoundError:
            if bundled is None:
                raise
            resolved = {}
        if not any(resolved.get(k) for k in vocabularies) and bundled is not None:
            resolved = {key: cached_file(bundled, filename, required=False) for key, filename in files.items()}
        return resolved

    @classmethod
    def from_pretrained(cls: type[T], pretrained_model_name_or_path: str | os.PathLike[str], *init_inputs: Any,
                        cache_dir: str | os.PathLike[str] | None = None, force_download: bool = False,
                        local_files_only: bool = False, token: str | bool | None = None,
                        revision: str | None = None, subfolder: str = "", **kwargs: Any) -> T:
        """Load from a folder (as `save_pretrained` writes it) or a hub id (through the hub cache; works
        offline). Reads tokenizer_config.json, special_tokens_map.json, added_tokens.json and the vocabulary
        files; keyword arguments override the saved settings."""
        if kwargs.pop("use_auth_token", None) is not None:
            raise TypeError("use_auth_token was removed; pass token=")
        if kwargs.pop("trust_remote_code", False):
            raise ValueError("trust_remote_code is not supported: ferroformers never runs code from a repository")
        name = os.fspath(pretrained_model_name_or_path)
        hub = {"cache_dir": cache_dir, "force_download": force_download, "local_files_only": local_files_only,
               "token": token, "revision": revision, "subfolder": subfolder}
        if os.path.isfile(name):
            if len(cls.vocab_files_names) != 1:
                raise ValueError(f"{name!r} is a file; pass the folder that holds the tokenizer files")
            resolved: dict[str, str | None] = {next(iter(cls.vocab_files_names)): name}
        else:
            resolved = cls._resolve_files(name, cls.vocab_files_names, hub)
            vocabularies = [*cls.vocab_files_names, "tokenizer_file"]
            if not any(resolved.get(k) for k in vocabularies) and not any(kwargs.get(k) for k in vocabularies):
                wanted = sorted({*cls.vocab_files_names.values(), FULL_TOKENIZER_FILE})
                raise ResourceNotFoundError(f"{name!r} has no tokenizer vocabulary: none of {wanted} was found")
        return cls._from_resolved(resolved, name, *init_inputs, **kwargs)

    @classmethod
    def _from_resolved(cls: type[T], resolved: dict[str, str | None], name: str, *init_inputs: Any,
                       **kwargs: Any) -> T:
        from .configuration_utils import load_json

        config_file = resolved.pop("tokenizer_config_file", None)
        config: dict[str, Any] = load_json(config_file) if config_file else {}
        for key in ("tokenizer_class", "auto_map", "name_or_path", "special_tokens_map_file", "init_inputs",
                    "transformers_version", "ferroformers_version", "backend", "files_loaded", "is_local", "local_files_only",
                    "processor_class"):
            config.pop(key, None)
        for key in cls.vocab_files_names:
            config.pop(key, None)  # a path in a downloaded config is never opened (CWE-22): only resolved files

        map_file = resolved.pop("special_tokens_map_file", None)
        if map_file:
            for key, value in load_json(map_file).items():
                if kwargs.get(key):
                    continue
                if key in ("additional_special_tokens", "extra_special_tokens"):
                    if not isinstance(value, list):
                        raise ValueError(f"{map_file}: {key} must be a list")
                    config[key] = [added_token_from_json(v, where=f"{map_file}: {key}") for v in value]
                else:
                    config[key] = added_token_from_json(value, where=f"{map_file}: {key}")
        for key in (*cls.SPECIAL_TOKENS_ATTRIBUTES, "additional_special_tokens", "extra_special_tokens"):
            value = config.get(key)
            where = f"{config_file}: {key}"
            if isinstance(value, dict):
                config[key] = added_token_from_json(value, where=where)
            elif isinstance(value, list):
                config[key] = [added_token_from_json(v, where=where) for v in value]
        if isinstance(config.get("extra_special_tokens"), list):
            config.setdefault("additional_special_tokens", config.pop("extra_special_tokens"))
        elif "extra_special_tokens" in config and not config["extra_special_tokens"]:
            config.pop("extra_special_tokens")

        added: dict[int, AddedToken] = {}
        for index, value in (config.pop("added_tokens_decoder", None) or {}).items():
            try:
                added[int(index)] = added_token_from_json(value, where=f"{config_file}: added_tokens_decoder")
            except ValueError as e:
                raise ValueError(f"{config_file}: added_tokens_decoder: bad id {index!r}: {e}") from None
        added_file = resolved.pop("added_tokens_file", None)
        if added_file:
            specials = {str(config[k]) for k in cls.SPECIAL_TOKENS_ATTRIBUTES if config.get(k)}
            for content, index in load_json(added_file).items():
                if isinstance(index, bool) or not isinstance(index, int):
                    raise ValueError(f"{added_file}: {content!r} must map to an integer id, got {index!r}")
                if index not in added:
                    special = content in specials
                    added[index] = AddedToken(content, normalized=not special, special=special)
        tokenizer_file = resolved.pop("tokenizer_file", None)
        if tokenizer_file and not added:
            # a folder saved by a fast tokenizer keeps its added tokens only in tokenizer.json
            entries = load_json(tokenizer_file).get("added_tokens") or []
            if not isinstance(entries, list):
                raise ValueError(f"{tokenizer_file}: added_tokens must be a list")
            for entry in entries:
                where = f"{tokenizer_file}: added_tokens"
                if not isinstance(entry, dict) or isinstance(entry.get("id"), bool) or not isinstance(
                        entry.get("id"), int):
                    raise ValueError(f"{where}: each entry needs an integer 'id', got {entry!r}")
                added[entry["id"]] = added_token_from_json(entry, where=where)
        if added:
            config["added_tokens_decoder"] = added

        config.update(kwargs)
        if "tokenizer_file" in cls._init_parameters():
            resolved["tokenizer_file"] = tokenizer_file
        elif tokenizer_file and not any(resolved.values()) and not any(kwargs.get(k) for k in resolved):
            config.update(cls._vocabulary_from_tokenizer_json(tokenizer_file))
        for key, path in resolved.items():
            if path is not None and kwargs.get(key) is None:
                config[key] = path
        config["name_or_path"] = name
        # keys this class does not take are kept (and saved again), not passed: transformers writes settings of
        # other tokenizer classes into the same file
        accepted = cls._init_parameters()
        unknown = {k: config.pop(k) for k in list(config) if k not in accepted}
        unknown_user = sorted(k for k in unknown if k in kwargs)
        if unknown_user:
            raise TypeError(f"{cls.__name__}.from_pretrained() got unexpected keyword arguments {unknown_user}")
        tokenizer = cls(*init_inputs, **config)
        tokenizer.init_kwargs.update({k: v for k, v in unknown.items() if _is_json(v)})
        return tokenizer

    @classmethod
    def _vocabulary_from_tokenizer_json(cls, path: str) -> dict[str, Any]:
        """Constructor arguments giving the vocabulary of a tokenizer.json, for a slow class whose own
        vocabulary file is missing from the folder."""
        raise ValueError(f"{cls.__name__} cannot read its vocabulary from {path}; its vocabulary files "
                         f"{sorted(cls.vocab_files_names.values())} are missing")

    @classmethod
    def _init_parameters(cls) -> set[str]:
        names: set[str] = set()
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is None:
                continue
            for p in inspect.signature(init).parameters.values():
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in ("self", "init_settings"):
                    names.add(p.name)
        return names

    # ---- saving -------------------------------------------------------------------------------------------
    def _tokenizer_config(self) -> dict[str, Any]:
        """The tokenizer_config.json that `transformers.AutoTokenizer` and ours load back identically."""
        config = {k: v for k, v in copy.deepcopy(self.init_kwargs).items() if k not in self.vocab_files_names}
        config.pop("added_tokens_decoder", None)
        config.update(
            model_max_length=self.model_max_length, padding_side=self.padding_side,
            truncation_side=self.truncation_side, model_input_names=self.model_input_names,
            clean_up_tokenization_spaces=self.clean_up_tokenization_spaces,
            split_special_tokens=self.split_special_tokens,
        )
        for name in self.SPECIAL_TOKENS_ATTRIBUTES:
            value = self._special_tokens_map.get(name)
            if value is not None:
                config[name] = str(value)
        # the 4.x key: transformers 5 reads it too, while 4.x expects a dict under "extra_special_tokens"
        config.pop("extra_special_tokens", None)
        if self.additional_special_tokens:
            config["additional_special_tokens"] = self.additional_special_tokens
        config["added_tokens_decoder"] = {str(i): t.__getstate__() for i, t in self.added_tokens_decoder.items()}
        config["tokenizer_class"] = self._saved_class_name()
        jsonable: dict[str, Any] = _jsonable(config)
        return jsonable

    def _saved_class_name(self) -> str:
        return type(self).__name__

    def save_pretrained(self, save_directory: str | os.PathLike[str], legacy_format: bool | None = None,
                        filename_prefix: str | None = None, push_to_hub: bool = False,
                        **kwargs: Any) -> tuple[str, ...]:
        """Write tokenizer_config.json, special_tokens_map.json, added_tokens.json (when tokens were added
        beyond the vocabulary) and the vocabulary files, each atomically. Returns the paths written."""
        save_directory = prepare_save_directory(save_directory, {"push_to_hub": push_to_hub, **kwargs})
        prefix = f"{filename_prefix}-" if filename_prefix else ""

        def dump(data: Any) -> str:
            return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

        written = []
        path = os.path.join(save_directory, prefix + TOKENIZER_CONFIG_FILE)
        atomic_write_text(path, dump(self._tokenizer_config()))
        written.append(path)
        path = os.path.join(save_directory, prefix + SPECIAL_TOKENS_MAP_FILE)
        atomic_write_text(path, dump(_jsonable({k: v.__getstate__() if isinstance(v, AddedToken) else v
                                                for k, v in self.special_tokens_map_extended.items()})))
        written.append(path)
        beyond = {t.content: i for i, t in self.added_tokens_decoder.items() if i >= self.vocab_size}
        if beyond:
            path = os.path.join(save_directory, prefix + ADDED_TOKENS_FILE)
            atomic_write_text(path, dump(beyond))
            written.append(path)
        written += self._save_extra_files(save_directory, prefix, legacy_format)
        return tuple(written)

    def _save_extra_files(self, save_directory: str, prefix: str, legacy_format: bool | None) -> list[str]:
        return list(self.save_vocabulary(save_directory, filename_prefix=prefix.rstrip("-") or None))

    def save_vocabulary(self, save_directory: str, filename_prefix: str | None = None) -> tuple[str, ...]:
        raise NotImplementedError


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _jsonable(value: Any) -> Any:
    if isinstance(value, AddedToken):
        return value.__getstate__()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value
