"""The ``huiyi`` command. Each command parses its arguments, calls one library function and
renders the result; library errors become messages and exit codes here and nowhere else."""

from __future__ import annotations

import codecs
import errno
import json
import sys
from pathlib import Path

import click

from corpus.errors import HuiyiError


class HuiyiCommandError(click.ClickException):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class HuiyiGroup(click.Group):
    """Turns every :class:`HuiyiError` into a one-line message: no traceback for bad input."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except HuiyiError as error:
            raise HuiyiCommandError(str(error), error.exit_code) from error
        except OSError as error:
            if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EIO):  # stdout on a full disk: one line
                raise
            raise HuiyiCommandError(f"cannot write the output: {error.strerror}", 1) from error


class QueryCommand(click.Command):
    """A command whose one query may start with ``-`` (``-kind:speech``, ``-高级社 合作化``): a
    word of one dash that is no option is the query, as if written after ``--`` (click had said
    "No such option: -k"). A mistyped ``--option`` is still an error."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        options = {name for param in self.get_params(ctx) for name in (*param.opts, *param.secondary_opts)}
        valued = {name for param in self.get_params(ctx) if isinstance(param, click.Option) and not param.is_flag
                  for name in param.opts}
        for index, arg in enumerate(args):
            if arg == "--":
                break
            if (arg.startswith("-") and not arg.startswith("--") and len(arg) > 1 and arg not in options
                    and (index == 0 or args[index - 1] not in valued)):
                args = [*args[:index], *args[index + 1 :], "--", arg]
                break
        return super().parse_args(ctx, args)


@click.group(cls=HuiyiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="huiyi")
def main() -> None:
    """huiyi (会议): full-text search of bilingual meeting records."""
    encoding = codecs.lookup(getattr(sys.stdout, "encoding", None) or "utf-8").name
    if not _shows_chinese(encoding) and hasattr(sys.stdout, "reconfigure"):
        # a terminal or pipe that cannot show every character (latin-1, cp1252): those it lacks
        # become "?" with a word on stderr, not a UnicodeEncodeError traceback at the first one
        sys.stdout.reconfigure(errors="replace")
        click.echo(f"warning: the output is written as {encoding}, which lacks Chinese characters: those are "
                   "shown as ?; set PYTHONIOENCODING=utf-8 for all of them", err=True)


def _shows_chinese(encoding: str) -> bool:
    """Whether an output encoding has Simplified and Traditional characters: UTF-8, GB18030 and
    GBK (cp936, Chinese Windows) have, Big5 lacks the Simplified, latin-1 both."""
    try:
        "简體中文—“”…".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _summary(result) -> str:
    meeting = result.meeting
    if meeting is None:
        return f"{result.source}: not read as a record"
    dates = "no date"
    if meeting.dates:
        dates = meeting.start.iso() + (f"..{meeting.dates.end.iso()}" if meeting.dates.end else "")
    counts = [
        _plural(len(meeting.speeches), "speech", "speeches"),
        _plural(len(meeting.decisions), "decision"),
        _plural(len(meeting.agenda), "agenda item"),
        _plural(sum(1 for p in result.problems if p.severity == "warning"), "warning"),
    ]
    what = " · ".join(part for part in (dates, meeting.type, meeting.place) if part)
    return f"{result.source}: {what} · {', '.join(counts)}"


def _highlight(text: str) -> str:
    """A matched word in an excerpt, as the terminal shows it."""
    return click.style(text, fg="yellow", bold=True)


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: a summary line per file and its problems; json: one parsed record per line.")
def check(paths: tuple[str, ...], fmt: str) -> None:
    """Parse records without indexing and report every problem as file:line: message.

    Exits 1 when any file could not be read as a record (warnings alone exit 0)."""
    from corpus.jsonable import to_data
    from corpus.sources import read_records

    failed = 0
    for result in read_records(paths):
        if result.meeting is None:
            failed += 1
        if fmt == "json":
            if result.meeting is not None:
                click.echo(json.dumps(to_data(result.meeting), ensure_ascii=False))
            for problem in result.problems:
                click.echo(str(problem), err=True)
        else:
            click.echo(_summary(result))
            for problem in result.problems:
                click.echo(f"  {problem}")
    if failed:
        click.echo(f"{_plural(failed, 'file')} could not be read as a record", err=True)
        sys.exit(1)


# ------------------------------------------------------------------ shared options

def index_option(function):
    return click.option(
        "--index", "index_dir", type=click.Path(file_okay=False), default=None, envvar="HUIYI_INDEX",
        help="Index folder (default: $HUIYI_INDEX, else .huiyi in the current folder).",
    )(function)


def expand_options(function):
    function = click.option("--glossary", type=click.Path(exists=True, dir_okay=False), default=None,
                            help="Glossary TOML for --expand (default: huiyi.toml's, else the starter glossary).")(function)
    return click.option("--expand/--no-expand", default=None,
                        help="Also search each term's glossary equivalents (default: huiyi.toml's expand).")(function)


def _notes(results) -> None:
    for note in results.notes:
        click.echo(note, err=True)
    if results.suggestions:
        click.echo("did you mean: " + " · ".join(results.suggestions), err=True)


def quiet_option(function):
    return click.option("--quiet", "-q", is_flag=True, help="No progress or summary on stderr.")(function)


class _ProgressLine:
    """Files, MB, rate and ETA on one stderr line, redrawn at most ten times a second."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.last = 0.0

    def __call__(self, progress) -> None:
        import time

        now = time.perf_counter()
        done = progress.files_done == progress.files_total
        if not self.enabled or (now - self.last < 0.1 and not done):
            return
        self.last = now
        elapsed = max(now - progress.started, 1e-6)
        rate = progress.bytes_done / elapsed
        remaining = (progress.bytes_total - progress.bytes_done) / rate if rate else 0
        line = (
            f"\r{progress.files_done}/{progress.files_total} files  "
            f"{progress.bytes_done / 1e6:.1f}/{progress.bytes_total / 1e6:.1f} MB  "
            f"{rate / 1e6:.2f} MB/s  ETA {int(remaining) // 60}:{int(remaining) % 60:02d}"
        )
        click.echo(line, err=True, nl=done)


# ------------------------------------------------------------------ index

SHOWN_PROBLEMS = 20  # an index command lists so many skipped files or rows, and warnings, then counts the rest


def _echo_some(lines: list[str], total: int, what: str) -> None:
    """The first SHOWN_PROBLEMS of ``lines`` to stderr, then how many more of ``total`` there are."""
    for line in lines[:SHOWN_PROBLEMS]:
        click.echo(line, err=True)
    if total > SHOWN_PROBLEMS:
        click.echo(f"… and {total - SHOWN_PROBLEMS} more {what}", err=True)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@index_option
@click.option("--rebuild", is_flag=True, help="Build from scratch instead of updating changed files.")
@click.option("--procs", type=click.IntRange(min=1), default=None, help="Processes for analysis (default: CPU count).")
@click.option("--memory", "memory_mb", type=click.IntRange(min=32), default=1024, show_default=True,
              help="Memory for gathering postings, all processes together, in MB; a process that fills its "
                   "share writes a segment and starts another.")
@click.option("--from", "import_format", type=click.Choice(["jsonl", "csv", "txt"]), default=None,
              help="PATHS are files of rows to import (.jsonl/.csv, optionally .gz), or folders of plain text "
                   "(txt), not records.")
@click.option("--map", "mappings", multiple=True,
              help="With --from: target=column pairs, e.g. text=content,date=year,type=title,speaker=name "
                   "(or one --map each).")
@click.option("--kind", type=click.Choice(["speech", "decision", "remark"]), default="speech", show_default=True,
              help="With --from: what kind of passage each row's paragraphs are.")
@click.option("--pattern", default=None,
              help="With --from txt: fields in the file names, e.g. '{speaker}_{session}_{date}.txt'.")
@click.option("--encoding", default=None,
              help="With --from: the files' encoding (e.g. gb18030, big5, cp950), where telling it from "
                   "the text goes wrong (default: told from the text).")
@click.option("--user-dict", "user_dicts", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Extra jieba dictionary file (word [freq] [tag] per line); repeatable.")
@quiet_option
def index(paths, index_dir, rebuild, procs, memory_mb, import_format, mappings, kind, pattern, encoding,
          user_dicts, quiet) -> None:
    """Build or update the index from record folders or files (default: the bundled samples).

    An existing index is updated: new and changed files are (re)indexed, removed files dropped."""
    from corpus.errors import UsageError
    from corpus.importers import check_encoding, parse_mapping
    from indexer.build import ImportSpec, build_index
    from indexer.dictionary import add_user_dictionary

    for path in user_dicts:
        add_user_dictionary(path)
    # --map given twice: both, not the last one alone (a target in both is an error)
    mapping = ",".join(mappings)
    imports = []
    if import_format:
        if not paths or (not mapping and import_format != "txt"):
            raise UsageError("--from needs FILE arguments and --map text=COLUMN,...")
        encoding = check_encoding(encoding) if encoding else None
        imports = [ImportSpec(str(Path(path).resolve()), import_format, parse_mapping(mapping or "", import_format),
                              kind, pattern, encoding)
                   for path in paths]
        paths = ()
    elif mapping or pattern or encoding:
        raise UsageError("--map, --pattern and --encoding go with --from jsonl|csv|txt")
    summary = build_index(paths, index_dir, imports=imports, procs=procs, memory_mb=memory_mb, rebuild=rebuild,
                          on_progress=_ProgressLine(not quiet))
    _echo_some([f"skipped {problem}" for problem in summary.failed], summary.skipped, "skipped")
    if not quiet:
        warnings = [str(problem) for problem in summary.problems if problem.severity == "warning"]
        _echo_some(warnings, len(warnings), "warnings")
        if summary.mode == "update":
            reread = f" ({summary.reread_because})" if summary.reread_because else ""
            change = (f"updated{reread}: {summary.added} added, {summary.changed} changed, {summary.removed} removed, "
                      f"{_plural(summary.unchanged, 'unchanged file')} ({_plural(summary.passages_written, 'passage')} "
                      f"indexed, {summary.passages_deleted} deleted); ")
        else:
            change = f"built from scratch ({summary.rebuilt_because}); " if summary.rebuilt_because else \
                "built from scratch; "
        click.echo(
            f"{change}{_plural(summary.meetings, 'meeting')}, {_plural(summary.passages, 'passage')} "
            f"in {summary.index_dir} ({summary.seconds:.1f} s); {_plural(summary.skipped, 'file or row', 'files or rows')} skipped, "
            f"{_plural(summary.warnings, 'warning')}",
            err=True,
        )


# ------------------------------------------------------------------ search

@main.command(cls=QueryCommand)
@click.argument("query")
@index_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "jsonl", "csv", "html"]), default=None,
              help="Output format (default: text on a terminal, jsonl otherwise).")
@click.option("--limit", type=click.IntRange(min=0), default=10, show_default=True, help="Hits to show; 0 = all.")
@click.option("--offset", type=click.IntRange(min=0), default=0, show_default=True, help="Hits to skip.")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance", show_default=True)
@click.option("--group", type=click.Choice(["meeting"]), default=None, help="One result per meeting.")
@click.option("--facet", "facets", multiple=True,
              help="Counts over all hits: any of year,type,speaker,kind (comma-separated, or one --facet each).")
@click.option("--width", type=click.IntRange(min=20), default=240, show_default=True, help="Excerpt length.")
@expand_options
def search(query, index_dir, fmt, limit, offset, sort, group, facets, width, expand, glossary) -> None:
    """Search the index. See the README for the query language."""
    from search import render
    from search.engine import Engine

    # --facet given twice: both (the last alone had been counted)
    facet_names = list(dict.fromkeys(name.strip() for given in facets for name in given.split(",") if name.strip()))
    fmt = fmt or ("text" if sys.stdout.isatty() else "jsonl")
    with Engine.open(index_dir, glossary=glossary) as engine:
        results = engine.search(query, limit=limit, offset=offset, sort=sort, group=group,
                                facets=facet_names, width=width, expand=expand)
    _notes(results)
    if fmt == "json":
        click.echo(render.results_json(results))
    elif fmt == "jsonl":
        for line in render.results_jsonl(results):
            click.echo(line)
    elif fmt == "csv":
        click.echo(render.results_csv(results), nl=False)
    elif fmt == "html":
        click.echo(render.results_html(results), nl=False)
    else:
        for line in render.results_text(results, _highlight):
            click.echo(line)
    if fmt in ("jsonl", "csv"):
        click.echo(render.totals_line(results), err=True)
        for name, counts in results.facets.items():
            click.echo(f"{name}: " + ", ".join(f"{v or '(none)'} ({c})" for v, c in counts), err=True)


# ------------------------------------------------------------------ show

@main.command()
@click.argument("meeting_id")
@index_option
@click.option("--query", default=None, help="Mark this query's matches in place.")
def show(meeting_id, index_dir, query) -> None:
    """Print a whole meeting as indexed, with the matches of --query marked."""
    from search import render
    from search.engine import Engine

    with Engine.open(index_dir) as engine:
        view = engine.meeting(meeting_id, query)
    info = view.meeting
    click.echo(click.style(info.type or info.id, bold=True))
    click.echo(f"{render.date_range(info.start, info.end)} · {info.place or 'no place'} · {info.id} · {view.source}")
    if view.attendance:
        click.echo("Attendance: " + ", ".join(view.attendance))
    heading = None
    for passage in view.passages:
        current = (passage.kind, passage.speaker, passage.speech_date, passage.speech_title)
        if current != heading:
            heading = current
            title = {"speech": passage.speaker or "(unattributed)", "decision": "Decisions",
                     "agenda": "Agenda", "remark": "Remarks"}.get(passage.kind, passage.kind)
            extra = " · ".join(p for p in (passage.speech_date, passage.speech_title) if p)
            click.echo("")
            click.echo(click.style(title + (f" — {extra}" if extra else ""), underline=True))
        marker = ">> " if passage.matched else "   "
        click.echo(marker + render.mark_ansi(passage.text, passage.highlights, _highlight))


# ------------------------------------------------------------------ batch

@main.command()
@click.argument("queries_file", metavar="QUERIES", type=click.Path(exists=True, allow_dash=True, dir_okay=False))
@index_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "tsv", "trec"]), default="jsonl", show_default=True)
@click.option("--input-format", type=click.Choice(["txt", "tsv", "csv", "jsonl"]), default=None,
              help="Format of QUERIES (default: by extension; '-' reads plain text unless given).")
@click.option("--limit", type=click.IntRange(min=0), default=10, show_default=True, help="Hits per query; 0 = all.")
@click.option("--counts-only", is_flag=True, help="One row per query: exact totals and counts per year.")
@click.option("--workers", type=click.IntRange(min=1), default=None, help="Processes (default: CPU count).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Write here instead of stdout (csv also gets FILE.meta.json).")
@click.option("--width", type=click.IntRange(min=20), default=240, show_default=True, help="Excerpt length.")
@click.option("--strict", is_flag=True, help="Exit 1 if any query fails.")
@expand_options
@quiet_option
def batch(queries_file, index_dir, fmt, input_format, limit, counts_only, workers, output, width, strict, expand,
          glossary, quiet):
    """Run many queries from a file (one per line, TSV, CSV or JSONL); '-' reads stdin."""
    import os
    import time

    from search import render
    from search.batch import decode_queries, detect_format, read_queries, run_batch
    from search.engine import Engine, UsageError

    if fmt == "trec" and counts_only:
        raise UsageError("--counts-only makes no TREC run; use jsonl, csv or tsv")
    with click.open_file(queries_file, "rb") as handle:
        text, encoding = decode_queries(handle.read(), queries_file)
    if encoding not in ("utf-8", "utf-8-sig"):  # a guess between GB18030 and Big5 is said, as for records
        click.echo(f"{queries_file}: info: decoded as {encoding}", err=True)
    queries = read_queries(text, input_format or ("txt" if queries_file == "-" else detect_format(queries_file)),
                           source=queries_file)
    with Engine.open(index_dir, glossary=glossary) as engine:
        if glossary:
            engine.glossary  # noqa: B018 - a glossary that cannot be read stops the batch here, not in each row
        meta = engine.provenance()
        index_path = engine.index_dir
    workers = workers or os.cpu_count() or 1
    started = time.perf_counter()
    failed = []
    show = _BatchProgress(len(queries), not quiet)

    def progress(number, result):
        if result.error:
            failed.append(result)
        show(number)

    results = run_batch(index_path, queries, workers=workers, limit=limit, counts_only=counts_only, width=width,
                        on_result=progress, expand=expand, render=fmt, glossary=glossary)
    with _output(output) as out:
        render.write_batch(results, fmt, out, meta, counts_only)
    if output and fmt == "csv":
        with _output(output + ".meta.json") as sidecar:
            json.dump(meta, sidecar, ensure_ascii=False, indent=1)
    seconds = time.perf_counter() - started
    for result in failed:
        click.echo(f"query {result.query.id}: {result.error}", err=True)
    if not quiet:
        click.echo(f"{_plural(len(queries), 'query', 'queries')} in {seconds:.1f} s "
                   f"({len(queries) / max(seconds, 1e-9):.0f}/s, {workers} {'worker' if workers == 1 else 'workers'}); "
                   f"{len(failed)} failed", err=True)
    if strict and failed:
        sys.exit(1)


def _output(path: str | None):
    """The file to write to (stdout for None), or one line saying why it cannot be written (a
    missing or read-only folder had given a traceback)."""
    try:
        return click.open_file(path or "-", "w", encoding="utf-8")
    except OSError as error:
        raise HuiyiError(f"cannot write {path}: {error.strerror or error}") from None


class _BatchProgress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled, self.last = total, enabled, 0.0

    def __call__(self, done: int) -> None:
        import time

        now = time.perf_counter()
        if self.enabled and (now - self.last > 0.1 or done == self.total):
            self.last = now
            click.echo(f"\r{done}/{self.total} queries", err=True, nl=done == self.total)


# ------------------------------------------------------------------ stats

@main.command()
@index_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def stats(index_dir, fmt) -> None:
    """Meetings, passages, terms, size, build time, settings, and counts by year, kind, language."""
    import dataclasses

    from search.engine import Engine

    with Engine.open(index_dir) as engine:
        info = engine.stats()
    if fmt == "json":
        click.echo(json.dumps(dataclasses.asdict(info), ensure_ascii=False, indent=1))
        return
    click.echo(f"index        {info.index_dir}")
    click.echo(f"meetings     {info.meetings}")
    click.echo(f"passages     {info.passages}")
    click.echo("terms        " + ", ".join(f"{n} {view}" for view, n in info.terms.items()))
    click.echo(f"size         {info.size_bytes / 1e6:.1f} MB")
    click.echo(f"built        {info.built_at} in {info.build_seconds:.1f} s by huiyi {info.huiyi_version}"
               + (f"; updated {info.updated_at}" if info.updated_at else ""))
    for path in info.corpus_paths:
        click.echo(f"corpus       {path}")
    for spec in info.imports:
        click.echo(f"imported     {spec['path']} (--from {spec['from']}, map {spec['map']})")
    for key, value in info.analyzer.items():
        click.echo(f"analyzer     {key}: {value}")
    for label, pairs in (("by year", info.by_year), ("by kind", info.by_kind), ("by language", info.by_language)):
        click.echo(f"{label:<12} " + ", ".join(f"{value} {count}" for value, count in pairs))


# ------------------------------------------------------------------ kwic

@main.command(cls=QueryCommand)
@click.argument("query")
@index_option
@click.option("--width", type=click.IntRange(min=5, max=500), default=30, show_default=True,
              help="Characters of context on each side.")
@click.option("--sort", type=click.Choice(["left", "right", "date"]), default="date", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "jsonl"]), default="text", show_default=True)
@expand_options
def kwic(query, index_dir, width, sort, fmt, expand, glossary) -> None:
    """A concordance: one line per occurrence, the match in the centre column."""
    import dataclasses

    from search import render
    from search.engine import Engine
    from search.kwic import KwicLine, display_width, fit_left, fit_right

    with Engine.open(index_dir, glossary=glossary) as engine:
        lines = engine.kwic(query, width=width, sort=sort, expand=expand)
    if fmt == "jsonl":
        for line in lines:
            click.echo(json.dumps(dataclasses.asdict(line), ensure_ascii=False))
        return
    if fmt == "csv":
        columns = [field.name for field in dataclasses.fields(KwicLine)]
        click.echo(render.csv_text((dataclasses.asdict(line) for line in lines), columns), nl=False)
        return
    centre = max((display_width(line.match) for line in lines), default=0)
    for line in lines:
        match = _highlight(fit_right(line.match, centre))
        where = " · ".join(part for part in (line.date or "undated", line.speaker, line.meeting_id) if part)
        click.echo(f"{fit_left(line.left, width)} {match} {fit_right(line.right, width)}  {where}")
    click.echo(f"{len(lines)} occurrences", err=True)


# ------------------------------------------------------------------ trend

@main.command()
@click.argument("queries", nargs=-1, required=True)
@index_option
@click.option("--by", type=click.Choice(["year", "month"]), default="year", show_default=True)
@click.option("--per", type=click.Choice(["passages", "meetings", "million-chars"]), default=None,
              help="Normalise: share of passages or meetings in the period, or hits per million characters.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False), default=None,
              help="Also draw a chart: FILE.png or FILE.svg.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv"]), default="text", show_default=True)
@expand_options
def trend(queries, index_dir, by, per, plot_path, fmt, expand, glossary) -> None:
    """Matching passages over time for one or more queries: a table, bars, or a chart file."""
    from search import render
    from search.engine import Engine
    from search.plot import check_plot_path, plot_trend

    if plot_path is not None:  # --plot '' or --plot x.pdf: said before the work ('' had been ignored)
        check_plot_path(plot_path)
    with Engine.open(index_dir, glossary=glossary) as engine:
        result = engine.trend(list(queries), by=by, per=per or "", expand=expand)
    if plot_path is not None:
        plot_trend(result, plot_path)
        click.echo(f"wrote {plot_path}", err=True)
    if fmt == "csv":
        click.echo(render.trend_csv(result), nl=False)
    else:
        for line in render.trend_text(result):
            click.echo(line)


if __name__ == "__main__":  # last: every command is defined by then
    main()
