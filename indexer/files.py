"""Files huiyi writes outside Whoosh: the index's manifest, and the cache folder's tables and
tries. Each is written whole or not at all: to a temporary file, then renamed over the old one,
so a reader (another process, or a build killed midway) finds the old file or the new one."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

KEPT_CACHE_FILES = 6  # of each kind, the newest (see prune_cache_files)


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically; raises OSError (and leaves no temporary file)."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "huiyi"


def writable_folder(folder: Path) -> bool:
    """Make ``folder`` if need be; False where files cannot be written there."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


def write_cache_file(path: Path, data: bytes) -> bool:
    """Write a cache file atomically, then drop the oldest of its kind (its name up to the
    first ``-``) beyond ``KEPT_CACHE_FILES``; False where it cannot be written: a cache is only
    ever a saving."""
    if not writable_folder(path.parent):
        return False
    try:
        replace_file(path, data)
    except OSError:
        return False
    prune_cache_files(path.parent, f"{path.name.split('-', 1)[0]}-*{path.suffix}")
    return True


def prune_cache_files(folder: Path, pattern: str, keep: int = KEPT_CACHE_FILES) -> None:
    """Delete all but the ``keep`` newest files matching ``pattern``. A new one is made for every
    jieba or OpenCC install and every edit of a word list (a trie is 3 MB), and nothing else
    removes them; one pruned while still in use is made again, once."""
    found = []
    for path in folder.glob(pattern):
        try:
            found.append((path.stat().st_mtime_ns, path))
        except OSError:  # another process pruned it meanwhile
            continue
    for _written, path in sorted(found, reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            path.unlink()
