"""Milestone labels on the timeline never collide, however many milestones a window holds."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from iraq_atlas.analysis.timeline import lines_for_chart, load_milestones, select_window  # noqa: E402
from iraq_atlas.incidents import load_incidents  # noqa: E402
from iraq_atlas.viz.timeline import timeline_chart  # noqa: E402


@pytest.mark.parametrize("start,end,freq", [("2021-01-01", "2022-12-31", "W"), ("2019-06-01", "2021-05-31", "M"),
                                            ("2025-09-01", "2026-06-30", "W")])
def test_no_two_milestone_labels_overlap(start, end, freq):
    milestones = load_milestones()
    fig = timeline_chart(load_incidents().accepted, milestones, start, end, freq)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    labels = [t for t in fig.axes[0].texts if t.get_gid() == "milestone-label"]
    expected = len(lines_for_chart(select_window(milestones, pd.Timestamp(start), pd.Timestamp(end))))
    assert len(labels) == expected >= 7          # a busy window: every line keeps its label
    boxes = [t.get_window_extent(renderer) for t in labels]
    for (i, a), (j, b) in itertools.combinations(enumerate(boxes), 2):
        assert not a.overlaps(b), (labels[i].get_text(), labels[j].get_text())
    page = fig.bbox
    assert all(page.x0 <= b.x0 and b.x1 <= page.x1 and page.y0 <= b.y0 and b.y1 <= page.y1 for b in boxes)
    legend = fig.axes[0].get_legend()
    if legend is not None:  # labels stay off the legend at the right
        lb = legend.get_window_extent(renderer)
        assert not any(b.overlaps(lb) for b in boxes)
    plt.close(fig)
