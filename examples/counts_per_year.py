"""Run a list of queries and write a CSV of passage counts per year (one row per query).

    python examples/counts_per_year.py examples/queries.txt counts.csv --index .huiyi

The same table comes from `huiyi batch QUERIES --counts-only --format csv`; this script shows
the Python API for those who want to go on in pandas or their own code.
"""

import argparse
import csv

from search import Engine
from search.batch import read_queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", help="a file with one query per line")
    parser.add_argument("output", help="the CSV to write")
    parser.add_argument("--index", default=None, help="index folder (default: $HUIYI_INDEX or .huiyi)")
    args = parser.parse_args()

    with open(args.queries, encoding="utf-8") as handle:
        queries = read_queries(handle.read(), "txt", source=args.queries)
    with Engine.open(args.index) as engine:
        results = list(engine.batch(queries, counts_only=True))
    years = sorted({year for result in results for year, _ in result.year_counts})
    with open(args.output, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["query", "passages", "meetings", *years, "error"])
        for result in results:
            counts = dict(result.year_counts)
            totals = [result.results.total_passages, result.results.total_meetings] if result.results else ["", ""]
            writer.writerow([result.query.query, *totals, *(counts.get(y, 0) for y in years), result.error])
    print(f"wrote {len(results)} rows to {args.output}")


if __name__ == "__main__":
    main()
