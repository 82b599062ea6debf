"""One self-contained HTML page for a manager: no network, every document text escaped.

jinja2 (autoescape on) builds the page; pygal draws the charts as inline SVG. pygal's
default output loads its tooltip script from a CDN: we pass `js=[]` and drop its inline
config script, so the page makes no request and runs only our own few lines of sorting JS.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

import jinja2
import pygal
from markupsafe import Markup
from pygal.style import Style

from tracker import __version__
from tracker.report import formatting as fmt
from tracker.report.gc_pause import without_gc
from tracker.report.model import ReportData

_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S)

_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1f2933",
    foreground_strong="#1f2933",
    foreground_subtle="#9aa5b1",
    font_family=(
        "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', "
        "'Noto Sans CJK SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
    ),
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    title_font_size=15,
    value_font_size=11,
    opacity=".9",
    opacity_hover="1",
    colors=("#2f9e44", "#1c7ed6", "#adb5bd", "#868e96", "#e03131"),
)

# Series order in the team bars follows _STYLE.colors: done, in progress, open, won't do.
_STATUS_SERIES = (("Done", "done"), ("In progress", "in_progress"), ("Open", "open"))


def _inline_svg(chart: pygal.graph.graph.Graph, chart_id: str) -> str:
    """The chart's SVG without scripts. pygal names each chart with a random uuid (its
    element id and CSS prefix); a fixed id per chart makes the same report the same
    bytes, so a page kept in git or compared between runs differs only where figures do."""
    chart.uuid = chart_id
    svg = chart.render(is_unicode=True, disable_xml_declaration=True)
    return _SCRIPT.sub("", str(svg))


def team_bars_svg(report: ReportData) -> str:
    """Stacked bars of each team's items by status; the overdue count is its own bar."""
    teams = report.teams
    chart = pygal.HorizontalStackedBar(
        js=[],
        style=_STYLE,
        width=900,
        height=max(220, 90 + 26 * len(teams)),
        explicit_size=True,
        legend_at_bottom=True,
        legend_at_bottom_columns=4,
        print_values=False,
        show_y_guides=False,
        truncate_label=24,
        margin=10,
    )
    chart.x_labels = [t.team for t in teams]
    for label, attribute in _STATUS_SERIES:
        chart.add(label, [getattr(t, attribute) for t in teams])
    chart.add("Won't do", [t.wont_do for t in teams])
    return _inline_svg(chart, "team-bars")


def _axis_top(value: int) -> int:
    """A round upper bound for a count axis, so its ticks land on whole numbers."""
    for top in (5, 10, 20, 50, 100, 200, 500, 1000):
        if value <= top:
            return top
    return -(-value // 1000) * 1000


def trend_svg(report: ReportData) -> str:
    """Completion rate (left axis, %) and open overdue count (right axis) per week."""
    chart = pygal.Line(
        js=[],
        style=Style(**{**_STYLE.__dict__, "colors": ("#2f9e44", "#e03131")}),
        width=900,
        height=300,
        explicit_size=True,
        legend_at_bottom=False,  # left legend beside the left axis, right one beside the right
        truncate_legend=-1,
        show_minor_x_labels=True,
        dots_size=3,
        margin=10,
        range=(0, 100),
        secondary_range=(0, _axis_top(max([p.open_overdue for p in report.trend], default=0))),
        value_formatter=lambda v: f"{v:g}",
        y_title="Completion %",
        y_labels=list(range(0, 101, 20)),
    )
    chart.x_labels = [p.week_ending.strftime("%m-%d") for p in report.trend]
    chart.add(
        "Completion %",
        [
            None if p.completion_rate is None else round(p.completion_rate * 100, 1)
            for p in report.trend
        ],
    )
    chart.add("Open overdue", [p.open_overdue for p in report.trend], secondary=True)
    return _inline_svg(chart, "trend")


def http_url(url: str | None) -> str | None:
    """Only http(s) links become hrefs: a `javascript:` ticket URL in a document stays inert."""
    return url if url and url.lower().startswith(("https://", "http://")) else None


@cache
def _environment() -> jinja2.Environment:
    """The page's jinja2 environment, once per process: it keeps the compiled template
    (compiling it takes 0.02–0.04 s), so a process that renders the page again (the
    scheduler, a benchmark) compiles it once."""
    template_dir = files("tracker.report").joinpath("templates")
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = fmt.percent
    env.filters["days"] = fmt.days
    env.filters["iso"] = fmt.iso
    env.filters["http_url"] = http_url
    env.filters["more_note"] = fmt.more_note
    return env


@without_gc
def render_html(report: ReportData) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        team_bars=Markup(team_bars_svg(report)) if report.teams else "",
        trend_chart=Markup(trend_svg(report)),
        version=__version__,
        none_mark=fmt.NONE_MARK,
    )
