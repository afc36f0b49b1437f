"""The index's manifest, ``huiyi.json``: where an index is, what it was built from and with, and
whether this huiyi can use it.

Apart from :mod:`indexer.build` because a search reads the manifest too, and need not load the
builder (the record parser, the importers, the segment writer) to do so.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from corpus.errors import IndexDamagedError, IndexNotFoundError

from .analysis import ANALYZER_VERSION
from .dictionary import add_user_dictionary
from .schema import SCHEMA_VERSION

MANIFEST = "huiyi.json"
INDEX_ENV = "HUIYI_INDEX"
DEFAULT_INDEX = ".huiyi"


def default_index_dir() -> Path:
    """``$HUIYI_INDEX`` if set, else ``.huiyi`` in the current folder."""
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


def read_manifest(index_dir: Path) -> dict:
    """The index's manifest; IndexNotFoundError where there is none, IndexDamagedError where it
    cannot be read as one (it had been "no huiyi index" too, and --rebuild had stopped on it)."""
    path = Path(index_dir) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError) as error:
        raise IndexNotFoundError(
            f"no huiyi index at {index_dir} (build one with: huiyi index PATH --index {index_dir})"
        ) from error
    except OSError as error:  # a healthy index this user may not read: not "damaged"
        raise IndexNotFoundError(f"cannot read the index at {index_dir}: {error.strerror or error}") from error
    except ValueError as error:
        raise _damaged_manifest(index_dir, f"not UTF-8: {error}") from error
    try:
        manifest = json.loads(text)
    except ValueError as error:
        raise _damaged_manifest(index_dir, f"not JSON: {error}") from error
    if not isinstance(manifest, dict) or "schema_version" not in manifest:
        raise _damaged_manifest(index_dir, "not a manifest of huiyi's")
    return manifest


def _damaged_manifest(index_dir: Path, why: str) -> IndexDamagedError:
    return IndexDamagedError(f"the index at {index_dir} is damaged: its {MANIFEST} cannot be read ({why}); "
                             f"rebuild it with: huiyi index PATH … --rebuild --index {index_dir}")


def use_user_dictionaries(manifest: dict, rebuild: bool = False) -> list[str]:
    """Load the extra jieba dictionaries an index was built with (see ``--user-dict``).

    One that is gone stops an update or a search (text would be segmented otherwise than the
    index's); a rebuild goes on without it. Returns those left out."""
    gone = []
    for path in manifest.get("analyzer", {}).get("user_dictionaries", []):
        if Path(path).is_file():
            add_user_dictionary(path)
        elif rebuild:
            gone.append(path)
        else:
            raise IndexNotFoundError(f"the index was built with the jieba dictionary {path}, which is gone; "
                                     "put it back or rebuild with --rebuild")
    return gone


def compatible(manifest: dict) -> bool:
    built = (manifest.get("schema_version"), manifest.get("analyzer", {}).get("analyzer_version"))
    return built == (SCHEMA_VERSION, ANALYZER_VERSION)
