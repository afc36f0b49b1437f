"""Trend charts with matplotlib: one line per query, titled and labelled."""

from __future__ import annotations

from corpus.errors import HuiyiError, UsageError


class PlotError(HuiyiError):
    pass


class PlotPathError(UsageError):
    """A chart file name huiyi cannot draw to (exit code 2, before any work)."""


def check_plot_path(path: str) -> None:
    if not path.lower().endswith((".png", ".svg")):
        raise PlotPathError(f"--plot {path!r}: the file name must end in .png or .svg")


def plot_trend(trend, path: str) -> None:
    """Write the chart to ``path`` (.png or .svg); raises PlotError when it cannot."""
    check_plot_path(path)
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
    han = _han_font()

    # a query's $ is a dollar, not matplotlib's maths ("$1,000" OR "$2,000" had raised a ParseException)
    with matplotlib.rc_context({"text.parse_math": False}):
        figure, axes = plt.subplots(figsize=(10, 4.5), dpi=100)
        try:
            _draw(axes, trend, han)
            figure.tight_layout()
            figure.savefig(path)
        except OSError as error:
            raise PlotError(f"cannot write {path}: {error.strerror or error}") from None
        finally:
            plt.close(figure)


def _draw(axes, trend, han) -> None:
    positions = range(len(trend.periods))
    for series in trend.series:
        axes.plot(positions, series.values, marker="o", markersize=3, label=series.query)
    step = max(1, len(trend.periods) // 20)
    axes.set_xticks(list(positions)[::step], trend.periods[::step], rotation=45, ha="right")
    axes.set_xlabel(trend.by)
    axes.set_ylabel(trend.measure)
    axes.set_title("huiyi trend: " + ", ".join(series.query for series in trend.series), fontproperties=han)
    axes.set_ylim(bottom=0)
    axes.legend(prop=han)
    axes.grid(alpha=0.3)


def _han_font():
    """A font with Chinese characters if the machine has one, so legends are not boxes."""
    from matplotlib import font_manager

    for name in ("Noto Sans CJK SC", "Noto Sans CJK JP", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
                 "Source Han Sans SC", "SimHei", "AR PL UMing CN"):
        if any(font.name == name for font in font_manager.fontManager.ttflist):
            return font_manager.FontProperties(family=name)
    return None
