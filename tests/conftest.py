"""Shared fixtures: real indexes built with real jieba in temporary folders."""

import os
import tempfile
from pathlib import Path

import pytest

from indexer.build import build_index

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "corpus" / "samples"
SEEDS = REPO.parent / "shared" / "seeds"


def pytest_configure(config):
    """huiyi's cache (jieba's dictionary trie) in a fresh folder: the suite makes its own and
    never reads one a user's huiyi left behind; subprocesses inherit it."""
    os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="huiyi-test-cache-")


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/* from the current output")


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory) -> Path:
    """The bundled samples plus the real seed record, indexed once per test session."""
    folder = tmp_path_factory.mktemp("sample-index") / "index"
    build_index([SAMPLES, SEEDS], folder)
    return folder


def write_records(folder: Path, records: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in records.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder
