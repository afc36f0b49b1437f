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


def load_config() -> Config:
    path = Path(os.environ[CONFIG_ENV]) if os.environ.get(CONFIG_ENV) else Path(CONFIG_NAME)
    if not path.is_file():
        if os.environ.get(CONFIG_ENV):
            raise ConfigError(f"{path}: no such config file (from ${CONFIG_ENV})")
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        line = re.search(r"line (\d+)", str(error))
        raise ConfigError(f"{path}:{line.group(1) if line else 1}: {error}") from None
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
