"""``a -b``: Whoosh's AndNot, with its first match found right.

Whoosh's ``AndNotMatcher`` looks for the first document of ``a`` not in ``b`` only when the two
start on the same document. Where ``b`` starts lower (its first document holds only the excluded
word), ``b`` was never moved on to ``a``'s first document, and that document was matched even
when it held the excluded word: ``plan -steel`` found "The plan for steel." (Whoosh issue #419,
"ANDNOT results depend on order documents are added to index"; in whoosh3 3.54.0 too). Which
documents slipped through depended on their order in each segment, so an updated index and a
fresh build of the same files answered differently.
"""

from __future__ import annotations

from whoosh import query as wq
from whoosh.matching import AndNotMatcher


class _AndNotMatcher(AndNotMatcher):
    def _find_first(self):
        if self.a.is_active() and self.b.is_active():
            self._find_next()  # moves b on to a's document, then a past every document of b


class AndNot(wq.AndNot):
    def matcher(self, searcher, context=None):
        scored = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _AndNotMatcher(scored, excluded)
