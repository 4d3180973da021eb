"""Where `from_pretrained` finds its files: one resolution module for the whole package.

A name is either a local folder (used as it is) or a Hugging Face hub id such as
`distilbert/distilbert-base-uncased`, resolved through `huggingface_hub` with its cache layout, its offline mode
(`HF_HUB_OFFLINE=1` or `local_files_only=True`) and its errors, which are turned into one
`ResourceNotFoundError` (a `FileNotFoundError`) naming the id, the file looked for and why it was not found.
A few names also have files bundled in the wheel (see `bundled_folder`), used when the hub and its cache have
nothing better.
"""

from __future__ import annotations

import os
import warnings
from importlib import resources
from typing import Any

# the keyword arguments of every `from_pretrained` that say where and how to fetch files (`cached_file`'s)
HUB_KWARGS = ("cache_dir", "revision", "local_files_only", "token", "subfolder", "force_download")

# hub ids whose files ship inside the wheel (python/ferroformers/bundled/<folder>), see bundled/NOTICE
_BUNDLED = {
    "bert-base-uncased": "bert-base-uncased",
    "google-bert/bert-base-uncased": "bert-base-uncased",
    "distilbert-base-uncased": "bert-base-uncased",
    "distilbert/distilbert-base-uncased": "bert-base-uncased",
}


class ResourceNotFoundError(FileNotFoundError):
    """A file that `from_pretrained` needs could not be found locally, in the hub cache or on the hub."""


def token_or_use_auth_token(token: bool | str | None, use_auth_token: bool | str | None) -> bool | str | None:
    """transformers 4.x `use_auth_token`, the deprecated name of `token` (removed in 5): a FutureWarning, and an
    error when both are given."""
    if use_auth_token is None:
        return token
    warnings.warn(
        "use_auth_token is deprecated (transformers 4.x; removed in 5): pass token= instead",
        FutureWarning,
        stacklevel=3,
    )
    if token is not None:
        raise ValueError("token and use_auth_token are both given; pass only token=")
    return use_auth_token


def hub_offline(local_files_only: bool = False) -> bool:
    """True when downloads are off: `local_files_only=True` or HF_HUB_OFFLINE set (read at call time)."""
    if local_files_only:
        return True
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def bundled_folder(name: str | os.PathLike[str]) -> str | None:
    """The folder inside the installed package that holds files for `name`, if the wheel bundles it."""
    folder = _BUNDLED.get(os.fspath(name))
    if folder is None:
        return None
    path = resources.files("ferroformers") / "bundled" / folder
    return str(path) if path.is_dir() else None


def is_local(name: str | os.PathLike[str]) -> bool:
    return os.path.isdir(name)


def cached_file(
    path_or_repo_id: str | os.PathLike[str],
    filename: str,
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    revision: str | None = None,
    local_files_only: bool = False,
    token: bool | str | None = None,
    subfolder: str = "",
    force_download: bool = False,
    required: bool = True,
) -> str | None:
    """Return a local path to `filename` of `path_or_repo_id` (a folder or a hub id).

    With `required=False` a file that does not exist (in the folder, or in the hub repository) gives None;
    every other failure (no such repository, offline and not cached, network down) raises ResourceNotFoundError.
    """
    name = os.fspath(path_or_repo_id)
    if os.path.isdir(name):
        path = os.path.join(name, subfolder, filename)
        if os.path.isfile(path):
            return path
        if required:
            raise ResourceNotFoundError(
                f"{name!r} is a local folder but has no {os.path.join(subfolder, filename)}"
            )
        return None
    if os.path.isfile(name):
        raise ResourceNotFoundError(
            f"{name!r} is a file; pass the folder that holds {filename} (or a hub id such as 'org/model')"
        )
    return _hub_download(
        name,
        filename,
        cache_dir=cache_dir,
        revision=revision,
        local_files_only=local_files_only,
        token=token,
        subfolder=subfolder,
        force_download=force_download,
        required=required,
    )


def _hub_download(
    repo_id: str, filename: str, *, required: bool, local_files_only: bool, **kwargs: Any
) -> str | None:
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        HFValidationError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    offline = hub_offline(local_files_only)
    where = f"{repo_id}/{filename}" + (
        f" at revision {kwargs['revision']!r}" if kwargs.get("revision") else ""
    )
    try:
        return str(
            hf_hub_download(
                repo_id,
                filename,
                local_files_only=offline,
                library_name="ferroformers",
                **{k: v for k, v in kwargs.items() if v not in (None, "")},
            )
        )
    except HFValidationError as e:
        raise ResourceNotFoundError(
            f"{repo_id!r} is neither a local folder nor a valid hub id ('org/name'): {e}"
        ) from None
    except GatedRepoError as e:
        raise ResourceNotFoundError(
            f"{where}: the repository is gated; log in or pass token= ({e})"
        ) from None
    except RepositoryNotFoundError:
        raise ResourceNotFoundError(
            f"{repo_id!r} is not a local folder and no hub repository of that name exists "
            "(or it is private: log in or pass token=)"
        ) from None
    except RevisionNotFoundError:
        raise ResourceNotFoundError(f"{where}: no such revision in {repo_id!r}") from None
    except LocalEntryNotFoundError:
        # must come before EntryNotFoundError, of which it is a subclass
        cache = kwargs.get("cache_dir") or "the hub cache"
        if offline:
            why = (
                "downloads are off (HF_HUB_OFFLINE=1)"
                if not local_files_only
                else "downloads are off (local_files_only=True)"
            )
        else:
            why = "the hub could not be reached"
        if not required and offline:
            # an optional file the cache never saw: treat as absent rather than failing the whole load
            return None
        raise ResourceNotFoundError(f"{where} is not in {cache} and {why}") from None
    except EntryNotFoundError:
        if required:
            raise ResourceNotFoundError(f"{where}: the repository has no such file") from None
        return None
