"""Timeline chart: incidents per period by event type, with milestones."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd

from iraq_atlas.analysis.timeline import FREQUENCIES, LINE_STYLES, counts_by_period, lines_for_chart, select_window
from iraq_atlas.vocab import DEFAULT_COLOR, EVENT_COLORS


def timeline_chart(incidents: pd.DataFrame, milestones: pd.DataFrame, start, end, freq: str = "W",
                   title: str | None = None):
    """Stacked incident counts per period by event type, with milestones as labelled vertical lines."""
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
    lines = lines_for_chart(select_window(milestones, start, end))
    for i, m in enumerate(lines.itertuples()):
        color, style = LINE_STYLES.get(m.kind, ("#333333", "-"))
        ax.axvline(m.date, color=color, linestyle=style, linewidth=1.4, zorder=3)
        ax.text(m.date, ax.get_ylim()[1] * (0.98 - 0.07 * (i % 4)), " " + _short(m.label), rotation=0,
                fontsize=7.5, va="top", ha="left", color=color, zorder=4,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 1})
    ax.set_xlim(start, end + pd.Timedelta(days=1))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b\n%Y"))
    ax.set_ylabel(f"incidents per {FREQUENCIES[freq]}")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title(title or f"Incidents by type, {start:%d %b %Y} – {end:%d %b %Y}")
    if len(counts.columns):
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
