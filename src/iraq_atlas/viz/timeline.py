"""Timeline chart: incidents per period by event type, with milestones."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

from iraq_atlas.analysis.timeline import FREQUENCIES, LINE_STYLES, counts_by_period, lines_for_chart, select_window
from iraq_atlas.vocab import DEFAULT_COLOR, EVENT_COLORS


def timeline_chart(incidents: pd.DataFrame, milestones: pd.DataFrame, start, end, freq: str = "W",
                   title: str | None = None):
    """Stacked incident counts per period by event type, with milestones as labelled vertical lines.

    Parameters
    ----------
    incidents : pandas.DataFrame
        Incidents with ``event_date`` and ``event_type`` (e.g. ``load_incidents().accepted``).
    milestones : pandas.DataFrame
        ``date``, ``milestone_id``, ``label``, ``kind`` and ``source_url``
        (:func:`iraq_atlas.analysis.timeline.load_milestones`); those in the period are drawn
        as vertical lines with their labels, none overlapping another (:func:`place_labels`).
    start, end : date-like
        The period (both days included).
    freq : {"D", "W", "M"}
        Count per day, week or month.
    title : str, optional
        Replaces the default title (the event types and the period).

    Returns
    -------
    matplotlib.figure.Figure
        One axis: a stacked bar per period, a legend of the event types, the milestone lines.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> inc = pd.DataFrame({"event_date": pd.to_datetime(["2021-11-05", "2021-11-07", "2021-11-07"]),
    ...                     "event_type": ["Battles", "Explosions/Remote violence", "Battles"]})
    >>> ms = pd.DataFrame({"date": pd.to_datetime(["2021-11-07"]), "milestone_id": ["m1"],
    ...                    "label": ["drone strike"], "kind": ["killing"], "source_url": [""]})
    >>> fig = timeline_chart(inc, ms, "2021-11-01", "2021-11-14")
    >>> ax = fig.axes[0]
    >>> ax.get_title(), ax.get_ylabel()
    ('Incidents by type, 01 Nov 2021 – 14 Nov 2021', 'incidents per week')
    >>> [t.get_text() for t in ax.get_legend().get_texts()], [t.get_text().strip() for t in ax.texts]
    (['Battles', 'Explosions/Remote violence'], ['drone strike'])
    >>> plt.close(fig)
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    counts = counts_by_period(incidents, start, end, freq)
    width = {"D": 0.8, "W": 5.6, "M": 24}[freq]
    fig, ax = plt.subplots(figsize=(11, 5))
    bottom = pd.Series(0, index=counts.index)
    for etype in counts.columns:
        ax.bar(counts.index, counts[etype], width=width, bottom=bottom, align="edge",
               color=EVENT_COLORS.get(etype, DEFAULT_COLOR), label=etype, edgecolor="white", linewidth=0.5)
        bottom = bottom + counts[etype]
    top = max(int(bottom.max()) if len(bottom) else 0, 1)
    ax.set_ylim(0, top * 1.9 + 1)
    ax.set_xlim(start, end + pd.Timedelta(days=1))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=8))  # ticks thinned to what fits
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
    ax.set_ylabel(f"incidents per {FREQUENCIES[freq]}")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title or f"Incidents by type, {start:%d %b %Y} – {end:%d %b %Y}")
    if len(counts.columns):
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    lines = lines_for_chart(select_window(milestones, start, end))
    for m in lines.itertuples():
        color, style = LINE_STYLES.get(m.kind, ("#333333", "-"))
        ax.axvline(m.date, color=color, linestyle=style, linewidth=1.4, zorder=3)
    place_labels(ax, [(m.date, " " + _short(m.label) + " ", LINE_STYLES.get(m.kind, ("#333333", "-"))[0])
                      for m in lines.itertuples()], bars_top=top)
    return fig


def place_labels(ax, labels: list[tuple], bars_top: float, fontsize: float = 7.5) -> list:
    """Milestone labels in rows from the top of the axes, none overlapping another.

    Each label starts at its line and runs right, or ends at its line and runs left
    when it would leave the axes; it takes the highest row where it overlaps no label
    placed before it (labels are taken by date). When the rows reach down to the bars,
    the y axis grows so that every row stays above them.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Axes whose limits and position are final.
    labels : list of (x, text, color)
        ``x`` in data coordinates (a date on a date axis).
    bars_top : float
        The highest bar, in data units: labels stay above it.
    fontsize : float
        Label size in points.

    Returns
    -------
    list of matplotlib.text.Text
        The labels, each with gid ``"milestone-label"``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> _ = ax.set_xlim(0, 10); _ = ax.set_ylim(0, 10)
    >>> texts = place_labels(ax, [(1, "first label", "k"), (1.5, "second label", "k")], bars_top=2)
    >>> a, b = (t.get_window_extent() for t in texts)
    >>> bool(a.overlaps(b)), bool(texts[0].get_position()[1] > texts[1].get_position()[1])
    (False, True)
    >>> plt.close(fig)
    """
    renderer = ax.figure.canvas.get_renderer()
    box = ax.get_window_extent(renderer)

    def as_number(x) -> float:
        return x if isinstance(x, (int, float)) else mdates.date2num(x)

    placed, rows = [], []   # rows: the display x-intervals taken in each row
    for x, text, color in sorted(labels, key=lambda lab: as_number(lab[0])):
        t = ax.text(x, 0, text, fontsize=fontsize, va="top", ha="left", color=color, zorder=4, gid="milestone-label",
                    bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none", "pad": 1})
        width = t.get_window_extent(renderer).width
        x_disp = ax.transData.transform((as_number(x), 0))[0]
        if x_disp + width > box.x1 and x_disp - width >= box.x0:
            t.set_ha("right")
            lo, hi = x_disp - width, x_disp
        else:
            lo, hi = x_disp, x_disp + width
        row = next((i for i, taken in enumerate(rows) if all(hi + 2 < a or lo - 2 > b for a, b in taken)), len(rows))
        if row == len(rows):
            rows.append([])
        rows[row].append((lo, hi))
        placed.append((t, row))
    texts = [t for t, _ in placed]
    if not texts:
        return texts
    step = texts[0].get_window_extent(renderer).height * 1.15  # one size for every label
    need = len(rows) * step + 4                      # display pixels the rows take below the top
    ymin, ymax = ax.get_ylim()
    px_per_unit = box.height / (ymax - ymin)
    if bars_top * px_per_unit > box.height - need:  # rows would reach the bars: make the axis taller
        ymax = ymin + bars_top * box.height / max(box.height - need, box.height * 0.2)
        ax.set_ylim(ymin, ymax)
        px_per_unit = box.height / (ymax - ymin)
    for t, row in placed:
        t.set_y(ymax - (2 + row * step) / px_per_unit)
    return texts


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
