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

from .tokenization_chat_template import CHAT_TEMPLATE_FILE, load_chat_templates, save_chat_templates
from .tokenization_special_tokens import AddedToken, added_token_from_json
from .utils.hub import ResourceNotFoundError, bundled_folder, cached_file, token_or_use_auth_token
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

    if (
        TYPE_CHECKING
    ):  # provided by PreTrainedTokenizerBase (settings) and SpecialTokensMixin (special tokens)
        SPECIAL_TOKENS_ATTRIBUTES: ClassVar[list[str]]
        init_kwargs: dict[str, Any]
        init_inputs: tuple[Any, ...]
        model_max_length: int
        padding_side: str
        truncation_side: str
        model_input_names: list[str]
        clean_up_tokenization_spaces: bool
        split_special_tokens: bool
        _special_tokens_map: dict[str, str | AddedToken | None]

        def __init__(self, *init_inputs: Any, **settings: Any) -> None: ...

        @property
        def additional_special_tokens(self) -> list[str] | None: ...

        @property
        def special_tokens_map_extended(self) -> dict[str, Any]: ...

        @property
        def added_tokens_decoder(self) -> dict[int, AddedToken]: ...

        @property
        def vocab_size(self) -> int: ...

    # ---- loading ------------------------------------------------------------------------------------------
    @classmethod
    def _resolve_files(
        cls, name: str, file_names: dict[str, str], hub: dict[str, Any]
    ) -> dict[str, str | None]:
        """Local paths of the files `from_pretrained` reads (None where absent). Hub ids the wheel bundles fall
        back to the bundled folder when neither the hub nor its cache has the vocabulary."""
        # a slow tokenizer can take its vocabulary from a tokenizer.json when there is no vocab.txt
        vocabularies = {**file_names, "tokenizer_file": FULL_TOKENIZER_FILE}
        files = {
            **vocabularies,
            "added_tokens_file": ADDED_TOKENS_FILE,
            "special_tokens_map_file": SPECIAL_TOKENS_MAP_FILE,
            "tokenizer_config_file": TOKENIZER_CONFIG_FILE,
            "chat_template_file": CHAT_TEMPLATE_FILE,
        }
        bundled = bundled_folder(name)
        if bundled is not None:
            # the wheel has these files: look in the hub cache only (never wait on the network for them)
            hub = {**hub, "local_files_only": True}
        try:
            resolved = {
                key: cached_file(name, filename, required=False, **hub) for key, filename in files.items()
            }
        except ResourceNotFoundError:
            if bundled is None:
                raise
            resolved = {}
        if not any(resolved.get(k) for k in vocabularies) and bundled is not None:
            resolved = {
                key: cached_file(bundled, filename, required=False) for key, filename in files.items()
            }
        return resolved

    @classmethod
    def from_pretrained(
        cls: type[T],
        pretrained_model_name_or_path: str | os.PathLike[str],
        *init_inputs: Any,
        cache_dir: str | os.PathLike[str] | None = None,
        force_download: bool = False,
        local_files_only: bool = False,
        token: str | bool | None = None,
        revision: str | None = None,
        subfolder: str = "",
        trust_remote_code: bool = False,
        **kwargs: Any,
    ) -> T:
        """Load from a folder (as `save_pretrained` writes it) or a hub id (through the hub cache; works
        offline). Reads tokenizer_config.json, special_tokens_map.json, added_tokens.json, chat_template.jinja
        and the vocabulary files; keyword arguments override the saved settings.

        As in transformers (docs/compatibility.md): `use_auth_token` is the deprecated name of `token`;
        `trust_remote_code=True` loads a folder that has no remote code as usual (one that names remote code
        is refused: code from a repository is never run); `use_fast` is ignored here (it picks a class in
        AutoTokenizer); `from_slow=True` builds a fast tokenizer from the slow tokenizer's files (vocab.txt)
        instead of tokenizer.json; any other keyword that is not a constructor argument (`legacy`,
        `add_prefix_space`, `max_length`, ...) is kept in `init_kwargs` and saved with the tokenizer."""
        token = token_or_use_auth_token(token, kwargs.pop("use_auth_token", None))
        kwargs.pop("use_fast", None)  # chooses between classes in AutoTokenizer; this class is already chosen
        name = os.fspath(pretrained_model_name_or_path)
        hub = {
            "cache_dir": cache_dir,
            "force_download": force_download,
            "local_files_only": local_files_only,
            "token": token,
            "revision": revision,
            "subfolder": subfolder,
        }
        if os.path.isfile(name):
            if len(cls.vocab_files_names) != 1:
                raise ValueError(f"{name!r} is a file; pass the folder that holds the tokenizer files")
            resolved: dict[str, str | None] = {next(iter(cls.vocab_files_names)): name}
        else:
            resolved = cls._resolve_files(name, cls.vocab_files_names, hub)
            vocabularies = [*cls.vocab_files_names, "tokenizer_file"]
            if not any(resolved.get(k) for k in vocabularies) and not any(
                kwargs.get(k) for k in vocabularies
            ):
                wanted = sorted({*cls.vocab_files_names.values(), FULL_TOKENIZER_FILE})
                raise ResourceNotFoundError(
                    f"{name!r} has no tokenizer vocabulary: none of {wanted} was found"
                )
            if os.path.isdir(name):
                resolved["chat_templates_folder"] = os.path.join(name, subfolder)
        if trust_remote_code:
            _refuse_remote_code(resolved.get("tokenizer_config_file"))
        tokenizer = cls._from_resolved(resolved, name, *init_inputs, **kwargs)
        tokenizer.init_inputs = init_inputs
        return tokenizer

    @classmethod
    def _from_resolved(
        cls: type[T], resolved: dict[str, str | None], name: str, *init_inputs: Any, **kwargs: Any
    ) -> T:
        from .configuration_utils import load_json

        from_slow = bool(kwargs.pop("from_slow", False))
        config_file = resolved.pop("tokenizer_config_file", None)
        config: dict[str, Any] = load_json(config_file) if config_file else {}
        chat_templates = load_chat_templates(
            config,
            config_file,
            resolved.pop("chat_template_file", None),
            resolved.pop("chat_templates_folder", None),
        )
        if chat_templates is not None:
            config["chat_template"] = chat_templates
        for key in (
            "tokenizer_class",
            "auto_map",
            "name_or_path",
            "special_tokens_map_file",
            "init_inputs",
            "transformers_version",
            "ferroformers_version",
            "backend",
            "files_loaded",
            "is_local",
            "local_files_only",
            "processor_class",
        ):
            config.pop(key, None)
        for key in cls.vocab_files_names:
            config.pop(
                key, None
            )  # a path in a downloaded config is never opened (CWE-22): only resolved files

        map_file = resolved.pop("special_tokens_map_file", None)
        if map_file:
            for key, value in load_json(map_file).items():
                if kwargs.get(key):
                    continue
                if key in ("additional_special_tokens", "extra_special_tokens"):
                    if not isinstance(value, list):
                        raise ValueError(f"{map_file}: {key} must be a list")
                    config[key] = [_token_from_json(v, where=f"{map_file}: {key}") for v in value]
                else:
                    config[key] = _token_from_json(value, where=f"{map_file}: {key}")
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
                if (
                    not isinstance(entry, dict)
                    or isinstance(entry.get("id"), bool)
                    or not isinstance(entry.get("id"), int)
                ):
                    raise ValueError(f"{where}: each entry needs an integer 'id', got {entry!r}")
                added[entry["id"]] = added_token_from_json(entry, where=where)
        if added:
            config["added_tokens_decoder"] = added

        config.update(kwargs)
        if "tokenizer_file" in cls._init_parameters():
            if from_slow:
                # transformers' from_slow: build from the slow tokenizer's files, not from tokenizer.json
                if not any(
                    resolved.get(k) or kwargs.get(k) for k in cls.vocab_files_names if k != "tokenizer_file"
                ):
                    slow_files = sorted(v for k, v in cls.vocab_files_names.items() if k != "tokenizer_file")
                    raise ValueError(
                        f"from_slow=True needs the slow tokenizer's files {slow_files}, which {name!r} "
                        "does not have"
                    )
                tokenizer_file = None
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
        not_json = sorted(k for k in unknown if k in kwargs and not _is_json(_jsonable(unknown[k])))
        if not_json:
            raise TypeError(
                f"{cls.__name__}.from_pretrained(): {not_json} are not settings of {cls.__name__}, and "
                "are kept in init_kwargs (saved in tokenizer_config.json) only when they are JSON values"
            )
        tokenizer = cls(*init_inputs, **config)
        # as transformers: init_kwargs holds what the constructor was given (files, special tokens, settings), and
        # keywords no constructor argument takes (transformers' own, e.g. legacy, add_prefix_space, max_length)
        given = {k: v for k, v in config.items() if isinstance(v, AddedToken) or _is_json(_jsonable(v))}
        tokenizer.init_kwargs = {
            **given,
            **tokenizer.init_kwargs,
            **{k: v for k, v in unknown.items() if _is_json(_jsonable(v))},
        }
        return tokenizer

    @classmethod
    def _vocabulary_from_tokenizer_json(cls, path: str) -> dict[str, Any]:
        """Constructor arguments giving the vocabulary of a tokenizer.json, for a slow class whose own
        vocabulary file is missing from the folder."""
        raise ValueError(
            f"{cls.__name__} cannot read its vocabulary from {path}; its vocabulary files "
            f"{sorted(cls.vocab_files_names.values())} are missing"
        )

    @classmethod
    def _init_parameters(cls) -> set[str]:
        names: set[str] = set()
        for klass in cls.__mro__:
            init = klass.__dict__.get("__init__")
            if init is None:
                continue
            for p in inspect.signature(init).parameters.values():
                if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in (
                    "self",
                    "init_settings",
                ):
                    names.add(p.name)
        return names

    # ---- saving -------------------------------------------------------------------------------------------
    def _tokenizer_config(self) -> dict[str, Any]:
        """The tokenizer_config.json that `transformers.AutoTokenizer` and ours load back identically."""
        config = {k: v for k, v in copy.deepcopy(self.init_kwargs).items() if k not in self.vocab_files_names}
        for key in (
            "added_tokens_decoder",
            "name_or_path",
            "tokenizer_file",
            "chat_template",
            *self.SPECIAL_TOKENS_ATTRIBUTES,
            "additional_special_tokens",
        ):
            config.pop(key, None)
        config.update(
            model_max_length=self.model_max_length,
            padding_side=self.padding_side,
            truncation_side=self.truncation_side,
            model_input_names=self.model_input_names,
            clean_up_tokenization_spaces=self.clean_up_tokenization_spaces,
            split_special_tokens=self.split_special_tokens,
        )
        for name in self.SPECIAL_TOKENS_ATTRIBUTES:
            value = self._special_tokens_map.get(name)
            if value is not None:
                config[name] = str(value)
        # the 4.x key: transformers 5 reads it too, while 4.x expects a dict under "extra_special_tokens"
        config.pop("extra_special_tokens", None)
        additional = self.additional_special_tokens
        if additional:
            config["additional_special_tokens"] = additional
        config["added_tokens_decoder"] = {
            str(i): t.__getstate__() for i, t in self.added_tokens_decoder.items()
        }
        config["tokenizer_class"] = self._saved_class_name()
        jsonable: dict[str, Any] = _jsonable(config)
        return jsonable

    def _saved_class_name(self) -> str:
        return type(self).__name__

    def save_pretrained(
        self,
        save_directory: str | os.PathLike[str],
        legacy_format: bool | None = None,
        filename_prefix: str | None = None,
        push_to_hub: bool = False,
        save_jinja_files: bool = True,
        **kwargs: Any,
    ) -> tuple[str, ...]:
        """Write tokenizer_config.json, special_tokens_map.json, added_tokens.json (when tokens were added
        beyond the vocabulary), the chat template and the vocabulary files, each atomically, laid out as
        transformers writes them. Returns the paths written.

        The chat template goes to chat_template.jinja (transformers 5, and 4.x since 4.47, read it);
        `save_jinja_files=False` writes it into tokenizer_config.json instead, where transformers 4.46 and
        older look for it."""
        save_directory = prepare_save_directory(save_directory, {"push_to_hub": push_to_hub, **kwargs})
        prefix = f"{filename_prefix}-" if filename_prefix else ""

        written = []
        config = self._tokenizer_config()
        written += save_chat_templates(
            getattr(self, "chat_template", None), config, save_directory, prefix, save_jinja_files
        )
        path = os.path.join(save_directory, prefix + TOKENIZER_CONFIG_FILE)
        atomic_write_text(path, dump_json(config))
        written.insert(0, path)
        path = os.path.join(save_directory, prefix + SPECIAL_TOKENS_MAP_FILE)
        # transformers writes the AddedToken fields here without "special" (these are special by definition)
        atomic_write_text(
            path,
            dump_json(
                _jsonable({k: _without_special(v) for k, v in self.special_tokens_map_extended.items()})
            ),
        )
        written.append(path)
        beyond = {t.content: i for i, t in self.added_tokens_decoder.items() if i >= self.vocab_size}
        if beyond:
            path = os.path.join(save_directory, prefix + ADDED_TOKENS_FILE)
            atomic_write_text(path, dump_json(beyond))
            written.append(path)
        written += self._save_extra_files(save_directory, prefix, legacy_format)
        return tuple(written)

    def _save_extra_files(self, save_directory: str, prefix: str, legacy_format: bool | None) -> list[str]:
        return list(self.save_vocabulary(save_directory, filename_prefix=prefix.rstrip("-") or None))

    def save_vocabulary(self, save_directory: str, filename_prefix: str | None = None) -> tuple[str, ...]:
        raise NotImplementedError


def dump_json(data: Any) -> str:
    """A JSON file as transformers writes its tokenizer and preprocessor files: 2-space indent, keys sorted,
    non-ASCII kept, a final newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _without_special(value: Any) -> Any:
    if isinstance(value, AddedToken):
        state = value.__getstate__()
        state.pop("special")
        return state
    if isinstance(value, list):
        return [_without_special(v) for v in value]
    return value


def _token_from_json(value: Any, *, where: str) -> str | AddedToken:
    """A special token from special_tokens_map.json: a string stays a string (its flags come from the added
    tokens, as in transformers), an object becomes an AddedToken."""
    return value if isinstance(value, str) else added_token_from_json(value, where=where)


def _refuse_remote_code(config_file: str | None) -> None:
    """trust_remote_code=True: fine when the folder has no code to run; an error when its tokenizer_config.json
    names a tokenizer class in the repository's own code (`auto_map`), which is never run here."""
    from .configuration_utils import load_json

    auto_map = load_json(config_file).get("auto_map") if config_file else None
    if auto_map:
        raise ValueError(
            f"{config_file}: auto_map names tokenizer code from the repository ({auto_map!r}); "
            "ferroformers never runs code from a repository, so it cannot load this tokenizer"
        )


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
