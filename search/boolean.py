"""AND NOT and OR as huiyi compiles them: Whoosh's, with three faults of its matchers corrected
(all in whoosh3 3.54.0; each made results depend on the order of documents in a segment, so an
updated index and a fresh build of the same files answered differently).

* ``AndNotMatcher`` looked for its first match only where both sides start on the same document.
  Where the excluded side starts lower, it was never moved on to the first document of the other,
  and that document was matched even when it held the excluded word: ``plan -steel`` found "The
  plan for steel." (Whoosh issue #419, "ANDNOT results depend on order documents are added").
* ``AndNotMatcher.skip_to`` asks its first side for the document it is on after skipping it past
  the end: an ``IndexError`` in a segment with deletions (``stored (harvest -grain)``).
* ``Or`` of three parts or more, in a segment of up to 5,000 documents, preloads its matches into
  an array that drops every document scoring 0: the filters (``date:``, ``kind:``), which score
  nothing, lost all their passages but the first (``kind:decision OR steel OR grain``).
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.matching import AndNotMatcher


class _AndNotMatcher(AndNotMatcher):
    def _find_first(self):
        if self.a.is_active() and self.b.is_active():
            self._find_next()  # moves b on to a's document, then a past every document of b

    def _find_next(self):
        if not self.a.is_active():  # skipped past the end: no document to ask it for
            return False
        return super()._find_next()


class AndNot(wq.AndNot):
    def matcher(self, searcher, context=None):
        scored = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _AndNotMatcher(scored, excluded)


class Or(wq.Or):
    """Always a tree of union matchers, which keep a document whatever it scores."""

    matcher_type = wq.Or.DEFAULT_MATCHER
