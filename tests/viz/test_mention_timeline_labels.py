"""Date ticks of the geoparse timeline never overlap, however wide or dense the span of dated mentions."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from iraq_atlas.viz.charts import mention_timeline, nothing_to_show  # noqa: E402


def _mentions(starts: list[str], days: int) -> pd.DataFrame:
    """One dated mention per start day (each spanning ``days`` days), spread over three articles."""
    return pd.DataFrame({
        "kind": ["date"] * len(starts),
        "text": [f"mention {i}" for i in range(len(starts))],
        "file": [f"article_{i % 3}.txt" for i in range(len(starts))],
        "date_start": starts,
        "date_end": [str((pd.Timestamp(s) + pd.Timedelta(days=days - 1)).date()) for s in starts],
    })


# dense windows: every few days over two months, every fortnight over a year and a half, every two
# months over six years; and a single week of daily mentions
WINDOWS = {
    "two months": ([f"2021-10-{d:02d}" for d in range(1, 32, 2)] + [f"2021-11-{d:02d}" for d in range(1, 31, 2)],
                   2, "2021-11-08"),
    "eighteen months": ([str(d.date()) for d in pd.date_range("2020-06-01", "2021-11-30", freq="14D")],
                        10, "2021-11-08"),
    "six years": ([f"{y}-{m:02d}-01" for y in range(2016, 2022) for m in range(1, 13, 2)], 30, "2021-11-08"),
    "one week": ([f"2021-11-{d:02d}" for d in range(3, 10)], 1, "2021-11-08"),
}


@pytest.mark.parametrize("window", list(WINDOWS))
def test_no_two_date_ticks_overlap_and_none_runs_over_the_legend(window):
    starts, days, published = WINDOWS[window]
    fig = mention_timeline(_mentions(starts, days), published)
    assert nothing_to_show(fig) == ""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    lo, hi = sorted(ax.get_xlim())
    ticks = [t for t, x in zip(ax.get_xticklabels(), ax.get_xticks())
             if t.get_visible() and t.get_text().strip() and lo <= x <= hi]
    assert len(ticks) >= 2, window                # the axis is labelled, not thinned to nothing
    texts = ticks + [ax.xaxis.get_offset_text()] if ax.xaxis.get_offset_text().get_text() else ticks
    boxes = [t.get_window_extent(renderer) for t in texts]
    for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
        assert not a.overlaps(b), (window, texts[i].get_text(), texts[j].get_text())
    page = fig.bbox
    assert all(page.x0 <= b.x0 and b.x1 <= page.x1 and page.y0 <= b.y0 and b.y1 <= page.y1 for b in boxes), window
    legend = ax.get_legend()
    assert legend is not None and [t.get_text() for t in legend.get_texts()] == ["published"]
    lb = legend.get_window_extent(renderer)
    assert not any(b.overlaps(lb) for b in boxes), window
    assert not lb.overlaps(ax.get_window_extent(renderer)), window   # the legend sits beside the bars
    plt.close(fig)


def test_every_dated_mention_keeps_its_row_label():
    """Thinning applies to the date axis only: each mention keeps its own labelled row."""
    starts, days, published = WINDOWS["six years"]
    fig = mention_timeline(_mentions(starts, days), published)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == 36                      # six years x six months
    assert labels[0] == "mention 0 (article_0)" and labels[-1] == "mention 35 (article_2)"
    plt.close(fig)
