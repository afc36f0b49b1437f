"""The one entry point for scripts: ``Engine.open(path).search("合作化")``."""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from heapq import heappush, heapreplace, nlargest
from itertools import chain, compress
from pathlib import Path
from typing import Self

from whoosh.collectors import TopCollector
from whoosh.searching import Searcher

from corpus.errors import HuiyiError, IndexNotFoundError, QuerySyntaxError, UsageError
from corpus.version import VERSION
from indexer.analysis import ANALYZER_VERSION
from indexer.dictionary import reload_if_word_lists_changed, word_lists_digest
from indexer.lexicon import distinct_terms
from indexer.manifest import compatible, default_index_dir, read_manifest, use_user_dictionaries
from indexer.schema import SCHEMA_VERSION
from indexer.storage import open_checked

from .compile import DEFAULT_RANKING, Mark, Ranking, compile_query
from .config import load_config
from .excerpts import find_matches, make_excerpt
from .fastpath import CachedLengthBM25F, ScoredIdsMatcher
from .glossary import Glossary, starter_glossary_path
from .kwic import SORTS as KWIC_SORTS
from .kwic import KwicLine, kwic_lines, sort_lines
from .query import Node, describe, only_filters, parse_query
from .results import Hit, IndexStats, MeetingInfo, MeetingView, PassageView, Results
from .suggest import suggestions
from .trend import Trend

SORTS = ("relevance", "date", "-date")
MIN_WIDTH = 20  # the shortest excerpt: a match and a few characters of context
FACETS = {"year": "year_key", "type": "type_key", "speaker": "speaker_key", "kind": "kind"}
GROUP_EXTRA = 3  # passages shown under a meeting's best one with group="meeting"


class _CountingTopCollector(TopCollector):
    """The top N by score, and the set of every match in the same pass.

    Whoosh's own TopCollector skips blocks, and swaps in matchers, that cannot reach the top N,
    so exact totals cost a second, unscored run of the query; visiting every match once (no
    block skipping, no matcher replacement) is cheaper for our queries and counts exactly.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(limit=limit, usequality=False, replace=0)

    def _collect(self, global_docnum, score):
        self.docset.add(global_docnum)
        return super()._collect(global_docnum, score)

    def collect_matches(self) -> None:
        """A segment's matches listed with their scores (``search.fastpath``) are taken at once:
        the same count and top N as one at a time. The heap holds the N greatest (score,
        −docnum) pairs: taken in increasing docnum order, "score above the least" keeps exactly
        those, and so does "pair above the least" in any order."""
        matcher = self.matcher
        if type(matcher) is not ScoredIdsMatcher or self.final_fn:
            super().collect_matches()
            return
        start, offset = matcher._i, self.offset
        ids, scores = matcher._ids[start:], matcher._scores[start:]
        self.docset.update([offset + docnum for docnum in ids])
        self.total += len(ids)
        items, limit = self.items, self.limit
        for item in nlargest(limit, zip(scores, [-offset - docnum for docnum in ids])):
            if len(items) < limit:
                heappush(items, item)
            elif item > items[0]:
                heapreplace(items, item)
                self.minscore = items[0][0]

    def results(self):
        results = super().results()
        results.docset = self.docset
        return results


def column_values(reader, column: str):
    """Every document's value of ``column`` in docnum order, a segment at a time: a segment
    without the column gives its default for each document, where Whoosh's index-wide reader
    leaves the segment out of its iteration and shifts every value after it."""
    return chain.from_iterable(leaf.column_reader(column) for leaf, _base in reader.leaf_readers())


WORD_LISTS_CHANGED = ("the jieba word lists changed since this index was built: Chinese words may rank "
                      "differently (matches are unaffected) until `huiyi index` rebuilds it")


class EngineClosedError(HuiyiError):
    """An Engine used after ``close()`` (or after its ``with`` block)."""


class _Closed:
    """Stands for the searcher and index of a closed Engine."""

    def __init__(self, index_dir: Path) -> None:
        self._index_dir = index_dir

    def __getattr__(self, name: str):
        raise EngineClosedError(f"the Engine of {self._index_dir} is closed; open it again with Engine.open")


class Engine:
    """An open index. Thread-compatible, not thread-safe: one Engine per thread or process."""

    def __init__(self, index_dir: Path, ix, reader, manifest: dict, ranking: Ranking = DEFAULT_RANKING,
                 glossary: str | os.PathLike | None = None) -> None:
        self.index_dir = index_dir
        self.manifest = manifest
        self.ranking = ranking
        self.config = load_config()
        self._glossary_path = glossary or self.config.glossary or starter_glossary_path()
        self._glossary: Glossary | None = None
        self._ix = ix
        self._searcher = Searcher(reader, fromindex=ix, weighting=CachedLengthBM25F(B=ranking.b, K1=ranking.k1))
        self._meeting_list: list[str] | None = None
        # segmenting queries with other words than the passages were (see build_index, which rebuilds)
        built_with = manifest.get("analyzer", {}).get("word_lists_digest")
        self.word_lists_changed = built_with is not None and built_with != word_lists_digest()
        self._date_bounds: tuple[dt.date, dt.date] | None = None

    @classmethod
    def open(cls, index_dir: str | os.PathLike | None = None, ranking: Ranking = DEFAULT_RANKING,
             glossary: str | os.PathLike | None = None) -> Engine:
        """Open an index (default: ``$HUIYI_INDEX`` or ``.huiyi``); raises IndexNotFoundError.

        ``glossary`` is the TOML file used when a search expands (default: the ``glossary`` of
        ``huiyi.toml``, else the starter glossary shipped with huiyi)."""
        index_dir = Path(index_dir) if index_dir else default_index_dir()
        manifest = read_manifest(index_dir)
        if not compatible(manifest):
            built = (manifest.get("schema_version"), manifest.get("analyzer", {}).get("analyzer_version"))
            raise IndexNotFoundError(
                f"the index at {index_dir} has schema/analyzer version {built[0]}/{built[1]} and this huiyi "
                f"reads {SCHEMA_VERSION}/{ANALYZER_VERSION}; rebuild it with: huiyi index --rebuild --index {index_dir}"
            )
        use_user_dictionaries(manifest)
        reload_if_word_lists_changed()
        return cls(index_dir, *open_checked(index_dir), manifest, ranking, glossary)

    def close(self) -> None:
        """Close the index; closing again does nothing, and any other use raises EngineClosedError
        (Whoosh's ReaderClosed had come out with an empty message)."""
        if isinstance(self._searcher, _Closed):
            return
        self._searcher.close()
        self._ix.close()
        self._searcher = self._ix = _Closed(self.index_dir)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def glossary(self) -> Glossary:
        if self._glossary is None:
            self._glossary = Glossary.load(self._glossary_path)
        return self._glossary

    def _parse(self, query: str, expand: bool | None) -> tuple[Node, list[str], bool]:
        """Parse, and with expansion (default: ``expand`` of huiyi.toml) add glossary forms.

        Returns the query tree, notes for the user, and whether it was expanded."""
        node = parse_query(query)
        if expand if expand is not None else self.config.expand:
            node, unknown = self.glossary.expand(node)
            return node, [f"glossary: no entry for {term!r} in {self.glossary.path}" for term in unknown], True
        return node, [], False

    @property
    def doc_count(self) -> int:
        return self._searcher.doc_count()

    def stats(self) -> IndexStats:
        """Counts and settings of the index, for ``huiyi stats``."""
        reader = self._searcher.reader()
        every = range(reader.doc_count_all())
        alive = [not reader.is_deleted(docnum) for docnum in every] if reader.has_deletions() else None

        def live(column: str):
            """The column's values of the passages not deleted, read in order (a lookup per
            passage took twice as long)."""
            values = column_values(reader, column)
            return values if alive is None else compress(values, alive)

        def counts(column: str) -> tuple[tuple[str, int], ...]:
            found = Counter(live(column))
            if "" in found or None in found:
                found["(none)"] += found.pop("", 0) + found.pop(None, 0)
            return tuple(sorted(found.items()))

        size = sum(path.stat().st_size for path in self.index_dir.iterdir() if path.is_file())
        manifest = self.manifest
        return IndexStats(
            index_dir=str(self.index_dir),
            meetings=len(set(live("meeting_id"))),
            passages=len(every) if alive is None else sum(alive),
            terms={name: distinct_terms(reader, name) for name in ("word", "exact")},
            size_bytes=size,
            built_at=manifest.get("built_at", ""),
            updated_at=manifest.get("updated_at", ""),
            build_seconds=manifest.get("build_seconds", 0.0),
            huiyi_version=manifest.get("huiyi_version", ""),
            analyzer=manifest.get("analyzer", {}),
            corpus_paths=tuple(manifest.get("corpus_paths", ())),
            imports=tuple(manifest.get("imports", ())),
            by_year=counts("year_key"),
            by_kind=counts("kind"),
            by_language=counts("lang"),
        )

    def provenance(self) -> dict:
        """What a result table needs to be traced to the index that produced it."""
        return {
            "huiyi_version": VERSION,
            "index": str(self.index_dir.resolve()),
            "index_built_at": self.manifest.get("built_at", ""),
            "index_huiyi_version": self.manifest.get("huiyi_version", ""),
            "documents": self.doc_count,
            "meetings": self.manifest.get("meetings"),
            "schema_version": self.manifest.get("schema_version"),
            "analyzer": self.manifest.get("analyzer", {}),
        }

    def batch(self, queries, limit: int = 10, counts_only: bool = False, width: int = 240, workers: int = 1,
              expand: bool | None = None):
        """Run many queries (strings or ``BatchQuery``); yields a ``BatchResult`` per query, in order.

        A query that fails yields a result with ``error`` set; the batch goes on."""
        from .batch import BatchQuery, run_batch, run_query

        items = [q if isinstance(q, BatchQuery) else BatchQuery(str(n), q) for n, q in enumerate(queries, start=1)]
        if workers > 1:
            yield from run_batch(self.index_dir, items, workers=workers, limit=limit, counts_only=counts_only,
                                 width=width, expand=expand, glossary=self._glossary_path)
            return
        for item in items:
            yield run_query(self, item, limit=limit, counts_only=counts_only, width=width, expand=expand)

    @property
    def date_bounds(self) -> tuple[dt.date, dt.date]:
        """The first and last day any meeting in the index touches (for open date ranges)."""
        if self._date_bounds is None:
            years = [int(term) for term in self._searcher.reader().field_terms("year")] or [1]
            self._date_bounds = (dt.date(min(years), 1, 1), dt.date(max(years), 12, 31))
        return self._date_bounds

    def search(
        self,
        query: str,
        limit: int = 10,
        offset: int = 0,
        sort: str = "relevance",
        group: str | None = None,
        facets: tuple[str, ...] | list[str] = (),
        width: int = 240,
        excerpts: bool = True,
        expand: bool | None = None,
        suggest: bool = True,
    ) -> Results:
        """Run a query. ``limit=0`` returns every hit; ``group="meeting"`` one hit per meeting;
        ``expand`` searches glossary equivalents too; ``suggest`` says "did you mean" when
        nothing was found."""
        if sort not in SORTS:
            raise UsageError(f"unknown sort {sort!r}: use one of {', '.join(SORTS)}")
        if isinstance(facets, str):  # facets="year" had been the facets y, e, a, r
            facets = (facets,)
        if width < MIN_WIDTH:  # width=0 had made the excerpt "……"
            raise UsageError(f"width must be at least {MIN_WIDTH} characters")
        if group not in (None, "", "meeting"):
            raise UsageError(f"unknown grouping {group!r}: only 'meeting'")
        unknown = [name for name in facets if name not in FACETS]
        if unknown:
            raise UsageError(f"unknown facet {unknown[0]!r}: use any of {', '.join(FACETS)}")
        if limit < 0 or offset < 0:
            raise UsageError("--limit and --offset must not be negative")
        node, notes, expanded = self._parse(query, expand)
        if sort == "relevance" and only_filters(node):
            # every hit scores alike: they came in the order the index holds them, which updates
            # change (a fresh build and an updated index listed date:1955 differently)
            sort = "date"
        if self.word_lists_changed:
            notes = [*notes, WORD_LISTS_CHANGED]
        compiled = compile_query(node, self.date_bounds, self.ranking)
        searcher = self._searcher
        wanted = None if (limit == 0 or group or sort != "relevance") else offset + limit
        if wanted is not None:
            collector = _CountingTopCollector(wanted)
            searcher.search_with_collector(compiled.query, collector)
            results = collector.results()
        else:
            results = searcher.search(compiled.query, limit=None)
        ranked = [(hit.docnum, hit.score) for hit in results]
        docset = results.docs()
        meeting_of = self._meeting_of(len(docset))
        if sort != "relevance":
            # by the meeting's start, undated meetings last either way, then by meeting and each
            # meeting's passages in their record's order (index order had put a passage an update
            # rewrote last); each hit keeps its relevance score (Whoosh's sorted search had put
            # its sort key there, and its undated key 0 first)
            reader = searcher.reader()
            start_of, order_of = reader.column_reader("start_key"), reader.column_reader("order_key")
            sign = 1 if sort == "date" else -1
            ranked.sort(key=lambda entry: (not start_of[entry[0]], sign * start_of[entry[0]], meeting_of[entry[0]],
                                           order_of[entry[0]]))

        meetings = {meeting_of[docnum] for docnum in docset}
        facet_counts = {name: self._facet(name, docset) for name in facets}

        marks = list(compiled.marks) + self._fuzzy_marks(compiled)
        if group:
            ranked = self._group(ranked, meeting_of)
        page = ranked[offset : offset + limit] if limit else ranked[offset:]
        hits = tuple(
            self._hit(offset + number, entry, marks, width, excerpts) for number, entry in enumerate(page, start=1)
        )
        return Results(
            query=query,
            parsed=describe(node),
            hits=hits,
            total_passages=len(docset),
            total_meetings=len(meetings),
            facets=facet_counts,
            offset=offset,
            limit=limit,
            sort=sort,
            group=group or "",
            suggestions=self._suggest(node) if suggest and not docset else (),
            notes=tuple(notes),
            expanded=expanded,
        )

    def _meeting_of(self, lookups: int):
        """Meeting id by document number: the column itself for a few lookups, a list read
        once (~45 ms for 100,000 passages) when there are many; either is indexed by docnum."""
        if self._meeting_list is None and lookups > 2000:
            self._meeting_list = list(column_values(self._searcher.reader(), "meeting_id"))
        return self._meeting_list if self._meeting_list is not None else \
            self._searcher.reader().column_reader("meeting_id")

    def _suggest(self, node) -> tuple[str, ...]:
        corrector = self._searcher.corrector("exact")

        def count(text: str) -> int:
            try:
                return len(self._matching(text))
            except HuiyiError:
                return 0

        def correct(word: str) -> list[str]:
            # words sharing the first two letters: a small part of the vocabulary to walk. Only
            # words that find something: the vocabulary keeps the words of passages an update
            # replaced until their segment is merged (cooperativization, rewritten away, was offered)
            close = corrector.suggest(word, limit=5, maxdist=2 if len(word) > 5 else 1, prefix=2)
            return [found for found in close if count(found)][:3]

        return suggestions(node, count, correct)

    def kwic(self, query: str, width: int = 40, sort: str = "date", expand: bool | None = None) -> tuple[KwicLine, ...]:
        """A concordance: every occurrence of the query's matches, ``width`` characters each side."""
        if sort not in KWIC_SORTS:
            raise UsageError(f"unknown sort {sort!r}: use one of {', '.join(KWIC_SORTS)}")
        results = self.search(query, limit=0, width=40, expand=expand)
        return tuple(sort_lines(kwic_lines(((hit, hit.matches) for hit in results.hits), width), sort))

    def trend(self, queries: list[str] | tuple[str, ...], by: str = "year", per: str = "",
              expand: bool | None = None) -> Trend:
        """Matching passages (and meetings) per year or month, for each query, exact."""
        from .trend import BY, PER, Series, Trend, normalise, period_of, period_range

        if by not in BY:
            raise UsageError(f"unknown period {by!r}: use one of {', '.join(BY)}")
        if per and per not in PER:
            raise UsageError(f"unknown --per {per!r}: use one of {', '.join(PER)}")
        if isinstance(queries, str):  # trend("合作化") had been one series per character
            queries = [queries]
        reader = self._searcher.reader()
        start_of = list(column_values(reader, "start_key"))  # read in order: a lookup per passage is slower
        length_of = reader.column_reader("length")
        live = [d for d in range(reader.doc_count_all()) if not reader.is_deleted(d)]
        meeting_of = self._meeting_of(len(live))
        period = {d: period_of(start_of[d], by) for d in live}
        if by == "month":  # a meeting dated by its year alone has no month: not January (its start key's)
            for d in live:
                if start_of[d] % 10000 == 101 and len(reader.stored_fields(d).get("start", "")) == 4:
                    period[d] = None
        dated = sorted({p for p in period.values() if p})
        periods = period_range(dated[0], dated[-1], by) if dated else []
        slot = {p: i for i, p in enumerate(periods)}

        def tally(docnums):
            passages, meetings, chars = [0] * len(periods), [set() for _ in periods], [0] * len(periods)
            for d in docnums:
                if period[d] is not None:
                    i = slot[period[d]]
                    passages[i] += 1
                    meetings[i].add(meeting_of[d])
                    chars[i] += length_of[d] or 0
            return passages, [len(m) for m in meetings], chars

        base_passages, base_meetings, base_chars = tally(live)
        series = []
        for query in queries:
            docnums = self._matching(query, expand)
            passages, meetings, _ = tally(docnums)
            values = tuple(normalise(passages[i], meetings[i], base_passages[i], base_meetings[i], base_chars[i], per)
                           for i in range(len(periods)))
            series.append(Series(query, tuple(passages), tuple(meetings), values,
                                 undated=sum(1 for d in docnums if period[d] is None),
                                 total_passages=len(docnums), total_meetings=len({meeting_of[d] for d in docnums})))
        return Trend(by, per, tuple(periods), tuple(series), tuple(base_passages), tuple(base_meetings),
                     tuple(base_chars))

    def _matching(self, query: str, expand: bool | None = False) -> set[int]:
        """Every document number matching ``query``, unscored."""
        compiled = compile_query(self._parse(query, expand)[0], self.date_bounds, self.ranking)
        return set(self._searcher.docs_for_query(compiled.query))

    def meeting(self, meeting_id: str, query: str | None = None) -> MeetingView:
        """A whole meeting in record order; with ``query``, its matching passages marked."""
        from whoosh import query as wq

        searcher = self._searcher
        stored = sorted(((searcher.stored_fields(d), d) for d in searcher.document_numbers(meeting_id=meeting_id)),
                        key=lambda pair: pair[0].get("position", 0))
        if not stored:
            raise UsageError(f"no meeting {meeting_id!r} in {self.index_dir} (meeting ids are shown with every hit)")
        matched: set[int] = set()
        marks: list[Mark] = []
        if query:
            compiled = compile_query(self._parse(query, None)[0], self.date_bounds, self.ranking)
            within = wq.And([compiled.query, wq.Term("meeting_id", meeting_id)])
            matched = set(searcher.docs_for_query(within))
            marks = list(compiled.marks) + self._fuzzy_marks(compiled)
        passages = []
        for fields, docnum in stored:
            text = fields.get("text", "")
            found = docnum in matched
            passages.append(PassageView(
                passage_id=fields["passage_id"], kind=fields.get("kind", ""), position=fields.get("position", 0),
                speaker=fields.get("speaker_name", ""), speech_date=fields.get("speech_date", ""),
                speech_title=fields.get("speech_title", ""), text=text,
                highlights=tuple(find_matches(text, marks, fields.get("quote_spans") or ())) if found else (),
                matched=found,
            ))
        first = stored[0][0]
        return MeetingView(
            meeting=self._meeting_info(first),
            source=first.get("source", ""),
            attendance=tuple(first.get("attendance") or ()),
            passages=tuple(passages),
            query=query or "",
        )

    @staticmethod
    def _meeting_info(stored: dict) -> MeetingInfo:
        return MeetingInfo(
            id=stored["meeting_id"],
            start=stored.get("start", ""),
            end=stored.get("end", ""),
            type=stored.get("meeting_type", ""),
            place=stored.get("meeting_place", ""),
        )

    def _facet(self, name: str, docset) -> tuple[tuple[str, int], ...]:
        column = self._searcher.reader().column_reader(FACETS[name])
        counts = Counter(column[docnum] or "" for docnum in docset)
        ordered = sorted(counts.items(), key=lambda item: (item[0],) if name == "year" else (-item[1], item[0]))
        return tuple(ordered)

    def _fuzzy_marks(self, compiled) -> list[Mark]:
        """The words a fuzzy term matched, segment by segment as the search expands it: the
        reader over several segments (an updated index) counts a swap of two letters as one edit,
        a segment's reader as two, so grian~1 had marked "grain", which it does not find."""
        marks = []
        for query, in_quote in compiled.fuzzy:
            terms = {term for leaf, _ in self._searcher.reader().leaf_readers()
                     for _, term in query.existing_terms(leaf, expand=True)}
            for term in sorted(terms):
                text = term.decode("utf-8") if isinstance(term, bytes) else term
                marks.append(Mark("exact", (text,), in_quote=in_quote))
        return marks

    @staticmethod
    def _group(ranked, meeting_of):
        """Best passage per meeting in rank order, each followed by its next best passages."""
        groups: dict[str, list] = {}
        for docnum, score in ranked:
            groups.setdefault(meeting_of[docnum], []).append((docnum, score))
        return [(members[0][0], members[0][1], members[1 : 1 + GROUP_EXTRA]) for members in groups.values()]

    def _hit(self, rank: int, entry, marks, width: int, excerpts: bool) -> Hit:
        docnum, score = entry[0], entry[1]
        also = entry[2] if len(entry) > 2 else ()
        stored = self._searcher.stored_fields(docnum)
        text = stored.get("text", "")
        matches: list[tuple[int, int]] = []
        if excerpts:
            matches = find_matches(text, marks, stored.get("quote_spans") or ())
            excerpt = make_excerpt(text, matches, width)
            excerpt_text, highlights = excerpt.text, excerpt.highlights
        else:
            excerpt_text, highlights = "", ()
        return Hit(
            rank=rank,
            score=round(float(score or 0.0), 6),
            passage_id=stored["passage_id"],
            meeting_id=stored["meeting_id"],
            source=stored.get("source", ""),
            kind=stored.get("kind", ""),
            position=stored.get("position", 0),
            speaker=stored.get("speaker_name", ""),
            speech_date=stored.get("speech_date", ""),
            speech_title=stored.get("speech_title", ""),
            meeting=self._meeting_info(stored),
            text=text,
            excerpt=excerpt_text,
            highlights=highlights,
            matches=tuple(matches),
            also=tuple(self._hit(rank, (d, s), marks, width, excerpts) for d, s in also),
        )


__all__ = ["Engine", "QuerySyntaxError", "UsageError"]
