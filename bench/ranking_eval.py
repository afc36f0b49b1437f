"""Ranking evaluation on a small judged query set (bench/judgments.json) over the samples.

    .venv/bin/python -m bench.ranking_eval

Indexes corpus/samples and the seed record into a temporary folder, runs each judged query
under several ranking settings and reports nDCG@5 and MRR, so the defaults in
``search.compile.Ranking`` rest on numbers rather than taste. The set is small (15 queries):
read the figures as a sanity check of the settings, not as a precise measurement.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import tempfile
from pathlib import Path

from indexer.build import build_index
from search import Engine, Ranking

REPO = Path(__file__).resolve().parents[1]
JUDGMENTS = Path(__file__).with_name("judgments.json")


def ndcg(ranked: list[str], grades: dict[str, int], depth: int = 5) -> float:
    gains = [grades.get(pid, 0) for pid in ranked[:depth]]
    dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(grades.values(), reverse=True)[:depth]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def reciprocal_rank(ranked: list[str], grades: dict[str, int]) -> float:
    return next((1 / (i + 1) for i, pid in enumerate(ranked) if grades.get(pid, 0) == 2), 0.0)


def evaluate(index_dir: Path, ranking: Ranking, judged: dict) -> tuple[float, float]:
    with Engine.open(index_dir, ranking=ranking) as engine:
        scores = []
        for query, levels in judged.items():
            grades = {pid: int(level) for level, pids in levels.items() for pid in pids}
            ranked = [hit.passage_id for hit in engine.search(query, limit=10, excerpts=False).hits]
            scores.append((ndcg(ranked, grades), reciprocal_rank(ranked, grades)))
    return sum(s[0] for s in scores) / len(scores), sum(s[1] for s in scores) / len(scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    judged = {q: v for q, v in json.loads(JUDGMENTS.read_text(encoding="utf-8")).items() if not q.startswith("_")}
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = Path(tmp) / "index"
        build_index([REPO / "corpus" / "samples", REPO.parent / "shared" / "seeds"], index_dir)
        rows = []
        for word_boost, exact_boost, b in itertools.product((0.0, 0.5, 1.0, 2.0), (0.5, 1.0), (0.5, 0.75, 0.9)):
            ranking = Ranking(exact_boost=exact_boost, word_boost=word_boost, b=b)
            rows.append((ranking, *evaluate(index_dir, ranking, judged)))
    rows.sort(key=lambda row: (-row[1], -row[2]))
    default = Ranking()
    print(f"{len(judged)} judged queries; nDCG@5 and MRR (first grade-2 hit), best first")
    print(f"{'word_boost':>10} {'exact_boost':>11} {'B':>5} {'nDCG@5':>7} {'MRR':>6}")
    for ranking, n, mrr in rows:
        flag = "  <- default" if ranking == default else ""
        print(f"{ranking.word_boost:>10} {ranking.exact_boost:>11} {ranking.b:>5} {n:>7.3f} {mrr:>6.3f}{flag}")
    if args.json:
        Path(args.json).write_text(json.dumps([
            {"word_boost": r.word_boost, "exact_boost": r.exact_boost, "b": r.b, "ndcg5": n, "mrr": m}
            for r, n, m in rows], indent=1))


if __name__ == "__main__":
    main()
