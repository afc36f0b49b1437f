"""Results to text, JSON, JSON lines, CSV and HTML: the only place output formats are made."""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable

from .results import Hit, Results

HIT_COLUMNS = [
    "rank", "score", "meeting_id", "passage_id", "source", "kind", "speaker", "speech_date",
    "meeting_start", "meeting_end", "meeting_type", "meeting_place", "excerpt", "highlights", "text", "matched",
]


def hit_record(hit: Hit) -> dict:
    """The JSON object of one hit (``--format jsonl`` and ``json``)."""
    record = {
        "rank": hit.rank,
        "score": hit.score,
        "meeting_id": hit.meeting_id,
        "passage_id": hit.passage_id,
        "source": hit.source,
        "kind": hit.kind,
        "speaker": hit.speaker,
        "speech_date": hit.speech_date,
        "meeting": {
            "start": hit.meeting.start,
            "end": hit.meeting.end,
            "type": hit.meeting.type,
            "place": hit.meeting.place,
        },
        "excerpt": hit.excerpt,
        "highlights": [list(span) for span in hit.highlights],
        "text": hit.text,
        "matches": [list(span) for span in hit.matches],
        "matched": list(hit.matched_forms),
    }
    if hit.also:
        record["also"] = [hit_record(other) for other in hit.also]
    return record


def hit_row(hit: Hit) -> dict:
    """The flat row of one hit (``--format csv``): the JSON object with ``meeting`` flattened."""
    record = hit_record(hit)
    row = {key: record[key] for key in HIT_COLUMNS if key in record}
    row.update({f"meeting_{key}": value for key, value in record["meeting"].items()})
    row["highlights"] = json.dumps(record["highlights"])
    row["matched"] = " | ".join(record["matched"])
    return row


def results_json(results: Results) -> str:
    return json.dumps(
        {
            "query": results.query,
            "parsed": results.parsed,
            "total_passages": results.total_passages,
            "total_meetings": results.total_meetings,
            "facets": {name: [list(pair) for pair in counts] for name, counts in results.facets.items()},
            "hits": [hit_record(hit) for hit in results.hits],
        },
        ensure_ascii=False,
        indent=1,
    )


def results_jsonl(results: Results) -> Iterable[str]:
    for hit in results.hits:
        yield json.dumps(hit_record(hit), ensure_ascii=False)


def csv_text(rows: Iterable[dict], columns: list[str], header: bool = True, delimiter: str = ",") -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, delimiter=delimiter, lineterminator="\n",
                            extrasaction="ignore")
    if header:
        writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue()


def results_csv(results: Results) -> str:
    return csv_text((hit_row(hit) for hit in results.hits), HIT_COLUMNS)


def mark_html(text: str, highlights) -> str:
    """``<mark>`` around each highlight, every other character HTML-escaped."""
    out, cursor = [], 0
    for start, end in highlights:
        out.append(html.escape(text[cursor:start]))
        out.append("<mark>" + html.escape(text[start:end]) + "</mark>")
        cursor = end
    out.append(html.escape(text[cursor:]))
    return "".join(out)


def mark_ansi(text: str, highlights, style) -> str:
    out, cursor = [], 0
    for start, end in highlights:
        out.append(text[cursor:start])
        out.append(style(text[start:end]))
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def results_html(results: Results) -> str:
    """What the text format shows, as a page: ranks from the first hit's (``--offset``), each
    hit's speaker, kind and passage id, a meeting's next best passages (``--group``), facets."""
    items = []
    for hit in results.hits:
        matched = ""
        if results.expanded and hit.matched_forms:
            matched = "<p class=\"matched\">matched: " + html.escape(", ".join(hit.matched_forms)) + "</p>"
        also = "".join("<li>" + _passage_html(other) + "</li>" for other in hit.also)
        items.append(
            "<li><p class=\"meta\">" + html.escape(_meta_line(hit)) + "</p>" + _passage_html(hit) + matched
            + (f"<ul class=\"also\">{also}</ul>" if also else "") + "</li>"
        )
    facets = "".join(
        f"<h2>{html.escape(name)}</h2><ul class=\"facet\">"
        + "".join(f"<li>{html.escape(value or '(none)')} ({count})</li>" for value, count in counts) + "</ul>"
        for name, counts in results.facets.items())
    start = results.hits[0].rank if results.hits else 1
    return (
        "<!doctype html><meta charset=\"utf-8\"><title>huiyi: " + html.escape(results.query) + "</title>"
        + "<p class=\"totals\">" + html.escape(totals_line(results)) + "</p>"
        + (f"<ol start=\"{start}\">" if start != 1 else "<ol>") + "".join(items) + "</ol>"
        + (f"<section class=\"facets\">{facets}</section>" if facets else "") + "\n"
    )


def _passage_html(hit: Hit) -> str:
    """A hit's speaker, kind and passage id, and its excerpt: for a hit and for each of its
    meeting's next best passages."""
    return ("<p class=\"who\">" + html.escape(_who_line(hit)) + "</p>"
            + "<p class=\"excerpt\">" + mark_html(hit.excerpt, hit.highlights) + "</p>")


def totals_line(results: Results) -> str:
    passages = "passage" if results.total_passages == 1 else "passages"
    meetings = "meeting" if results.total_meetings == 1 else "meetings"
    return f"{results.total_passages} {passages} in {results.total_meetings} {meetings}"


def date_range(start: str, end: str) -> str:
    if not start:
        return "undated"
    return start if not end or end == start else f"{start} – {end}"


def _meta_line(hit: Hit) -> str:
    parts = [date_range(hit.meeting.start, hit.meeting.end), hit.meeting.type, hit.meeting.place]
    return " · ".join(part for part in parts if part)


def _who_line(hit: Hit) -> str:
    who = hit.speaker or ""
    if who and hit.speech_date:
        who += f" ({hit.speech_date})"
    return " · ".join(part for part in (who, hit.kind, hit.passage_id) if part)


def results_text(results: Results, style) -> Iterable[str]:
    """Human-readable results; ``style`` marks a highlight (ANSI on a terminal)."""
    yield totals_line(results)
    for hit in results.hits:
        yield ""
        yield f"{hit.rank:>3}. {_meta_line(hit)}"
        yield f"     {_who_line(hit)}"
        yield "     " + mark_ansi(hit.excerpt, hit.highlights, style)
        if results.expanded and hit.matched_forms:
            yield "     matched: " + ", ".join(hit.matched_forms)
        for other in hit.also:
            yield f"     + {_who_line(other)}: " + mark_ansi(other.excerpt, other.highlights, style)
    for name, counts in results.facets.items():
        yield ""
        yield f"{name}: " + (", ".join(f"{value or '(none)'} ({count})" for value, count in counts) or "(no hits)")


# ------------------------------------------------------------------ batch output

BATCH_COLUMNS = ["query_id", "query", "error", "total_passages", "total_meetings"] + HIT_COLUMNS


def batch_records(result) -> list[dict]:
    """The JSON rows of one batch query: one per hit, one for no hit or counts only, or an error."""
    head = {"query_id": result.query.id, "query": result.query.query}
    if result.error:
        return [{**head, "error": result.error}]
    totals = {"total_passages": result.results.total_passages, "total_meetings": result.results.total_meetings}
    if result.counts_only:
        return [{**head, **totals, "years": dict(result.year_counts)}]
    if not result.results.hits:
        return [{**head, **totals}]
    return [{**head, **hit_record(hit), **totals} for hit in result.results.hits]


def batch_rows(result, years: list[str]) -> list[dict]:
    """The flat rows of one batch query (CSV/TSV); ``years`` are the columns of counts-only rows."""
    head = {"query_id": result.query.id, "query": result.query.query, "error": result.error}
    if result.error:
        return [head]
    totals = {"total_passages": result.results.total_passages, "total_meetings": result.results.total_meetings}
    if result.counts_only:
        counts = dict(result.year_counts)
        return [{**head, **totals, **{year: counts.get(year, 0) for year in years}}]
    if not result.results.hits:
        return [{**head, **totals}]
    return [{**head, **totals, **hit_row(hit)} for hit in result.results.hits]


def trec_lines(result, tag: str = "huiyi") -> list[str]:
    """``qid Q0 docid rank score tag`` lines (no white space inside a field)."""
    if result.error:
        return []
    qid = "_".join(result.query.id.split()) or "_"
    return [
        f"{qid} Q0 {'_'.join(hit.passage_id.split())} {hit.rank} {hit.score:.6f} {tag}"
        for hit in result.results.hits
    ]


def write_batch(results, fmt: str, out, meta: dict, counts_only: bool) -> None:
    """Write batch results to the text stream ``out`` as they come (none is kept, so a batch
    of any length runs in constant memory; only ``--counts-only`` csv/tsv waits for the end).

    Every output carries the provenance ``meta``: a first ``{"_meta": …}`` line in jsonl, a
    first ``# {…}`` line in tsv and trec; for csv the caller writes a sidecar file.
    """
    if fmt in ("jsonl", "trec", "tsv"):
        out.write(("" if fmt == "jsonl" else "# ") + json.dumps({"_meta": meta} if fmt == "jsonl" else meta,
                                                              ensure_ascii=False) + "\n")
    delimiter = "\t" if fmt == "tsv" else ","
    if counts_only and fmt in ("csv", "tsv"):  # the year columns are known only at the end
        done = list(results)
        years = year_columns(done)
        columns = ["query_id", "query", "error", "total_passages", "total_meetings"] + years
        out.write(csv_text((row for r in done for row in batch_rows(r, years)), columns, delimiter=delimiter))
        return
    if fmt in ("csv", "tsv"):
        out.write(csv_text((), BATCH_COLUMNS, delimiter=delimiter))
    for result in results:
        out.write(result.rendered or batch_text(result, fmt))


def batch_text(result, fmt: str) -> str:
    """One batch result as lines of ``fmt`` (jsonl, trec, csv or tsv; no header).

    Batch workers call this, so the text is made in parallel and the parent only writes it."""
    if fmt == "jsonl":
        return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in batch_records(result))
    if fmt == "trec":
        return "".join(line + "\n" for line in trec_lines(result))
    return csv_text(batch_rows(result, []), BATCH_COLUMNS, header=False, delimiter="\t" if fmt == "tsv" else ",")


def year_columns(results) -> list[str]:
    return sorted({year for result in results for year, _ in result.year_counts})


# ------------------------------------------------------------------ trends

def _number(value: float, per: str) -> str:
    if not per:
        return str(int(value))
    return f"{value:.4f}" if per in ("passages", "meetings") else f"{value:.2f}"


def trend_csv(trend) -> str:
    columns = ["period"]
    for series in trend.series:
        columns += [f"{series.query} passages", f"{series.query} meetings"]
        if trend.per:
            columns.append(f"{series.query} per {trend.per}")
    columns += ["all passages", "all meetings", "all characters"]
    rows = []
    for i, period in enumerate(trend.periods):
        row = {"period": period}
        for series in trend.series:
            row[f"{series.query} passages"] = series.passages[i]
            row[f"{series.query} meetings"] = series.meetings[i]
            if trend.per:
                row[f"{series.query} per {trend.per}"] = _number(series.values[i], trend.per)
        row.update({"all passages": trend.base_passages[i], "all meetings": trend.base_meetings[i],
                    "all characters": trend.base_chars[i]})
        rows.append(row)
    return csv_text(rows, columns)


def trend_text(trend) -> Iterable[str]:
    from .trend import bar

    top = max((v for series in trend.series for v in series.values), default=0)
    for series in trend.series:
        yield f"{series.query}: {series.total_passages} passages in {series.total_meetings} meetings" + (
            f" ({series.undated} undated{' or dated by year only' if trend.by == 'month' else ''})"
            if series.undated else "") + f"; {trend.measure} by {trend.by}"
        for i, period in enumerate(trend.periods):
            value = series.values[i]
            yield f"  {period}  {_number(value, trend.per):>9}  {bar(value, top)}"
        yield ""
