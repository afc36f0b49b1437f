"""Finding record files and turning their bytes into text.

Archives hold records typed over decades: UTF-8 with and without BOM, UTF-16 from Windows
tools, GB18030/GBK and Big5 from older Chinese systems. The encoding used is reported so a
researcher can see when a guess was made.
"""

from __future__ import annotations

import codecs
import os
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import SourceError
from .model import ParseResult, Problem
from .parser import parse_text
from .text import is_han

RECORD_SUFFIXES = (".txt", ".md")
LEGACY_ENCODINGS = ("gb18030", "big5")
LEGACY_SAMPLE_BYTES = 1 << 16  # of the lines beyond ASCII, what tells GB18030 from Big5
TEXT_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)  # byte order marks that say the encoding
NOT_TEXT = "binary file (contains NUL bytes): not text"


def path_text(path: str | os.PathLike) -> str:
    """A path as text that can go anywhere (an index term, JSON, a terminal). A file name that
    is not UTF-8 (from an old GBK or Latin-1 system) comes from the OS with its bytes escaped as
    lone surrogates, which nothing can encode; they are written ``\\xe9`` instead, the same at
    every run, so such a file is indexed under a stable name."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(text).decode("utf-8", "backslashreplace")
    return text


@dataclass(frozen=True)
class RecordFile:
    """A record file and the name it is known by: its path under the corpus root, no suffix
    (or ``name``, given where two roots hold files of the same path). ``unreadable``: why a
    file or folder found could not be read (it is reported, not skipped in silence)."""

    path: Path
    root: Path
    name: str = ""
    unreadable: str = ""

    @property
    def meeting_id(self) -> str:
        if self.name:
            return self.name
        relative = self.path.relative_to(self.root) if self.root != self.path else Path(self.path.name)
        return path_text(relative.with_suffix("").as_posix())

    @property
    def display(self) -> str:
        return path_text(self.path)


def iter_record_files(paths: Iterable[str | os.PathLike] | str | os.PathLike) -> Iterator[RecordFile]:
    """Each ``.txt``/``.md`` file under the given paths, in a stable (sorted) order, and each
    folder under them that cannot be read (as an unreadable RecordFile). One path alone may be
    given as such (its characters had been taken for paths, and "/" walked the whole disk)."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found, unreadable = _walk(path)
            records = [file for file in found if file.suffix.lower() in RECORD_SUFFIXES
                       and file.name.lower() != "readme.md" and file.is_file()]
            if not records:
                if unreadable and unreadable[0][0] == path:
                    raise SourceError(f"{path_text(path)}: {unreadable[0][1]}")
                raise SourceError(f"{path_text(path)}: no .txt or .md records in this folder")
            for folder, why in unreadable:
                yield RecordFile(folder, path, unreadable=f"{why}: the records in this folder are not read")
            for file in records:
                yield RecordFile(file, path)
        elif path.is_file():
            yield RecordFile(path, path.parent)
        else:
            raise SourceError(f"{path_text(path)}: no such file or folder")


def _walk(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The files under ``root`` (sorted), and the folders that could not be listed, with why.
    Folders reached by a symbolic link are read too, each folder once (a link back up is no
    loop), and by its own path where it has one under ``root``: the folders there are walked
    first, then the links, in sorted order, so a meeting's id does not depend on the order the
    disk lists a folder in. Hidden files and folders (``.git``) are left out."""
    files: list[Path] = []
    errors: list[OSError] = []
    seen: set[str] = set()
    tops = [str(root)]
    while tops:
        links = []
        for top in tops:
            for folder, folders, names in os.walk(top, onerror=errors.append):
                real = os.path.realpath(folder)
                if real in seen:
                    folders[:] = []
                    continue
                seen.add(real)
                folders[:] = sorted(name for name in folders if not name.startswith("."))
                links += (os.path.join(folder, name) for name in folders if os.path.islink(os.path.join(folder, name)))
                files += (Path(folder, name) for name in names if not name.startswith("."))
        tops = sorted(links)
    return sorted(files), sorted((Path(error.filename), reason(error)) for error in errors)


def decode(data: bytes) -> tuple[str, str]:
    """Decode a record's bytes; returns (text, encoding name). Raises SourceError."""
    if b"\x00" not in data and not data.startswith(TEXT_BOMS):
        try:  # most records: decoded once
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    encoding = text_encoding(data)
    if encoding in ("utf-8-sig", "utf-16"):  # a BOM says so: a bad byte in it is replaced, not fatal
        return data.decode(encoding, errors="replace").lstrip("\ufeff"), encoding
    return data.decode(encoding), encoding


def text_encoding(data: bytes, whole: bool = True) -> str:
    """The encoding of text ``data``: UTF-8 (with or without BOM), UTF-16 (BOM, or NULs in every
    other byte), else GB18030 or Big5 as charset-normalizer guesses (checked strictly).
    ``whole=False``: ``data`` is only the start of a file (it may end within a character).
    Raises SourceError."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in data:
        for encoding, zeros in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
            if zeros.count(0) >= len(zeros) * 0.3 and decodes(data, encoding, whole):
                return encoding
        raise SourceError(NOT_TEXT)
    if decodes(data, "utf-8", whole):
        return "utf-8"
    if not whole and b"\n" in data:  # whole characters only: no GB18030 or Big5 character holds a line break
        data, whole = data[: data.rindex(b"\n") + 1], True
    readable = [encoding for encoding in LEGACY_ENCODINGS if decodes(data, encoding, whole)]
    if not readable:
        raise SourceError("cannot decode: not UTF-8, UTF-16, GB18030 or Big5 text")
    lines, sampled = [], 0
    for line in data.splitlines():  # the first 64 KB of lines beyond ASCII tell: judging a character is slow
        if not line.isascii() and sampled < LEGACY_SAMPLE_BYTES:
            lines.append(line)
            sampled += len(line)
    return codecs.lookup(likelier_legacy(lines, readable)).name


def likelier_legacy(lines: list[bytes], encodings: Iterable[str]) -> str:
    """Of legacy encodings that can all read ``lines`` (those beyond ASCII), the one they are
    likelier written in: the one that makes the fewest odd characters of them (an English text
    saved as GBK has “quotes” and – dashes, which Big5 reads as ※ and §; Big5's punctuation
    read as GB18030 is private-use characters); if alike, charset-normalizer's choice when it is
    shown three lines or more (on fewer it mostly calls GB18030 Big5); else the first."""
    encodings = list(encodings)
    if len(encodings) > 1:
        odd = {encoding: sum(map(_odd_characters, (line.decode(encoding, "replace") for line in lines)))
               for encoding in encodings}
        encodings = [encoding for encoding in encodings if odd[encoding] == min(odd.values())]
    if len(encodings) > 1 and len(lines) >= 3:
        from charset_normalizer import from_bytes

        best = from_bytes(b"\n".join(lines), cp_isolation=list(LEGACY_ENCODINGS)).best()
        chosen = codecs.lookup(best.encoding).name if best is not None else None
        for encoding in encodings:  # its Big5 is Windows' cp950 where that is a candidate
            if codecs.lookup(encoding).name == chosen or (chosen == "big5" and encoding == "cp950"):
                return encoding
    return encodings[0]


# Characters beyond ASCII that Chinese and English text is made of, besides letters and Han
_COMMON_MARKS = frozenset("“”‘’–—…·、。，；：？！《》〈〉「」『』（）【】〔〕　￥°×")


def _odd_characters(text: str) -> int:
    """Characters that text in the right encoding seldom has: symbols, private use, unassigned
    code points, bopomofo, replacement characters."""
    odd = 0
    for ch in text:
        if ch.isascii() or ch in _COMMON_MARKS or is_han(ch) or "\uff01" <= ch <= "\uff5e":
            continue
        if unicodedata.category(ch)[0] == "L" and not "\u3100" <= ch <= "\u31bf":  # letters but bopomofo
            continue
        odd += 1
    return odd


def decodes(data: bytes, encoding: str, whole: bool = True) -> bool:
    """Whether ``data`` is text in ``encoding`` (``whole=False``: the start of such a text)."""
    try:
        codecs.getincrementaldecoder(encoding)().decode(data, final=whole)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def reason(error: Exception) -> str:
    """Why a file could not be read, in a few words."""
    if isinstance(error, EOFError):
        return "the file is cut short (an incomplete download?)"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__


def read_record(record_file: RecordFile) -> ParseResult:
    """Read and parse one file; every failure becomes a problem, nothing raises."""
    source = record_file.display
    if record_file.unreadable:
        return ParseResult(source, None, (Problem(source, 1, record_file.unreadable, "error"),))
    try:
        data = record_file.path.read_bytes()
        text, encoding = decode(data)
    except (OSError, SourceError) as error:
        return ParseResult(source, None, (Problem(source, 1, reason(error), "error"),))
    result = parse_text(text, source, record_file.meeting_id, encoding)
    if encoding not in ("utf-8", "utf-8-sig") and result.meeting is not None:
        note = Problem(source, 1, f"decoded as {encoding}", "info")
        return ParseResult(source, result.meeting, (note,) + result.problems)
    return result


def read_records(paths: Iterable[str | os.PathLike] | str | os.PathLike) -> Iterator[ParseResult]:
    """Read and parse every record under ``paths`` (one path, or several)."""
    for record_file in iter_record_files(paths):
        yield read_record(record_file)
