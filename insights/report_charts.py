"""Charts for the curriculum gap report: matplotlib figures rendered to small, deterministic inline SVG.

Every chart function takes the report data and returns SVG text ready to be put inline in the page
(with a `<title>` and `<desc>` for screen readers), or None when there is nothing to plot. Figures are
built with `matplotlib.figure.Figure`, not pyplot, so no global figure state is left behind.
"""

from __future__ import annotations

from core.vocabulary import HANDOFF_REASONS  # an unknown reason is shown as its id in words

import io
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from insights.report_model import ReportData, WeekCount

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")  # yellow last: faint on white
OTHER_COLOUR = "#BBBBBB"
GAP_COLOUR = "#D55E00"
BASE_COLOUR = "#9EC9E2"
MAX_SERIES = 7  # more lines than this cannot be told apart: the rest are summed as "Other"

WIDTH_IN = 9.0  # 648 pt: fits a laptop column and, scaled to 100 %, an A4 page

_XML_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


# --------------------------------------------------------------------------------------------
# Helpers


def name_of(mapping: Mapping[str, str], key: str, unknown: str = "Unknown") -> str:
    """A human name for a taxonomy id, falling back to the id (and a word for "unknown")."""
    if key == "unknown":
        return mapping.get(key, unknown)
    return mapping.get(key, key)


def _rc(salt: str) -> dict[str, object]:
    # A salt per chart keeps the generated clip-path ids unique when several SVGs share one page,
    # and makes them the same on every run.
    return {
        "svg.fonttype": "none",  # text stays text: small files, the page's font, selectable labels
        "svg.hashsalt": f"safar-{salt}",
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica", "Liberation Sans"],
        "font.size": 10,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#666666",
        "axes.labelcolor": "#222222",
        "xtick.color": "#444444",
        "ytick.color": "#444444",
        "legend.frameon": False,
        "figure.facecolor": "white",
        "axes.facecolor": "white",
    }


@contextmanager
def _chart(salt: str, height_in: float) -> Iterator[Any]:
    """A new matplotlib Figure on the Agg backend, built and saved inside the house style."""
    import matplotlib

    # Chosen here, not at import: importing this module must not change another program's backend.
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    # rcParams are read while artists are created and saved, so the whole chart lives in the context.
    with matplotlib.rc_context(_rc(salt)):
        yield Figure(figsize=(WIDTH_IN, height_in), layout="constrained")


def to_svg(fig: Any, title: str, desc: str) -> str:
    """The figure as inline SVG text with an accessible <title> and <desc>, without XML prologue or metadata."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = _METADATA.sub("", _XML_PROLOGUE.sub("", buf.getvalue(), count=1), count=1)
    opening = _SVG_OPEN.search(svg)
    if opening is None:
        raise RuntimeError("matplotlib wrote SVG without an <svg> element")
    tag = opening.group(0)
    # role/aria: announced as one image with this name, not as hundreds of text fragments.
    label = escape(title, {'"': "&quot;"})
    new_tag = tag[:-1] + f' role="img" aria-label="{label}">'
    accessible = f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>"
    return svg[: opening.start()] + new_tag + accessible + svg[opening.end() :]


def to_png(fig: Any, dpi: int = 110) -> bytes:
    """The figure as PNG bytes (for e-mail bodies or tools that cannot show SVG)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


def _series(weeks: Sequence[WeekCount], limit: int = MAX_SERIES) -> tuple[list[date], list[str], dict[str, list[int]]]:
    """Weeks, keys by total (largest first, the tail folded into "other"), and counts per key per week."""
    totals: dict[str, int] = {}
    for week in weeks:
        for key, count in week.counts.items():
            totals[key] = totals.get(key, 0) + count
    keys = sorted(totals, key=lambda k: (-totals[k], k))
    shown, rest = keys[:limit], keys[limit:]
    if len(rest) == 1:  # folding a single series into "Other" would only hide its name
        shown, rest = keys, []
    values = {k: [w.counts.get(k, 0) for w in weeks] for k in shown}
    if rest:
        values["other"] = [sum(w.counts.get(k, 0) for k in rest) for w in weeks]
    return [w.week for w in weeks], list(values), values


def _week_axis(ax: Any, weeks: Sequence[date]) -> None:
    """Label weeks by their Monday's date, thinning the labels on long periods."""
    step = max(1, math.ceil(len(weeks) / 12))
    ticks = list(range(0, len(weeks), step))
    ax.set_xticks(ticks, [f"{weeks[i]:%d %b}" for i in ticks])
    ax.set_xlim(-0.5 if len(weeks) == 1 else 0, max(len(weeks) - 1, 0.5))
    ax.set_xlabel("Week starting (Monday)")


def _integer_y(ax: Any) -> None:
    """Whole-number ticks and light horizontal grid lines: counts are never fractional."""
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def humanise(key: str) -> str:
    """An id such as "user_request" as words ("User request")."""
    words = key.replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else key




def reason_name(reason: str) -> str:
    """A handoff reason id as words for a chart or table."""
    return HANDOFF_REASONS.get(reason, humanise(reason))


# --------------------------------------------------------------------------------------------
# Charts


def weekly_by_country_chart(data: ReportData) -> str | None:
    """Stacked area of questions per week by destination country."""
    weeks, keys, values = _series(data.weekly_by_country)
    total = sum(sum(v) for v in values.values())
    if not weeks or total == 0:
        return None
    names = [name_of(data.labels.countries, k) if k != "other" else "Other countries" for k in keys]
    with _chart("weekly-country", 3.4) as fig:
        ax = fig.add_subplot()
        colours = [PALETTE[i % len(PALETTE)] if k != "other" else OTHER_COLOUR for i, k in enumerate(keys)]
        x = list(range(len(weeks)))
        if len(weeks) == 1:  # an area needs two points: show a single week as a stacked bar
            bottom = 0
            for key, name, colour in zip(keys, names, colours):
                ax.bar(x, values[key], bottom=bottom, color=colour, label=name, width=0.6)
                bottom += values[key][0]
        else:
            ax.stackplot(x, *[values[k] for k in keys], labels=names, colors=colours, linewidth=0)
        _week_axis(ax, weeks)
        _integer_y(ax)
        ax.set_ylabel("Questions")
        busiest = max(range(len(weeks)), key=lambda i: sum(values[k][i] for k in keys))
        lead = names[0]
        title = f"{lead} accounts for {_share(sum(values[keys[0]]), total)} of {total:,} questions"
        ax.set_title(title)
        handles, labels = ax.get_legend_handles_labels()
        # Legend in stacking order, top layer first, so it reads like the chart from top to bottom.
        ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
        desc = (
            f"Questions per week from {weeks[0]:%d %b %Y} to {weeks[-1]:%d %b %Y}, stacked by destination: "
            + ", ".join(f"{n} {sum(values[k]):,}" for k, n in zip(keys, names))
            + f". Busiest week: {weeks[busiest]:%d %b %Y}."
        )
        return to_svg(fig, title, desc)


def weekly_by_module_chart(data: ReportData) -> str | None:
    """Lines of questions per week by course module."""
    weeks, keys, values = _series(data.weekly_by_module)
    total = sum(sum(v) for v in values.values())
    if not weeks or total == 0:
        return None
    names = [name_of(data.labels.modules, k, "No matching module") if k != "other" else "Other modules" for k in keys]
    with _chart("weekly-module", 3.4) as fig:
        ax = fig.add_subplot()
        x = list(range(len(weeks)))
        markers = "osD^v<>p"  # a second cue besides colour, for greyscale prints
        for i, (key, name) in enumerate(zip(keys, names)):
            colour = PALETTE[i % len(PALETTE)] if key != "other" else OTHER_COLOUR
            ax.plot(x, values[key], label=name, color=colour, marker=markers[i % len(markers)], markersize=3.5, linewidth=1.6)
        _week_axis(ax, weeks)
        _integer_y(ax)
        ax.set_ylim(bottom=0)
        ax.set_ylabel("Questions")
        title = f"Most questions are about {names[0]} ({_share(sum(values[keys[0]]), total)})"
        ax.set_title(title)
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
        desc = "Questions per week by course module: " + ", ".join(f"{n} {sum(values[k]):,}" for k, n in zip(keys, names)) + "."
        return to_svg(fig, title, desc)


def topic_bars_chart(data: ReportData, limit: int = 20) -> str | None:
    """Horizontal bars of questions per topic (grouped by module), the share that became gaps highlighted."""
    questions: dict[str, int] = {}
    gaps: dict[str, int] = {}
    modules: dict[str, str] = {}
    for row in data.topics:
        questions[row.topic] = questions.get(row.topic, 0) + row.questions
        gaps[row.topic] = gaps.get(row.topic, 0) + row.gaps
        modules.setdefault(row.topic, row.module)
    if not questions or sum(questions.values()) == 0:
        return None
    # The busiest topics, then drawn grouped under their module so a module's topics sit together.
    top = sorted(questions, key=lambda t: (-questions[t], t))[:limit]
    module_total: dict[str, int] = {}
    for t in top:
        module_total[modules[t]] = module_total.get(modules[t], 0) + questions[t]
    rows: list[tuple[str, str]] = []  # ("module", id) header rows and ("topic", id) bar rows, top to bottom
    for module in sorted(module_total, key=lambda m: (-module_total[m], m)):
        rows.append(("module", module))
        rows += [("topic", t) for t in sorted((t for t in top if modules[t] == module), key=lambda t: (-questions[t], t))]
    order = [key for kind, key in rows if kind == "topic"]
    with _chart("topics", 1.3 + 0.27 * len(rows)) as fig:
        ax = fig.add_subplot()
        y_of = {i: len(rows) - 1 - i for i in range(len(rows))}  # barh puts y=0 at the bottom
        top_count = max(questions[t] for t in order)
        for i, (kind, key) in enumerate(rows):
            y = y_of[i]
            if kind == "module":
                module_name = name_of(data.labels.modules, key, "No module")
                ax.text(0, y, f"{module_name} ({module_total[key]:,})", va="center", ha="left", fontsize=9.5, fontweight="bold")
                continue
            q, g = questions[key], gaps[key]
            ax.barh(y, q, color=BASE_COLOUR, height=0.72)
            ax.barh(y, g, color=GAP_COLOUR, height=0.72)
            ax.text(q + top_count * 0.01, y, f"{q:,}  ({_share(g, q)} gaps)", va="center", fontsize=8.5, color="#333333")
        topic_rows = [(y_of[i], name_of(data.labels.topics, key, "Not in the curriculum")) for i, (kind, key) in enumerate(rows) if kind == "topic"]
        ax.set_yticks([y for y, _ in topic_rows], [label for _, label in topic_rows], fontsize=9)
        ax.tick_params(axis="y", length=0)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        ax.spines["left"].set_visible(False)
        ax.set_xlabel("Questions in the period")
        ax.set_xlim(0, top_count * 1.22)
        ax.grid(axis="x", color="#E5E5E5", linewidth=0.8)
        ax.set_axisbelow(True)
        from matplotlib.patches import Patch

        fig.legend(
            handles=[Patch(color=BASE_COLOUR, label="Questions"), Patch(color=GAP_COLOUR, label="Of which gaps (handed off, no confident match or rated unhelpful)")],
            loc="outside lower left", ncols=2, fontsize=8.5,
        )
        worst = max(order, key=lambda t: (gaps[t], questions[t]))
        worst_name = name_of(data.labels.topics, worst, "Questions outside the curriculum")
        if gaps[worst]:
            title = f"Most gaps: {worst_name} ({gaps[worst]:,} of {questions[worst]:,} questions)"
        else:
            title = "Questions by topic: none became gaps"
        ax.set_title(title)
        desc = "Questions and gaps per topic: " + "; ".join(
            f"{name_of(data.labels.topics, t, 'Not in the curriculum')} {questions[t]:,} questions, {gaps[t]:,} gaps" for t in order
        ) + "."
        return to_svg(fig, title, desc)


def gap_heatmap_chart(data: ReportData, min_questions: int = 5) -> str | None:
    """Heatmap of the gap rate per country × topic, with the counts written in each cell."""
    rows = [r for r in data.topics if r.questions > 0]
    if not rows:
        return None
    cells: dict[tuple[str, str], tuple[int, int]] = {}
    for r in rows:
        q, g = cells.get((r.topic, r.country), (0, 0))
        cells[(r.topic, r.country)] = (q + r.questions, g + r.gaps)
    countries = sorted({c for _, c in cells}, key=lambda c: (-sum(q for (_, cc), (q, _) in cells.items() if cc == c), c))
    topic_gaps = {t: sum(g for (tt, _), (_, g) in cells.items() if tt == t) for t, _ in cells}
    topics = sorted(topic_gaps, key=lambda t: (-topic_gaps[t], t))
    import numpy as np
    from matplotlib.colors import LinearSegmentedColormap

    grid = np.full((len(topics), len(countries)), np.nan)
    for (t, c), (q, g) in cells.items():
        grid[topics.index(t), countries.index(c)] = g / q
    # One light-to-dark hue: ordered for every reader, and light enough that text stays legible.
    cmap = LinearSegmentedColormap.from_list("gaps", ["#FFF7EC", "#FDD49E", "#FC8D59", "#D7301F"]).with_extremes(bad="#F2F2F2")
    with _chart("heatmap", 1.2 + 0.32 * len(topics)) as fig:
        ax = fig.add_subplot()
        image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=1, aspect="auto")
        for (t, c), (q, g) in cells.items():
            yi, xi = topics.index(t), countries.index(c)
            ax.text(xi, yi, f"{g / q:.0%} of {q:,}", ha="center", va="center", fontsize=8, color="white" if g / q > 0.7 else "#222222")
        ax.set_xticks(range(len(countries)), [name_of(data.labels.countries, c) for c in countries])
        ax.set_yticks(range(len(topics)), [name_of(data.labels.topics, t, "Not in the curriculum") for t in topics], fontsize=9)
        ax.tick_params(axis="x", top=True, labeltop=True, bottom=False, labelbottom=False)
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_xticks([x - 0.5 for x in range(1, len(countries))], minor=True)
        ax.set_yticks([y - 0.5 for y in range(1, len(topics))], minor=True)
        ax.grid(which="minor", color="white", linewidth=2)
        ax.tick_params(which="minor", length=0)
        bar = fig.colorbar(image, ax=ax, shrink=0.6, format=lambda v, _: f"{v:.0%}")
        bar.set_label("Share of questions that became gaps")
        bar.outline.set_visible(False)
        # A headline from a cell with a handful of questions would only be noise.
        # Questions outside the curriculum are gaps by definition: no finding in their rate.
        big = [(g / q, q, t, c) for (t, c), (q, g) in cells.items() if q >= min_questions and t != "unknown"]
        if big:
            rate, q, t, c = max(big, key=lambda v: (v[0], v[1]))
            title = (
                f"Highest gap rate: {name_of(data.labels.topics, t)} "
                f"for {name_of(data.labels.countries, c)} ({rate:.0%} of {q:,})"
            )
        else:
            title = "Gap rate by destination and topic"
        ax.set_title(title, pad=24)
        desc = (
            "Share of questions that became gaps, by topic (rows) and destination (columns); grey cells had no questions. "
            f"Cells with at least {min_questions} questions are used for the headline."
        )
        return to_svg(fig, title, desc)


def handoffs_weekly_chart(data: ReportData) -> str | None:
    """Stacked bars of tickets per week by handoff reason."""
    weeks, keys, values = _series(data.handoffs.by_week)
    total = sum(sum(v) for v in values.values())
    if not weeks or total == 0:
        return None
    names = [reason_name(k) if k != "other" else "Other reasons" for k in keys]
    with _chart("handoffs-weekly", 3.2) as fig:
        ax = fig.add_subplot()
        x = list(range(len(weeks)))
        bottom = [0] * len(weeks)
        for i, (key, name) in enumerate(zip(keys, names)):
            colour = PALETTE[i % len(PALETTE)] if key != "other" else OTHER_COLOUR
            ax.bar(x, values[key], bottom=bottom, color=colour, label=name, width=0.75)
            bottom = [b + v for b, v in zip(bottom, values[key])]
        _week_axis(ax, weeks)
        ax.set_xlim(-0.6, len(weeks) - 0.4)
        _integer_y(ax)
        ax.set_ylabel("Tickets")
        title = f"{total:,} handoffs; most common reason: {names[0].lower()} ({_share(sum(values[keys[0]]), total)})"
        ax.set_title(title)
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9)
        desc = "Trainer handoff tickets per week by reason: " + ", ".join(f"{n} {sum(values[k]):,}" for k, n in zip(keys, names)) + "."
        return to_svg(fig, title, desc)


def first_reply_chart(data: ReportData) -> str | None:
    """Histogram of hours to the first trainer reply, with the SLA as a vertical line."""
    hours = sorted(h for h in data.handoffs.first_reply_hours if h >= 0)
    if not hours:
        return None
    sla = data.handoffs.sla_hours
    with _chart("first-reply", 3.0) as fig:
        ax = fig.add_subplot()
        # Bins that line up with the SLA, so a bar never straddles it; long tails are capped at 3× the SLA.
        top = max(sla * 3, 1)
        width = max(sla / 8, 0.25) if sla > 0 else max(top / 24, 0.25)
        capped = [min(h, top) for h in hours]
        edges = [i * width for i in range(int(math.ceil(top / width)) + 2)]
        within = [h for h in capped if h <= sla]
        beyond = [h for h in capped if h > sla]
        ax.hist([within, beyond], bins=edges, stacked=True, color=[PALETTE[0], GAP_COLOUR], label=[f"Within {sla} h", f"Later than {sla} h"])
        ax.axvline(sla, color="#222222", linestyle="--", linewidth=1.2)
        ax.annotate(f"SLA {sla} h", xy=(sla, 1), xycoords=("data", "axes fraction"), xytext=(4, -4), textcoords="offset points", va="top", fontsize=9)
        xlabel = "Hours from handoff to the first trainer reply"
        late = sum(h > top for h in hours)
        if late:  # the long tail is folded into the last bar rather than stretching the axis
            xlabel += f" ({late:,} repl{'ies' if late != 1 else 'y'} after {top:g} h counted at {top:g} h)"
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Tickets")
        _integer_y(ax)
        ax.legend(loc="upper right", fontsize=9)
        stats = data.handoffs
        median = stats.median_first_reply_hours
        parts = []
        if median is not None:
            parts.append(f"Median first reply {median:.1f} h")
        if stats.within_sla is not None:
            parts.append(f"{stats.within_sla:.0%} within the {sla} h SLA")
        title = "; ".join(parts) if parts else "Time to the first trainer reply"
        ax.set_title(title)
        desc = (
            f"Histogram of {len(hours):,} first replies by trainers, in hours; dashed line at the {sla} h SLA; "
            f"{len(within):,} within it, {len(beyond):,} later."
        )
        return to_svg(fig, title, desc)


def all_charts(data: ReportData) -> dict[str, str | None]:
    """Every chart of the report by name (None where there is nothing to plot)."""
    return {
        "weekly_by_country": weekly_by_country_chart(data),
        "weekly_by_module": weekly_by_module_chart(data),
        "topics": topic_bars_chart(data),
        "gap_heatmap": gap_heatmap_chart(data),
        "handoffs_weekly": handoffs_weekly_chart(data),
        "first_reply": first_reply_chart(data),
    }
