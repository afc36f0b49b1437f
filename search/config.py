"""Settings a user keeps between runs: ``huiyi.toml`` in the current folder, or ``$HUIYI_CONFIG``.

    expand = true                    # search every query with its glossary equivalents
    glossary = "my-glossary.toml"    # instead of the starter glossary (relative to this file)
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from corpus.errors import UsageError

CONFIG_ENV = "HUIYI_CONFIG"
CONFIG_NAME = "huiyi.toml"


class ConfigError(UsageError):
    pass


@dataclass(frozen=True)
class Config:
    expand: bool = False
    glossary: str | None = None
    path: str | None = None


def read_toml(path: Path, error: type[UsageError], what: str) -> dict:
    """A settings or glossary file's TOML; every way it can fail is ``error`` with ``file:line``.
    A byte order mark (Notepad writes one) is skipped: it had been "Invalid statement" at 1:1, and
    a file that is not UTF-8 a UnicodeDecodeError traceback."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as failure:
        raise error(f"{path}: cannot read the {what}: {failure.strerror or failure}") from None
    except UnicodeDecodeError:
        raise error(f"{path}: the {what} is not UTF-8 text; save it as UTF-8") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as failure:
        line = re.search(r"line (\d+)", str(failure))
        raise error(f"{path}:{line.group(1) if line else 1}: {failure}") from None


def load_config() -> Config:
    path = Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else Path(CONFIG_NAME)
    if not path.is_file():
        if os.environ.get(CONFIG_ENV):
            raise ConfigError(f"{path}: no such config file (from ${CONFIG_ENV})")
        return Config()
    data = read_toml(path, ConfigError, "config file")
    unknown = sorted(set(data) - {"expand", "glossary"})
    if unknown:
        raise ConfigError(f"{path}: unknown setting {unknown[0]!r} (settings: expand, glossary)")
    if not isinstance(data.get("expand", False), bool):
        raise ConfigError(f"{path}: expand must be true or false")
    glossary = data.get("glossary")
    if glossary is not None:
        if not (isinstance(glossary, str) and glossary.strip()):
            raise ConfigError(f"{path}: glossary must be the path of a glossary file, in quotes")
        glossary = str((path.parent / glossary).resolve())
    return Config(expand=data.get("expand", False), glossary=glossary, path=str(path))
