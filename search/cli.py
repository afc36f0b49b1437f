"""The ``huiyi`` command. Each command parses its arguments, calls one library function and
renders the result; library errors become messages and exit codes here and nowhere else."""

from __future__ import annotations

import json
import sys

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


@click.group(cls=HuiyiGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="huiyi")
def main() -> None:
    """huiyi (会议): full-text search of bilingual meeting records."""


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
