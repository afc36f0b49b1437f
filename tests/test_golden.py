"""Golden files pin the ranking and the excerpts of a dozen queries over the bundled samples.

After an intended change, refresh with ``pytest tests/test_golden.py --update-golden`` and read
the diff of tests/golden/search.json before committing it.
"""

import json
from pathlib import Path

from search import Engine

GOLDEN = Path(__file__).parent / "golden" / "search.json"
QUERIES = [
    "cooperativization",
    "合作化",
    '"blind optimism"',
    '"急躁冒進"',
    'speaker:"Deng Zihui" cooperatives',
    "农业生产",
    "統購統銷 date:1953",
    '"rash advance"',
    "quote:冒进",
    "kind:decision 初级社",
    "coop* -cooperativization",
    "paper cooperatives",
    'Geneva OR Bandung',
    "date:1955-03..1955-08 互助组",
]


def snapshot(engine: Engine) -> dict:
    out = {}
    for query in QUERIES:
        results = engine.search(query, limit=5, width=160)
        out[query] = {
            "totals": [results.total_passages, results.total_meetings],
            "hits": [
                {
                    "passage": hit.passage_id,
                    "excerpt": hit.excerpt,
                    "marked": [hit.excerpt[start:end] for start, end in hit.highlights],
                }
                for hit in results.hits
            ],
        }
    return out


def test_golden_rankings_and_excerpts(sample_index, update_golden):
    with Engine.open(sample_index) as engine:
        current = snapshot(engine)
    if update_golden or not GOLDEN.exists():
        GOLDEN.write_text(json.dumps(current, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert current == expected
