"""Chat templates: `apply_chat_template` renders a conversation (a list of `{"role": ..., "content": ...}`
messages) with the tokenizer's Jinja template, and optionally tokenizes it. The templates are saved with the
tokenizer (chat_template.jinja, additional_chat_templates/<name>.jinja, or the "chat_template" entry of
tokenizer_config.json) and loaded back by `from_pretrained`.

Mirrors transformers 5.24 (`tokenization_utils_base.apply_chat_template`, `utils/chat_template_utils.py`):
the same sandbox (jinja2's ImmutableSandboxedEnvironment with trim_blocks and lstrip_blocks, loop controls, a
`tojson` that does not escape HTML, `raise_exception`, `strftime_now`, a `namespace` that refuses names starting
with "_"), the same `{% generation %}` blocks behind `return_assistant_tokens_mask`, the same handling of
`add_generation_prompt` / `continue_final_message`, and the template sees only plain JSON values (anything else
becomes a "<TypeName>" placeholder). Where 4.x and 5.x differ, see docs/compatibility.md. Jinja2 is the optional
dependency `pip install 'ferroformers[chat]'`.
"""

from __future__ import annotations

import contextvars
import dataclasses
import functools
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .utils.io import atomic_write_text

if TYPE_CHECKING:
    from .tokenization_batch_encoding import BatchEncoding

CHAT_TEMPLATE_FILE = "chat_template.jinja"
CHAT_TEMPLATE_DIR = "additional_chat_templates"
# the names a message's reasoning goes by; templates read the first, gpt-oss templates "thinking"
_REASONING_FIELDS = ("reasoning_content", "thinking", "reasoning")
# appended to the message continued by `continue_final_message`, to find where it ends in the rendered text
_CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG "
# (rendered pieces so far, generation spans) while a render records `{% generation %}` blocks
_TRACKING: contextvars.ContextVar[tuple[list[str], list[tuple[int, int]]] | None] = contextvars.ContextVar(
    "ferroformers_chat_generation", default=None
)

ChatTemplate = str | dict[str, str]


# ---- the Jinja environment ------------------------------------------------------------------------------
def _jinja() -> Any:
    from .utils.import_utils import require

    jinja2 = require("jinja2", "apply_chat_template")
    version = tuple(int(p) for p in jinja2.__version__.split(".")[:3] if p.isdigit())
    if version < (
        3,
        1,
        6,
    ):  # older releases have known sandbox escapes, and templates from the hub are untrusted
        raise ImportError(
            f"apply_chat_template needs jinja2 >= 3.1.6 (its sandbox fixes), found {jinja2.__version__}: "
            "pip install -U 'ferroformers[chat]'"
        )
    return jinja2


@functools.lru_cache(maxsize=64)
def compile_template(source: str) -> Any:
    """The template compiled in transformers' sandboxed environment (cached per template text)."""
    _jinja()
    from jinja2 import nodes
    from jinja2.exceptions import SecurityError, TemplateError
    from jinja2.ext import Extension
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from jinja2.utils import Namespace

    class GenerationBlocks(Extension):
        """`{% generation %}...{% endgeneration %}`: renders its body and, while a render tracks them, records
        the body's character span in the output (what `return_assistant_tokens_mask` marks)."""

        tags = {"generation"}  # noqa: RUF012

        def parse(self, parser: Any) -> Any:
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return nodes.CallBlock(self.call_method("_record", []), [], [], body).set_lineno(lineno)

        def _record(self, caller: Callable[[], str]) -> str:
            text = caller()
            tracking = _TRACKING.get()
            if tracking is not None:
                pieces, spans = tracking
                start = sum(map(len, pieces))  # the output rendered so far ends here
                spans.append((start, start + len(text)))
            return text

    def raise_exception(message: str) -> None:
        raise TemplateError(message)

    def tojson(
        value: Any,
        ensure_ascii: bool = False,
        indent: int | None = None,
        separators: tuple[str, str] | None = None,
        sort_keys: bool = False,
    ) -> str:
        # jinja's own tojson escapes HTML characters, which a chat must keep as they are
        return json.dumps(
            value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
        )

    def strftime_now(format: str) -> str:
        return datetime.now().strftime(format)

    class TemplateDict:
        """`dict(...)` and `dict.fromkeys(...)`, with no attributes to reach Python internals through."""

        def __call__(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
            return dict(*args, **kwargs)

        def fromkeys(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
            return dict.fromkeys(*args, **kwargs)

    class TemplateNamespace(Namespace):
        """jinja's `namespace(...)`, refusing attribute names that start with "_"."""

        def __init__(*args: Any, **kwargs: Any) -> None:  # jinja's signature trick: `namespace(self=1)` works
            self, rest = args[0], args[1:]
            for name in dict(*rest, **kwargs):
                TemplateNamespace._check(name)
            Namespace.__init__(self, *rest, **kwargs)

        def __setitem__(self, name: str, value: Any) -> None:
            TemplateNamespace._check(name)
            Namespace.__setitem__(self, name, value)

        @staticmethod
        def _check(name: Any) -> None:
            if isinstance(name, str) and name.startswith("_"):
                raise SecurityError(
                    f"chat templates cannot set namespace attributes starting with '_', got {name!r}"
                )

    env = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[GenerationBlocks, "jinja2.ext.loopcontrols"]
    )
    env.filters["tojson"] = tojson
    env.globals.update(
        raise_exception=raise_exception,
        strftime_now=strftime_now,
        dict=TemplateDict(),
        namespace=TemplateNamespace,
    )
    return env.from_string(source)


@contextmanager
def _track_generation(pieces: list[str], spans: list[tuple[int, int]]) -> Iterator[None]:
    token = _TRACKING.set((pieces, spans))
    try:
        yield
    finally:
        _TRACKING.reset(token)


# ---- what the template sees -----------------------------------------------------------------------------
def _to_dicts(value: Any) -> Any:
    """Message objects (dataclasses, pydantic models such as the OpenAI SDK's) as dicts, recursively."""
    if isinstance(value, Mapping):
        return {k: _to_dicts(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_to_dicts(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_dicts(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if callable(getattr(value, "model_dump", None)):
        return _to_dicts(value.model_dump())
    return value


def _plain(value: Any) -> Any:
    """What the template may see: JSON scalars, lists, tuples and dicts of them; a str/int/float subclass as its
    base type; anything else as a "<TypeName>" placeholder (objects have methods the sandbox cannot vet)."""
    if value is None or type(value) in (str, int, float, bool):
        return value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    item = getattr(value, "item", None)
    if type(value).__module__ == "numpy" and callable(item):  # a numpy scalar (np.bool_(False) is falsy)
        return _plain(item())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if callable(getattr(value, "model_dump", None)):
        return _plain(value.model_dump())
    return f"<{type(value).__name__}>"


def _messages(conversation: Any, where: str) -> list[dict[str, Any]]:
    """A conversation as a list of message dicts, keys whose value is None dropped (templates handle a missing
    key, not a None one)."""
    messages = _to_dicts(getattr(conversation, "messages", conversation))
    if not isinstance(messages, (list, tuple)):
        raise TypeError(f"{where} must be a list of messages, got {type(messages).__name__}")
    out = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            raise TypeError(
                f"{where}[{i}] must be a message dict (or a dataclass / pydantic model), got {message!r}"
            )
        out.append({k: v for k, v in message.items() if v is not None})
    return out


def _alias_reasoning(chat: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for message in chat:
        reasoning = next((message[k] for k in _REASONING_FIELDS if message.get(k) is not None), None)
        if reasoning is not None:
            message = {"thinking": reasoning, **message, "reasoning_content": reasoning}
        out.append(message)
    return out


def _tool_schemas(tools: Sequence[Any] | None) -> list[dict[str, Any]] | None:
    if tools is None:
        return None
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise TypeError(
                f"tools[{i}] must be a JSON schema (a dict); ferroformers does not build schemas from "
                f"Python functions (transformers' get_json_schema), got {type(tool).__name__}"
            )
    return list(tools)


# ---- rendering ------------------------------------------------------------------------------------------
def render(
    template: str,
    conversations: Sequence[list[dict[str, Any]]],
    *,
    tools: Sequence[Any] | None = None,
    documents: Sequence[Any] | None = None,
    add_generation_prompt: bool = False,
    continue_final_message: bool | str = False,
    track_generation: bool = False,
    variables: Mapping[str, Any] | None = None,
) -> tuple[list[str], list[list[tuple[int, int]]]]:
    """Each conversation rendered, and (with `track_generation`) the character spans of its
    `{% generation %}` blocks."""
    compiled = compile_template(template)
    if documents is not None:
        for i, document in enumerate(documents):
            if not isinstance(document, dict):
                raise TypeError(f"documents[{i}] must be a dict (with 'title' and 'text'), got {document!r}")
    context = {
        "tools": _plain(_tool_schemas(tools)),
        "documents": _plain(documents),
        "add_generation_prompt": add_generation_prompt,
        **_plain(dict(variables or {})),
    }
    rendered, all_spans = [], []
    for conversation in conversations:
        chat = _alias_reasoning(_plain(conversation))  # a fresh copy: the caller's messages are never changed
        final = None
        if continue_final_message:
            final = _mark_final_message(chat, template, continue_final_message)
        spans: list[tuple[int, int]] = []
        if track_generation:
            pieces: list[str] = []
            with _track_generation(pieces, spans):
                for piece in compiled.generate(messages=chat, **context):
                    pieces.append(piece)
            text = "".join(pieces)
        else:
            text = compiled.render(messages=chat, **context)
        if final is not None:
            text = _cut_after_final_message(text, final)
        rendered.append(text)
        all_spans.append(spans)
    return rendered, all_spans


def _mark_final_message(chat: list[dict[str, Any]], template: str, continue_final_message: bool | str) -> str:
    """Tag the end of the last message's text (transformers 5.24 `render_jinja_template`); returns the text."""
    if not chat:
        raise ValueError("continue_final_message is set but the conversation is empty")
    field = continue_final_message if isinstance(continue_final_message, str) else "content"
    final = chat[-1].get(field)
    if final is None:
        raise ValueError(f"continue_final_message is set but the final message has no {field!r} to continue")
    fields = [field]
    if field in _REASONING_FIELDS:  # reasoning is copied under several names: tag each copy
        fields = [f for f in _REASONING_FIELDS if chat[-1].get(f) == final]
    if not any(f in template for f in fields):
        raise ValueError(f"continue_final_message is set to {field!r}, which the chat template never reads")
    if isinstance(final, (list, tuple)):
        for block in reversed(final):
            if isinstance(block, dict) and "text" in block:
                text: str = block["text"]
                block["text"] = text + _CONTINUE_TAG
                return text
        raise ValueError("continue_final_message is set but the final message has no text block to continue")
    for f in fields:
        chat[-1][f] = chat[-1][f] + _CONTINUE_TAG
    return str(final)


def _cut_after_final_message(rendered: str, final: str) -> str:
    tag = _CONTINUE_TAG.strip()
    if final.strip() not in rendered or tag not in rendered:
        raise ValueError(
            "continue_final_message is set but the final message does not appear in the rendered "
            f"chat (the template changes it); final message: {final.strip()!r}, rendered: {rendered!r}"
        )
    at = rendered.rindex(tag)
    if rendered[at : at + len(_CONTINUE_TAG)] == _CONTINUE_TAG:
        return rendered[:at]  # the template kept the spacing
    return rendered[:at].rstrip()  # it trimmed the message's trailing spaces: trim ours too


def assistant_masks(encodings: BatchEncoding, spans: list[list[tuple[int, int]]]) -> list[list[int]]:
    """1 on every token that overlaps a `{% generation %}` span (so a span cut by truncation keeps its remaining
    tokens), per row; from the fast tokenizer's offsets, as transformers 5.24 computes it."""
    rows = encodings.encodings
    if rows is None:
        raise ValueError(
            "return_assistant_tokens_mask needs character offsets, which only a fast tokenizer gives "
            "(load it with use_fast=True)"
        )
    masks = []
    for row, row_spans in zip(rows, spans, strict=True):
        mask = [0] * len(row)
        k = 0
        for i, (start, end) in enumerate(row.offsets):
            while k < len(row_spans) and start >= row_spans[k][1]:
                k += 1
            if k == len(row_spans):
                break
            if end > row_spans[k][0]:
                mask[i] = 1
        masks.append(mask)
    return masks


# ---- the tokenizer API ----------------------------------------------------------------------------------
class ChatTemplateMixin:
    """`apply_chat_template` and its helpers, for `PreTrainedTokenizerBase` (which gives `__call__`,
    `special_tokens_map` and `encode`)."""

    chat_template: ChatTemplate | None

    if TYPE_CHECKING:

        @property
        def special_tokens_map(self) -> dict[str, Any]: ...

        def __call__(self, *args: Any, **kwargs: Any) -> BatchEncoding: ...

    def get_chat_template(self, chat_template: str | None = None, tools: Sequence[Any] | None = None) -> str:
        """The template to render with: `chat_template` (a template, or the name of one of the tokenizer's
        templates), else the tokenizer's own ("tool_use" when tools are given and it has one, else "default")."""
        own = self.chat_template
        if isinstance(own, dict):
            if chat_template is not None and chat_template in own:
                return own[chat_template]
            if chat_template is None:
                if tools is not None and "tool_use" in own:
                    return own["tool_use"]
                if "default" in own:
                    return own["default"]
                raise ValueError(
                    "this tokenizer has several chat templates and none named 'default'; pass one "
                    f"of {sorted(own)} (or a template) as chat_template="
                )
        if chat_template is None:
            if not isinstance(own, str):
                raise ValueError(
                    "this tokenizer has no chat template (tokenizer.chat_template is None) and none "
                    "was passed as chat_template="
                )
            return own
        if not isinstance(chat_template, str):
            raise TypeError(f"chat_template must be a str, got {type(chat_template).__name__}")
        return chat_template

    def apply_chat_template(
        self,
        conversation: Any,
        tools: Sequence[Any] | None = None,
        documents: Sequence[Any] | None = None,
        chat_template: str | None = None,
        add_generation_prompt: bool = False,
        continue_final_message: bool | str = False,
        tokenize: bool = True,
        sanitize_control_tokens: bool = False,
        padding: bool | str = False,
        truncation: bool = False,
        max_length: int | None = None,
        return_tensors: str | None = None,
        return_dict: bool = True,
        return_assistant_tokens_mask: bool = False,
        tokenizer_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Any:
        """Render a conversation (or a batch of them: a list of conversations) with the chat template and, by
        default, tokenize it without adding special tokens (the template writes them).

        Returns the rendered text with `tokenize=False`; else a `BatchEncoding` (transformers 5's default
        `return_dict=True`; with `return_assistant_tokens_mask=True` it also holds "assistant_masks", 1 on the
        tokens a `{% generation %}` block produced) or, with `return_dict=False`, the ids. Keywords not listed
        here are template variables; `tokenizer_kwargs` go to the tokenizer call."""
        if sanitize_control_tokens:
            raise NotImplementedError(
                "sanitize_control_tokens=True (transformers 5) is not supported; check "
                "user messages for control tokens before rendering"
            )
        if not tokenize:
            return_dict = False
        if return_assistant_tokens_mask and not (tokenize and return_dict):
            raise ValueError("return_assistant_tokens_mask=True needs tokenize=True and return_dict=True")
        if continue_final_message and add_generation_prompt:
            raise ValueError(
                "continue_final_message and add_generation_prompt cannot both be set: the first "
                "continues the last message, the second starts a new assistant message"
            )
        if continue_final_message and return_assistant_tokens_mask:
            raise ValueError("continue_final_message cannot be combined with return_assistant_tokens_mask")
        template = self.get_chat_template(chat_template, tools)
        if isinstance(conversation, (list, tuple)) and not conversation:
            raise ValueError("cannot apply a chat template to an empty conversation")
        batched = isinstance(conversation, (list, tuple)) and (
            isinstance(conversation[0], (list, tuple)) or hasattr(conversation[0], "messages")
        )
        conversations = (
            [_messages(c, f"conversation[{i}]") for i, c in enumerate(conversation)]
            if batched
            else [_messages(conversation, "conversation")]
        )
        if return_assistant_tokens_mask and not re.search(r"\{%-?\s*generation\s*-?%\}", template):
            import logging

            logging.getLogger(__name__).warning(
                "return_assistant_tokens_mask=True but the chat template has no {% generation %} block"
            )
        rendered, spans = render(
            template,
            conversations,
            tools=tools,
            documents=documents,
            add_generation_prompt=add_generation_prompt,
            continue_final_message=continue_final_message,
            track_generation=return_assistant_tokens_mask,
            variables={**self.special_tokens_map, **kwargs},
        )
        text: str | list[str] = rendered if batched else rendered[0]
        if not tokenize:
            return text
        out = self(
            text,
            padding=padding,
            truncation=truncation,
            max_length=max_length,
            add_special_tokens=False,
            return_tensors=return_tensors,
            **(tokenizer_kwargs or {}),
        )
        if not return_dict:
            return out["input_ids"]
        if return_assistant_tokens_mask:
            masks = assistant_masks(out, spans)
            out["assistant_masks"] = masks if batched or return_tensors else masks[0]
            if return_tensors:
                out.convert_to_tensors(tensor_type=return_tensors)
        return out

    def encode_message_with_chat_template(
        self, message: dict[str, Any], conversation_history: list[dict[str, Any]] | None = None, **kwargs: Any
    ) -> list[int]:
        """The ids one message adds to a conversation: the chat with it, minus the ids of the chat before it
        (from the first id where the two differ)."""
        if "add_generation_prompt" in kwargs:
            raise ValueError(
                "encode_message_with_chat_template does not take add_generation_prompt; add the "
                "generation prompt separately"
            )
        options = dict(add_generation_prompt=False, tokenize=True, return_dict=False, **kwargs)
        if not conversation_history:
            ids: list[int] = self.apply_chat_template([message], **options)
            return ids
        full: list[int] = self.apply_chat_template([*conversation_history, message], **options)
        prefix: list[int] = self.apply_chat_template(list(conversation_history), **options)
        common = next(
            (i for i, (a, b) in enumerate(zip(prefix, full, strict=False)) if a != b),
            min(len(prefix), len(full)),
        )
        return full[common:]


# ---- files ----------------------------------------------------------------------------------------------
def check_chat_template(value: Any, where: str = "chat_template") -> ChatTemplate | None:
    """A template, a {name: template} dict, or transformers' saved list form [{"name": ..., "template": ...}]."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        named = {}
        for i, item in enumerate(value):
            if not (
                isinstance(item, dict)
                and isinstance(item.get("name"), str)
                and isinstance(item.get("template"), str)
            ):
                raise ValueError(
                    f"{where}[{i}] must be an object with a string 'name' and 'template', got {item!r}"
                )
            named[item["name"]] = item["template"]
        return named
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return dict(value)
    raise TypeError(
        f"{where} must be a Jinja template (str), a dict of named templates or a list of "
        f"{{'name', 'template'}} objects, got {type(value).__name__}"
    )


def _read_template(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not UTF-8 ({e.reason} at byte {e.start})") from None


def load_chat_templates(
    config: dict[str, Any], config_file: str | None, template_file: str | None, folder: str | None
) -> ChatTemplate | None:
    """The tokenizer's chat template(s), as transformers 5.24 finds them: the "chat_template" entry of
    tokenizer_config.json (popped from `config`), replaced by chat_template.jinja and the
    additional_chat_templates/*.jinja of a local folder when there are any."""
    saved = check_chat_template(config.pop("chat_template", None), where=f"{config_file}: chat_template")
    files: dict[str, str] = {}
    if template_file:
        files["default"] = _read_template(template_file)
    extra = os.path.join(folder, CHAT_TEMPLATE_DIR) if folder else None
    if extra and os.path.isdir(extra):
        for name in sorted(os.listdir(extra)):
            if name.endswith(".jinja"):
                files[name.removesuffix(".jinja")] = _read_template(os.path.join(extra, name))
    if not files:
        return saved
    return files["default"] if list(files) == ["default"] else files


def save_chat_templates(
    template: ChatTemplate | None, config: dict[str, Any], directory: str, prefix: str, save_jinja_files: bool
) -> list[str]:
    """Write the template(s) as transformers 5.24 does: chat_template.jinja (the default template) and
    additional_chat_templates/<name>.jinja, or with `save_jinja_files=False` into `config` (tokenizer_config.json,
    the 4.46 layout: a string, or a list of {"name", "template"} objects). Returns the files written."""
    config.pop("chat_template", None)
    if template is None:
        return []
    if not save_jinja_files:
        config["chat_template"] = (
            template
            if isinstance(template, str)
            else [{"name": k, "template": v} for k, v in template.items()]
        )
        return []
    written = []
    named = {"default": template} if isinstance(template, str) else template
    for name, text in named.items():
        if name == "default":
            path = os.path.join(directory, prefix + CHAT_TEMPLATE_FILE)
        else:
            if not name or os.sep in name or (os.altsep and os.altsep in name) or name in (".", ".."):
                raise ValueError(f"chat template name {name!r} cannot be a file name")
            path = os.path.join(directory, prefix + CHAT_TEMPLATE_DIR, f"{name}.jinja")
        atomic_write_text(path, text)
        written.append(path)
    return written
