"""A glossary of equivalent terms across languages and spellings, from a TOML file.

    合作化 = ["cooperativization", "co-operativization", "合作化运动"]

With expansion on, a query term (or phrase) that is any form of an entry is searched as all of
its forms. Forms are compared folded (Traditional→Simplified, full-width, case, spacing).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from corpus.errors import UsageError
from indexer.analysis import fold

from .config import read_toml
from .query import And, Node, Not, Or, Phrase, Term


class GlossaryError(UsageError):
    pass


def starter_glossary_path() -> Path:
    return Path(str(resources.files("search") / "data" / "glossary.toml"))


def _key(form: str) -> str:
    return " ".join(fold(form).lower().split())


@dataclass(frozen=True)
class Glossary:
    path: str
    groups: tuple[tuple[str, ...], ...]  # each entry: the term, then its equivalents

    @classmethod
    def load(cls, path: str | Path) -> Glossary:
        """Read a TOML glossary; a syntax error is reported as ``file:line: message``."""
        path = Path(path)
        data = read_toml(path, GlossaryError, "glossary")
        groups = []
        for term, forms in data.items():
            if not isinstance(forms, list) or not all(isinstance(form, str) for form in forms):
                raise GlossaryError(f"{path}: entry {term!r} must be a list of terms, like {term} = [\"…\", \"…\"]")
            if not term.strip() or not all(form.strip() for form in forms):  # had said "must be a list of terms"
                raise GlossaryError(f"{path}: entry {term!r} has an empty term (\"\"); remove it")
            groups.append(tuple(dict.fromkeys([term, *forms])))
        return cls(str(path), tuple(groups))

    def forms_of(self, text: str) -> tuple[str, ...]:
        """Every form equivalent to ``text`` (itself first), or just ``(text,)``."""
        key = _key(text)
        found = [text]
        for group in self.groups:
            if any(_key(form) == key for form in group):
                found += [form for form in group if _key(form) != key]
        return tuple(dict.fromkeys(found))

    def expand(self, node: Node) -> tuple[Node, list[str]]:
        """The query with each glossary term OR-ed with its equivalents; and the terms that had
        no entry (so a user can be told)."""
        unknown: list[str] = []

        def visit(item: Node) -> Node:
            if isinstance(item, (And, Or)):
                return type(item)(tuple(visit(child) for child in item.items))
            if isinstance(item, Not):
                return Not(visit(item.item))
            if isinstance(item, (Term, Phrase)) and item.field in ("", "quote"):
                if isinstance(item, Term) and (item.prefix or item.fuzzy):
                    return item
                forms = self.forms_of(item.text)
                if len(forms) == 1:
                    unknown.append(item.text)
                    return item
                alternatives = [item] + [_node(form, item.field) for form in forms[1:]]
                return Or(tuple(alternatives))
            return item

        return visit(node), unknown


def _node(form: str, field: str) -> Node:
    return Phrase(form, field) if len(form.split()) > 1 or "-" in form else Term(form, field)
