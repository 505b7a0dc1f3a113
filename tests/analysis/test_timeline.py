"""Milestones, date windows and the incidents-over-time chart."""

from __future__ import annotations

import pandas as pd
import pytest

from iraq_atlas.analysis import timeline
from iraq_atlas.errors import DataError
from iraq_atlas.incidents.load import load_curated
from iraq_atlas.viz import charts
from iraq_atlas.viz.timeline import timeline_chart


@pytest.fixture(scope="module")
def curated():
    return load_curated().accepted


def test_milestones_load_from_both_tables():
    m = timeline.load_milestones()
    assert len(m) == 18 + 30          # rows in incidents/milestones.csv + elections/milestones.csv
    assert m.date.is_monotonic_increasing
    day = m[m.date == pd.Timestamp("2021-10-10")]
    assert set(day.kind) == {"election_day"} and set(day.origin) == {"political", "elections"}


def test_bad_milestone_rows_are_reported_with_file_row_column(tmp_path):
    bad = tmp_path / "milestones.csv"
    bad.write_text("date,milestone_id,label,kind,source_url\n"
                   "2021-10-10,a,Election,election_day,https://example.org/a\n"
                   "10/11/2021,b,Results,results,https://example.org/b\n"
                   "2021-11-05,c,Clash,riot,https://example.org/c\n"
                   "2021-11-07,a,Strike,killing,\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        timeline.load_milestones(political=bad)
    text = str(err.value)
    assert "milestones.csv, row 2, column 'date'" in text
    assert "row 3, column 'kind': unknown kind 'riot'" in text
    assert "row 4, column 'source_url'" in text and "row 4, column 'milestone_id': duplicate id 'a'" in text


def test_select_window_and_merged_lines(curated):
    m = pd.concat([timeline.load_milestones(), timeline.key_incidents(curated)], ignore_index=True)
    win = timeline.select_window(m, "2021-09-26", "2021-11-21")
    lines = timeline.lines_for_chart(win)
    assert list(lines.date.dt.strftime("%Y-%m-%d")) == ["2021-10-10", "2021-10-11", "2021-10-16",
                                                        "2021-11-05", "2021-11-07"]
    assert set(lines.iloc[0].milestone_ids.split("|")) == {"ed_2021", "election_day_2021"}
    assert lines.iloc[4].label.startswith("7 Nov 2021: air/drone strike")
    assert lines.iloc[3].kind == "incident" and lines.iloc[3].milestone_ids == "IRQIA0049"


def test_weekly_counts_by_hand(curated):
    c = timeline.counts_by_period(curated, "2021-10-01", "2021-11-21", "W")
    # weeks start on Monday; 19 and 24 Oct protests, 5 Nov riot, 7 Nov drone strike
    assert c.loc[pd.Timestamp("2021-10-18"), "Protests"] == 2
    assert c.loc[pd.Timestamp("2021-11-01"), "Riots"] == 1
    assert c.loc[pd.Timestamp("2021-11-01"), "Explosions/Remote violence"] == 1
    assert int(c.to_numpy().sum()) == 4 and len(c) == 8
    daily = timeline.counts_by_period(curated, "2021-11-01", "2021-11-10", "D")
    assert len(daily) == 10 and daily.loc[pd.Timestamp("2021-11-07")].sum() == 1
    with pytest.raises(ValueError, match="freq"):
        timeline.counts_by_period(curated, "2021-10-01", "2021-11-21", "Y")


def test_timeline_chart_draws_lines_and_saves_png_and_svg(curated, tmp_path):
    m = pd.concat([timeline.load_milestones(), timeline.key_incidents(curated)], ignore_index=True)
    fig = timeline_chart(curated, m, "2021-09-26", "2021-11-21")
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert any("election day" in t for t in texts)
    assert any(t.strip().startswith("5 Nov 2021") for t in texts)
    assert any(t.strip().startswith("7 Nov 2021") for t in texts)
    assert len(ax.lines) == 5
    heights = sorted(p.get_height() for p in ax.patches if p.get_height() > 0)
    assert heights == [1, 1, 2]
    png, svg = charts.save_figure(fig, tmp_path, "03_timeline")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml") and svg.stat().st_size > 5000
