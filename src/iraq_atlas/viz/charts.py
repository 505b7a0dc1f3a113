"""Matplotlib charts with one palette for blocs and event types across the suite."""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path
from typing import Sequence

import geopandas as gpd
import matplotlib
import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Circle, Patch, Rectangle

from iraq_atlas.analysis.bands import BAGHDAD_ISO
from iraq_atlas.analysis.summaries import CAUSALITY_CAPTION
from iraq_atlas.places.boundaries import Boundaries
from iraq_atlas.places.governorates import governorate_names
from iraq_atlas.vocab import BLOC_COLORS, BLOC_LABELS, BLOC_ORDER, KIND_COLORS

__all__ = ["places_overview", "save_figure", "hemicycle_layout", "hemicycle", "seat_change_chart", "seats_map", "turnout_chart", "small_multiples", "scatter_iran_change", "per_seat_map"]


def places_overview(boundaries: Boundaries, places: gpd.GeoDataFrame):
    """A static map of governorates (or the tile grid) with gazetteer places coloured by kind.

    Parameters
    ----------
    boundaries : Boundaries
        Governorate polygons (:func:`~iraq_atlas.places.boundaries.load_boundaries`); on the
        tile grid each tile is labelled with its ISO code.
    places : geopandas.GeoDataFrame
        Gazetteer places with ``kind`` and a point geometry
        (:func:`~iraq_atlas.places.gazetteer.load_places`); rows without a point are left out.

    Returns
    -------
    matplotlib.figure.Figure
        One axis: the governorates, one marker colour per place kind (named in the legend)
        and the boundaries' credit line.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from iraq_atlas.places.boundaries import load_boundaries
    >>> from iraq_atlas.places.gazetteer import load_places
    >>> fig = places_overview(load_boundaries("ADM1"), load_places())
    >>> ax = fig.axes[0]
    >>> ax.get_title()
    'Iraq Atlas gazetteer: places by kind'
    >>> [t.get_text() for t in ax.get_legend().get_texts()][:3]
    ['airport', 'base', 'bridge']
    >>> plt.close(fig)
    """
    fig, ax = plt.subplots(figsize=(7, 7))
    gdf = boundaries.gdf
    gdf.plot(ax=ax, color="#eceff1", edgecolor="#78909c", linewidth=0.8)
    if boundaries.is_fallback:
        for r in gdf.itertuples():
            c = r.geometry.centroid
            ax.annotate(r.iso_3166_2, (c.x, c.y), ha="center", va="center", fontsize=8, color="#455a64")
    for kind, grp in places[places.geometry.notna()].groupby("kind"):
        grp.plot(ax=ax, color=KIND_COLORS.get(kind, "#555"), markersize=28, label=kind, zorder=3)
    ax.legend(loc="lower left", fontsize=8, frameon=True)
    ax.set_title("Iraq Atlas gazetteer: places by kind")
    ax.set_axis_off()
    ax.text(0.99, 0.01, boundaries.attribution, transform=ax.transAxes, ha="right", va="bottom", fontsize=7, color="#555")
    return fig


# -- elections ---------------------------------------------------------------------
def mark_empty(fig, reason: str):
    """Mark a figure that has nothing to show; :func:`save_figure` then writes no file.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    reason : str
        Why there is nothing to show, for the one line the page shows instead.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig``.

    Examples
    --------
    >>> fig = mark_empty(plt.figure(), "no incidents in the period")
    >>> nothing_to_show(fig)
    'no incidents in the period'
    >>> plt.close(fig)
    """
    fig.nothing_to_show = str(reason)
    return fig


def nothing_to_show(fig) -> str:
    """Why ``fig`` has nothing to show ('' when it has something; see :func:`mark_empty`).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.

    Returns
    -------
    str
        The reason, or ''.

    Examples
    --------
    >>> fig = plt.figure()
    >>> nothing_to_show(fig)
    ''
    >>> plt.close(fig)
    """
    return getattr(fig, "nothing_to_show", "") or ""


def save_figure(fig, folder: str | os.PathLike, stem: str) -> list[Path]:
    """Write a figure as PNG and SVG (``folder/stem.png``, ``folder/stem.svg``); returns both paths.

    A figure marked with :func:`mark_empty` is not written (a report never promotes an empty
    chart): it is closed, one note line says why, and no path is returned.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    folder : path
        Where to write.
    stem : str
        File name without suffix.

    Returns
    -------
    list of Path
        The files written (none for an empty figure).

    Examples
    --------
    >>> import tempfile
    >>> save_figure(mark_empty(plt.figure(), "no incidents in the period"), tempfile.mkdtemp(), "x")
    Note: no figure: no incidents in the period
    []
    """
    reason = nothing_to_show(fig)
    if reason:
        from iraq_atlas.viz.tables import show_note

        plt.close(fig)
        show_note(f"no figure: {reason}")
        return []
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{stem}.png", folder / f"{stem}.svg"]
    fig.savefig(paths[0], dpi=150, bbox_inches="tight")
    fig.savefig(paths[1], bbox_inches="tight")
    return paths


def _hemicycle_rows(n_seats: int, inner: float) -> int:
    """Fewest rows for which the gap along an arc is no wider than the gap between arcs.

    With r rows between radii ``inner`` and 1, arcs are (1 - inner) / (r - 1) apart and
    hold π·Σradius of arc length, i.e. π·r·(1 + inner)/2 shared by n seats. Equal gaps
    give r(r - 1) = 2n(1 - inner) / (π(1 + inner)).
    """
    target = 2 * n_seats * (1 - inner) / (math.pi * (1 + inner))
    rows = 1
    while rows * (rows - 1) < target:
        rows += 1
    return rows


def hemicycle_layout(n_seats: int, rows: int | None = None, inner: float = 0.4) -> pd.DataFrame:
    """Seat centres on concentric half circles (outer radius 1), ordered from left to right.

    Each arc gets seats in proportion to its radius (largest remainders settle the
    rounding), seats on an arc are spread evenly from 180° to 0°, and the whole set is
    sorted by angle so that consecutive seats, and so each bloc, form a wedge.

    Parameters
    ----------
    n_seats : int
        Number of seats (329 for the Council of Representatives).
    rows : int, optional
        Number of arcs (default: chosen from ``n_seats``).
    inner : float
        Radius of the innermost arc (the outer one is 1).

    Returns
    -------
    pandas.DataFrame
        ``row``, ``radius``, ``angle`` (degrees), ``x`` and ``y`` of each seat centre, one row per
        seat, left to right.

    Examples
    --------
    >>> seats = hemicycle_layout(329)
    >>> len(seats), bool(seats["y"].min() >= 0), bool(seats["x"].iloc[0] < 0 < seats["x"].iloc[-1])
    (329, True, True)
    """
    if n_seats < 1:
        raise ValueError("a hemicycle needs at least one seat")
    if not 0 < inner < 1:
        raise ValueError("inner radius must be between 0 and 1")
    rows = rows or _hemicycle_rows(n_seats, inner)
    rows = min(rows, n_seats)
    radii = np.array([1.0]) if rows == 1 else inner + (1 - inner) * np.arange(rows) / (rows - 1)
    exact = n_seats * radii / radii.sum()
    counts = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - counts), kind="stable")[: n_seats - counts.sum()]:
        counts[i] += 1
    seats = []
    for row, (radius, n) in enumerate(zip(radii, counts)):
        angles = [math.pi / 2] if n == 1 else np.linspace(math.pi, 0, n)
        seats += [(row, radius, a) for a in angles]
    df = pd.DataFrame(seats, columns=["row", "radius", "angle"])
    df["x"] = df["radius"] * np.cos(df["angle"])
    df["y"] = df["radius"] * np.sin(df["angle"])
    df = df.sort_values(["angle", "row"], ascending=[False, True], kind="stable").reset_index(drop=True)
    gap = (1 - inner) / (rows - 1) if rows > 1 else 1.0
    df.attrs["seat_radius"] = 0.42 * min(gap, min(r * math.pi / max(n - 1, 1) for r, n in zip(radii, counts) if n))
    return df


def _bloc_sorted(seats: pd.DataFrame) -> pd.DataFrame:
    rank = {b: i for i, b in enumerate(BLOC_ORDER)}
    return seats.assign(_r=seats["bloc"].map(rank).fillna(len(rank))).sort_values(
        ["_r", "seats"], ascending=[True, False], kind="stable").drop(columns="_r")


def hemicycle(seats: pd.DataFrame, title: str = "", *, majority: bool = True):
    """Parliament diagram: one circle per seat, coloured by bloc, blocs as wedges from left to right.

    Each seat is a Circle patch with gid ``seat-<bloc>``, so the drawing can be counted.
    Blocs are placed in the order of :data:`iraq_atlas.vocab.BLOC_ORDER`.

    Parameters
    ----------
    seats : pandas.DataFrame
        A ``bloc`` and a ``seats`` column, one row per bloc or per list (e.g. one year of
        :func:`~iraq_atlas.elections.aggregate.seats_by_bloc`); rows with no seat are left out.
    title : str
        Title above the diagram (none when empty).
    majority : bool
        Print the majority (half the seats plus one) under the total.

    Returns
    -------
    matplotlib.figure.Figure
        One axis with a circle per seat and a legend of the blocs with their seats.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = hemicycle(pd.DataFrame({"bloc": ["iran_aligned", "sadrist"], "seats": [3, 5]}), "Example")
    >>> ax = fig.axes[0]
    >>> len(ax.patches), [p.get_gid() for p in ax.patches].count("seat-sadrist")
    (8, 5)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Sadrist — 5', 'Iran-aligned (Fatah & allies) — 3']
    >>> plt.close(fig)
    """
    rows = _bloc_sorted(seats[seats["seats"] > 0])
    colours = [b for b, n in zip(rows["bloc"], rows["seats"].astype(int)) for _ in range(n)]
    layout = hemicycle_layout(len(colours))
    size = layout.attrs["seat_radius"]
    fig, ax = plt.subplots(figsize=(9, 5.4))
    for (x, y), bloc in zip(layout[["x", "y"]].to_numpy(), colours):
        c = Circle((x, y), size, facecolor=BLOC_COLORS.get(bloc, "#333333"), edgecolor="white", linewidth=0.3)
        c.set_gid(f"seat-{bloc}")
        ax.add_patch(c)
    total = len(colours)
    ax.text(0, 0.05, f"{total}", ha="center", va="bottom", fontsize=28, fontweight="bold", color="#263238")
    ax.text(0, 0.0, "seats" + (f" · majority {total // 2 + 1}" if majority else ""), ha="center", va="top",
            fontsize=10, color="#455a64")
    per_bloc = rows.groupby("bloc", sort=False)["seats"].sum()
    handles = [Patch(facecolor=BLOC_COLORS.get(b, "#333333"), label=f"{BLOC_LABELS.get(b, b)} — {int(n)}")
               for b, n in per_bloc.items()]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=3, fontsize=9, frameon=False)
    ax.set_xlim(-1.08, 1.08)
    ax.set_ylim(-0.12, 1.08)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title, fontsize=13)
    return fig


def _dumbbell(ax, df: pd.DataFrame, label_col: str, first: int, second: int, title: str) -> None:
    a, b = f"seats_{first}", f"seats_{second}"
    df = df.iloc[::-1].reset_index(drop=True)  # first row on top
    top = max(1, int(df[[a, b]].to_numpy().max()))
    for y, r in df.iterrows():
        colour = BLOC_COLORS.get(r["bloc"], "#333333")
        ax.plot([r[a], r[b]], [y, y], color="#b0bec5", linewidth=3, zorder=1, solid_capstyle="round")
        if r[a] != r[b]:
            ax.annotate("", xy=(r[b], y), xytext=(r[a], y), zorder=2,
                        arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.6, "shrinkA": 5, "shrinkB": 6})
        ax.scatter([r[a]], [y], s=60, facecolor="white", edgecolor=colour, linewidth=1.8, zorder=3)
        ax.scatter([r[b]], [y], s=70, color=colour, zorder=3)
        sign = "+" if r["change"] > 0 else ("±" if r["change"] == 0 else "−")
        ax.text(max(r[a], r[b]) + top * 0.03, y, f"{int(r[a])} → {int(r[b])} ({sign}{abs(int(r['change']))})",
                va="center", fontsize=9, fontweight="bold" if abs(r["change"]) >= 10 else "normal")
    ax.set_yticks(range(len(df)), [textwrap.fill(str(t), 38) for t in df[label_col]])
    ax.set_xlim(0, top * 1.32)
    ax.set_ylim(-0.7, len(df) - 0.3)
    ax.set_xlabel("seats (of 329)")
    ax.grid(axis="x", color="#eceff1")
    ax.set_axisbelow(True)
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    ax.set_title(title, fontsize=11, loc="left")


def seat_change_chart(by_bloc: pd.DataFrame, by_list: pd.DataFrame | None = None, *,
                      first: int = 2018, second: int = 2021, top: int = 8):
    """Dumbbell chart of seats in two elections: hollow dot = first, filled dot and arrow = second.

    Parameters
    ----------
    by_bloc : pandas.DataFrame
        From :func:`iraq_atlas.elections.aggregate.change_by_bloc`: ``bloc``, ``label``,
        ``seats_<first>``, ``seats_<second>`` and ``change`` per bloc.
    by_list : pandas.DataFrame, optional
        From :func:`~iraq_atlas.elections.aggregate.change_by_list` (``name`` instead of
        ``label``); when given and not empty, a second panel shows its ``top`` first lists.
    first, second : int
        The two elections compared.
    top : int
        How many lists the second panel shows.

    Returns
    -------
    matplotlib.figure.Figure
        One panel ("By bloc"), or two with the lists; each row is labelled
        ``<first> → <second> (<change>)``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> by_bloc = pd.DataFrame({"bloc": ["sadrist", "iran_aligned"], "label": ["Sadrist", "Iran-aligned"],
    ...                         "seats_2018": [54, 48], "seats_2021": [73, 22], "change": [19, -26]})
    >>> fig = seat_change_chart(by_bloc)
    >>> ax = fig.axes[0]
    >>> len(fig.axes), ax.get_title(loc="left"), [t.get_text() for t in ax.texts if t.get_text()]
    (1, 'By bloc', ['48 → 22 (−26)', '54 → 73 (+19)'])
    >>> plt.close(fig)
    """
    panels = [(by_bloc, "label", "By bloc")]
    if by_list is not None and len(by_list):
        panels.append((by_list.head(top), "name", "Lists that ran both times"))
    fig, axes = plt.subplots(1, len(panels), figsize=(7.5 * len(panels), 0.5 * max(len(p[0]) for p in panels) + 2),
                             squeeze=False)
    for ax, (df, col, title) in zip(axes[0], panels):
        _dumbbell(ax, df, col, first, second, title)
    fig.suptitle(f"Seats won, {first} (hollow) → {second} (filled)", fontsize=13, x=0.02, ha="left")
    fig.tight_layout()
    return fig


def _tile_axes(ax) -> None:
    ax.set_xlim(-0.1, 5.1)
    ax.set_ylim(-6.1, 0.1)
    ax.set_aspect("equal")
    ax.set_axis_off()


def seats_map(seats: pd.DataFrame, boundaries: Boundaries, year: int, *,
              highlight: list[str] | None = None, blocs: pd.DataFrame | None = None):
    """Seats per governorate: a choropleth on polygons, or a cartogram on :func:`~iraq_atlas.places.boundaries.tile_grid_boundaries`.

    Parameters
    ----------
    seats : pandas.DataFrame
        ``iso_3166_2`` and ``seats`` for one year (a year of
        :attr:`~iraq_atlas.elections.load.ElectionData.governorate_seats`); every governorate
        of ``boundaries`` needs a row.
    boundaries : Boundaries
        Governorate polygons, or the tile grid.
    year : int
        The election, for the title.
    highlight : list of str, optional
        ISO codes coloured by their seats; the others are drawn grey (default: all).
    blocs : pandas.DataFrame, optional
        ``iso_3166_2``, ``bloc`` and ``seats`` (:func:`~iraq_atlas.elections.aggregate.governorate_blocs`):
        on the tile grid, governorates with a published list breakdown get a strip in bloc colours.

    Returns
    -------
    matplotlib.figure.Figure
        The map (each governorate labelled with its seats, with its ISO code on the tile grid)
        and a colour bar.

    Raises
    ------
    ValueError
        When a governorate has no seat figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from iraq_atlas.elections import load_elections
    >>> from iraq_atlas.places.boundaries import tile_grid_boundaries
    >>> seats = load_elections().governorate_seats
    >>> fig = seats_map(seats[seats["year"] == 2018], tile_grid_boundaries(), 2018)
    >>> ["IQ-BG", "71"] in [t.get_text().split() for t in fig.axes[0].texts]
    True
    >>> fig.axes[0].get_title().splitlines()[0]
    'Council of Representatives seats by governorate, 2018'
    >>> plt.close(fig)
    """
    gdf = boundaries.gdf[["iso_3166_2", "name", "geometry"]].merge(
        seats[["iso_3166_2", "seats"]], on="iso_3166_2", how="left")
    if gdf["seats"].isna().any():
        raise ValueError(f"no {year} seats for {gdf.loc[gdf['seats'].isna(), 'iso_3166_2'].tolist()}")
    chosen = set(highlight or gdf["iso_3166_2"])
    on = gdf["iso_3166_2"].isin(chosen)
    fig, ax = plt.subplots(figsize=(7, 7.5))
    norm = matplotlib.colors.Normalize(vmin=0, vmax=float(gdf["seats"].max()))
    cmap = matplotlib.colormaps["Blues"]
    if (~on).any():
        gdf[~on].plot(ax=ax, color="#eeeeee", edgecolor="#90a4ae", linewidth=0.6)
    gdf[on].plot(ax=ax, color=[cmap(0.15 + 0.85 * norm(s)) for s in gdf.loc[on, "seats"]],
                 edgecolor="#37474f", linewidth=0.6)
    for r in gdf.itertuples():
        p = r.geometry.representative_point()
        dark = r.iso_3166_2 in chosen and norm(r.seats) > 0.55
        text = f"{r.iso_3166_2}\n{int(r.seats)}" if boundaries.is_fallback else f"{int(r.seats)}"
        ax.annotate(text, (p.x, p.y), ha="center", va="center", fontsize=8 if boundaries.is_fallback else 9,
                    fontweight="bold", color="white" if dark else "#263238")
    if boundaries.is_fallback and blocs is not None and len(blocs):
        for iso, part in blocs.groupby("iso_3166_2"):
            geom = gdf.loc[gdf["iso_3166_2"] == iso, "geometry"]
            if geom.empty:
                continue
            x0, y0, x1, _ = geom.iloc[0].bounds
            left, width = x0 + 0.08, (x1 - x0) - 0.16
            total = part["seats"].sum()
            for b, n in _bloc_sorted(part)[["bloc", "seats"]].itertuples(index=False):
                w = width * n / total
                ax.add_patch(Rectangle((left, y0 + 0.08), w, 0.18, facecolor=BLOC_COLORS.get(b, "#333"),
                                       edgecolor="white", linewidth=0.4))
                left += w
        ax.text(0.01, 0.99, "strips: seats by bloc (colours as in the hemicycle)\nwhere a list breakdown is published",
                transform=ax.transAxes, fontsize=7, color="#555", va="top")
    sm = matplotlib.cm.ScalarMappable(norm=matplotlib.colors.Normalize(vmin=0, vmax=float(gdf["seats"].max())),
                                      cmap=matplotlib.colors.LinearSegmentedColormap.from_list(
                                          "seats", [cmap(0.15), cmap(1.0)]))
    fig.colorbar(sm, ax=ax, shrink=0.5, label="seats")
    kind = "tile-grid cartogram, one tile per governorate" if boundaries.is_fallback else "governorates"
    ax.set_title(f"Council of Representatives seats by governorate, {year}\n({kind}; minority quota seats included)",
                 fontsize=11)
    ax.set_axis_off()
    ax.text(0.99, 0.01, boundaries.attribution, transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
            color="#555")
    return fig


TURNOUT_STAGE_COLORS = {"final": "#5e35b1", "preliminary": "#b39ddb"}


def _national_turnout_bars(ax, national: pd.DataFrame, years: list[int]) -> None:
    """One bar per year (announced national turnout), labelled with the percentage and its stage."""
    rows = national.set_index("year")
    for i, year in enumerate(years):
        if year not in rows.index or pd.isna(rows.at[year, "turnout_pct"]):
            ax.text(i, 2, "not\npublished", ha="center", va="bottom", fontsize=8, color="#555")
            continue
        pct, stage = float(rows.at[year, "turnout_pct"]), str(rows.at[year, "stage"])
        ax.bar(i, pct, width=0.6, color=TURNOUT_STAGE_COLORS.get(stage, "#9e9e9e"), edgecolor="#4527a0",
               linewidth=0.6, gid=f"national-turnout-{year}")
        ax.text(i, pct + 1.5, f"{pct:.1f}%\n({stage})", ha="center", va="bottom", fontsize=8.5,
                color="#263238")
    ax.set_xticks(range(len(years)), [str(y) for y in years])
    ax.set_xlim(-0.6, len(years) - 0.4)
    ax.set_ylim(0, 100)
    ax.set_ylabel("Turnout, % (as announced)", fontsize=8.5)
    ax.tick_params(labelsize=8.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.set_title("National turnout (IHEC)", fontsize=10)


def turnout_chart(turnout: pd.DataFrame, years: list[int], national: pd.DataFrame | None = None):
    """Turnout per governorate on the tile grid, one panel per year; unpublished values say so.

    Missing values are never drawn as zero: their tiles are hatched and read "not published".
    When no governorate's turnout is published for ``years`` there are no governorate panels
    (a grid of "not published" tiles tells a reader nothing); with no national figures either,
    the figure is marked empty (:func:`mark_empty`).

    Parameters
    ----------
    turnout : pandas.DataFrame
        ``year``, ``iso_3166_2`` and ``turnout_pct`` (empty when not published), as from
        :func:`iraq_atlas.elections.aggregate.turnout`.
    years : list of int
        The elections, one governorate panel each.
    national : pandas.DataFrame, optional
        ``year``, ``stage`` and ``turnout_pct`` as from
        :func:`iraq_atlas.elections.aggregate.national_turnout_table`: adds a panel at the left
        with one bar per year, labelled with the percentage and whether it is the preliminary
        or final figure.

    Returns
    -------
    matplotlib.figure.Figure
        The governorate panels first in ``fig.axes``, the national panel last.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> t = pd.DataFrame({"year": [2021, 2021], "iso_3166_2": ["IQ-BA", "IQ-BG"], "turnout_pct": [51.3, None]})
    >>> fig = turnout_chart(t, [2021])
    >>> len(fig.axes), fig.axes[0].get_title()
    (1, '2021: 1 of 18 governorates published')
    >>> sum("not published" in " ".join(x.get_text().split()) for x in fig.axes[0].texts)
    17
    >>> plt.close(fig)
    """
    from iraq_atlas.places.governorates import TILE_GRID

    chosen = turnout[turnout["year"].isin(years)]
    published_any = bool(chosen["turnout_pct"].notna().any())
    tile_years = list(years) if published_any or national is None else []
    widths = [4.6] * len(tile_years)
    if national is not None:
        widths = [1.6 + 0.9 * len(years)] + widths
    fig = plt.figure(figsize=(max(sum(widths), 4.6), 5.8))
    grid = fig.add_gridspec(1, len(widths), width_ratios=widths, wspace=0.25)
    first = 1 if national is not None else 0
    axes = [fig.add_subplot(grid[0, first + i]) for i in range(len(tile_years))]
    cmap = matplotlib.colormaps["Purples"]
    for ax, year in zip(axes, tile_years):
        part = turnout[turnout["year"] == year].set_index("iso_3166_2")["turnout_pct"]
        for iso, (row, col) in TILE_GRID.items():
            value = part.get(iso)
            known = value is not None and pd.notna(value)
            face = cmap(0.2 + 0.8 * float(value) / 100) if known else "#f5f5f5"
            ax.add_patch(Rectangle((col, -row - 1), 0.92, 0.92, facecolor=face, edgecolor="#90a4ae",
                                   hatch=None if known else "///", linewidth=0.6))
            label = f"{iso[3:]}\n{float(value):.1f}%" if known else f"{iso[3:]}\nnot\npublished"
            ax.text(col + 0.46, -row - 0.54, label, ha="center", va="center", fontsize=7.5,
                    color="#263238")
        n = int(part.notna().sum())
        ax.set_title(f"{year}: {n} of {len(TILE_GRID)} governorates published", fontsize=10)
        _tile_axes(ax)
    notes = []
    if national is not None:
        _national_turnout_bars(fig.add_subplot(grid[0, 0]), national, years)
        fig.suptitle("Turnout: national and by governorate", fontsize=13)
        notes.append("National: the turnout IHEC announced, the final figure where one was published, "
                     "otherwise the preliminary one (lighter bar).")
    else:
        fig.suptitle("Turnout by governorate", fontsize=13)
    if not published_any and national is not None:
        fig.suptitle("National turnout", fontsize=13)
        notes.append("No turnout by governorate is published for these years: only the national figures are drawn.")
    if notes:
        fig.text(0.5, 0.015, "\n".join(notes), ha="center", va="bottom", fontsize=8.5, color="#555")
    if not published_any and (national is None or national.empty):
        mark_empty(fig, "no turnout is published for these years, by governorate or nationally")
    return fig


# -- charts ------------------------------------------------------------------------------
def _undated(label: str, date, limit: int = 90) -> str:
    """A milestone label without its own leading date (the key prints the date once), cut at ``limit``.

    >>> _undated("7 Nov 2021: air/drone strike, Green Zone", pd.Timestamp("2021-11-07"))
    'air/drone strike, Green Zone'
    >>> _undated("Election day", pd.Timestamp("2021-10-10"))
    'Election day'
    """
    for prefix in (f"{date.day} {date:%b %Y}: ", f"{date:%d %b %Y}: "):
        if label.startswith(prefix):
            label = label[len(prefix):]
            break
    return label if len(label) <= limit else label[: limit - 1] + "…"


def small_multiples(joined: pd.DataFrame, milestones: pd.DataFrame, start, end, *,
                    governorates: Sequence[str] | None = None, freq: str = "W"):
    """Incident counts per period, one panel per governorate (with incidents, or those chosen), milestone lines.

    Parameters
    ----------
    joined : pandas.DataFrame
        Incidents with ``event_date``, ``event_type`` and ``governorate`` (an ISO code), as from
        :func:`iraq_atlas.analysis.joins.join_incidents`.
    milestones : pandas.DataFrame
        ``date``, ``milestone_id``, ``label``, ``kind`` and ``source_url``
        (:func:`iraq_atlas.analysis.timeline.load_milestones`); those in the period are drawn
        as vertical lines and listed under the panels.
    start, end : date-like
        The period (both days included).
    governorates : sequence of str, optional
        ISO codes, one panel each (default: every governorate with an incident in the
        period, else Baghdad).
    freq : {"D", "W", "M"}
        Count per day, week or month.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per governorate, titled with its name, code and number of incidents.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> inc = pd.DataFrame({"event_date": pd.to_datetime(["2021-11-05", "2021-11-07", "2021-11-07"]),
    ...                     "governorate": ["IQ-BG", "IQ-BG", "IQ-NI"], "event_type": ["Battles"] * 3})
    >>> ms = pd.DataFrame({"date": pd.to_datetime(["2021-11-07"]), "milestone_id": ["m1"],
    ...                    "label": ["drone strike"], "kind": ["killing"], "source_url": [""]})
    >>> fig = small_multiples(inc, ms, "2021-11-01", "2021-11-14")
    >>> [ax.get_title() for ax in fig.axes if ax.axison]
    ['Baghdad (IQ-BG): 2', 'Ninawa (IQ-NI): 1']
    >>> plt.close(fig)
    """
    from iraq_atlas.analysis.timeline import LINE_STYLES, counts_by_period, lines_for_chart, select_window

    start, end = pd.Timestamp(start), pd.Timestamp(end)
    inc = joined[(joined["event_date"] >= start) & (joined["event_date"] <= end)]
    codes = list(governorates) if governorates else sorted(set(inc["governorate"].dropna())) or [BAGHDAD_ISO]
    names = governorate_names()
    ncol = min(3, len(codes))
    nrow = -(-len(codes) // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 2.6 * nrow + 0.6), sharex=True, sharey=True,
                             squeeze=False)
    lines = lines_for_chart(select_window(milestones, start, end))
    width = {"D": 0.8, "W": 5.6, "M": 24}[freq]
    for ax, code in zip(axes.flat, codes):
        c = counts_by_period(inc[inc["governorate"] == code], start, end, freq).sum(axis=1)
        ax.bar(c.index, c.to_numpy(), width=width, align="edge", color="#546e7a")
        for m in lines.itertuples():
            colour, style = LINE_STYLES.get(m.kind, ("#333333", "-"))
            ax.axvline(m.date, color=colour, linestyle=style, linewidth=1)
        ax.set_title(f"{names.get(code, code)} ({code}): {int(c.sum())}", fontsize=9)
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=5))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        ax.spines[["top", "right"]].set_visible(False)
    for ax in list(axes.flat)[len(codes):]:
        ax.set_axis_off()
    axes.flat[0].set_xlim(start, end + pd.Timedelta(days=1))
    key = "\n".join(f"{m.date:%d %b %Y}: {_undated(m.label, m.date)}" for m in lines.itertuples())
    fig.suptitle(f"Incidents per {'day' if freq == 'D' else 'week' if freq == 'W' else 'month'} by governorate, "
                 f"{start:%d %b %Y} – {end:%d %b %Y}", fontsize=11)
    bottom = 0.0
    if key:
        bottom = min(0.5, (0.16 * (key.count("\n") + 2)) / fig.get_figheight())
        fig.text(0.01, 0.005, "Lines:\n" + key, fontsize=6.5, color="#455a64", va="bottom")
    fig.tight_layout(rect=(0, bottom, 1, 1))
    return fig


def scatter_iran_change(summary: pd.DataFrame, years: tuple[int, ...] | None = None):
    """Incidents vs Iran-aligned seats per governorate, labelled, with a no-causality caption.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`iraq_atlas.analysis.summaries.governorate_summary`.
    years : tuple of int, optional
        Two elections: the x axis is the change in Iran-aligned seats from the first
        to the second (``iran_aligned_change``, which the summary computed for them).
        One election: the x axis is the Iran-aligned seats won then. Default: the
        summary's ``attrs["change_years"]``, else (2018, 2021).

    Returns
    -------
    matplotlib.figure.Figure
        Only governorates with a published breakdown are placed; the others are named in the caption.

    Examples
    --------
    >>> s = pd.DataFrame({"iso_3166_2": ["IQ-NA", "IQ-BG"], "incidents": [2, 5],
    ...                   "iran_aligned_2018": pd.array([3, pd.NA], dtype="Int64")})
    >>> fig = scatter_iran_change(s, (2018,))
    >>> fig.axes[0].collections[0].get_offsets().tolist(), fig.axes[0].get_xlabel()
    ([[3.0, 2.0]], 'Iran-aligned seats won in 2018')
    >>> plt.close(fig)
    """
    years = tuple(years) if years else (summary.attrs.get("change_years") or (2018, 2021))
    col = "iran_aligned_change" if len(years) == 2 else f"iran_aligned_{years[0]}"
    label = (f"change in Iran-aligned seats, {years[0]} → {years[1]}" if len(years) == 2
             else f"Iran-aligned seats won in {years[0]}")
    both = " and ".join(map(str, years))
    known = summary[summary[col].notna()]
    missing = summary.loc[summary[col].isna(), "iso_3166_2"].tolist()
    fig, ax = plt.subplots(figsize=(8, 5.5))
    x = known[col].astype(float)
    ax.scatter(x, known["incidents"], s=50, color="#c62828", zorder=3)
    for xi, yi, code in zip(x, known["incidents"], known["iso_3166_2"]):
        ax.annotate(code, (xi, yi), xytext=(4, 4), textcoords="offset points", fontsize=8)
    ax.axvline(0, color="#90a4ae", linewidth=0.8)
    ax.set_xlabel(label)
    ax.set_ylabel("incidents in the period")
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.xaxis.get_major_locator().set_params(integer=True)
    if known.empty:
        ax.set_xlim(-5, 5)
        ax.set_ylim(0, 5)
        ax.text(0.5, 0.5, f"No governorate has a published bloc breakdown for {both}:\n"
                "nothing to plot (no values are invented).", ha="center", va="center", transform=ax.transAxes,
                fontsize=10, color="#455a64")
    what = "the change in Iran-aligned seats" if len(years) == 2 else f"Iran-aligned seats ({years[0]})"
    ax.set_title(f"Incidents and {what}, by governorate", fontsize=11)
    if known.empty:
        mark_empty(fig, f"no governorate has a published bloc breakdown for {both}, "
                        "so there are no Iran-aligned seats to compare with incidents")
    note = CAUSALITY_CAPTION
    if missing:
        lacking = "both years" if len(years) == 2 else str(years[0])
        note += f"\nNot shown ({len(missing)}, no bloc breakdown for {lacking}): " + ", ".join(missing)
    fig.text(0.01, 0.005, note, fontsize=7.5, color="#37474f", wrap=True, va="bottom")
    fig.tight_layout(rect=(0, 0.14, 1, 1))
    return fig


def per_seat_map(summary: pd.DataFrame, boundaries: Boundaries, year: int):
    """Choropleth of incidents per seat by governorate (real polygons, or the tile grid offline).

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`iraq_atlas.analysis.summaries.governorate_summary`, with
        ``incidents_per_seat_<year>``.
    boundaries : Boundaries
        Governorate polygons.
    year : int
        The election whose seats divide the incidents.

    Returns
    -------
    matplotlib.figure.Figure
        A governorate without a seat figure is grey and labelled "–", never 0.

    Examples
    --------
    >>> from iraq_atlas.places.boundaries import tile_grid_boundaries
    >>> s = pd.DataFrame({"iso_3166_2": ["IQ-BG"], "incidents": [7], "incidents_per_seat_2025": [0.0986]})
    >>> fig = per_seat_map(s, tile_grid_boundaries(), 2025)
    >>> ["IQ-BG", "0.10"] in [t.get_text().split() for t in fig.axes[0].texts]
    True
    >>> fig.axes[0].get_title().splitlines()[0]
    'Incidents per 2025 seat by governorate'
    >>> plt.close(fig)
    """
    if f"incidents_per_seat_{year}" not in summary.columns:
        raise ValueError(f"the summary has no incidents_per_seat_{year} column (no seats for {year})")
    col = f"incidents_per_seat_{year}"
    gdf = boundaries.gdf[["iso_3166_2", "name", "geometry"]].merge(summary[["iso_3166_2", col, "incidents"]],
                                                                   on="iso_3166_2", how="left")
    vals = gdf[col].astype(float)
    fig, ax = plt.subplots(figsize=(7, 7.5))
    top = float(np.nanmax(vals)) if np.isfinite(vals).any() and np.nanmax(vals) > 0 else 1.0
    norm = matplotlib.colors.Normalize(vmin=0, vmax=top)
    cmap = matplotlib.colormaps["OrRd"]
    colours = ["#eeeeee" if np.isnan(v) else matplotlib.colors.to_hex(cmap(0.08 + 0.92 * norm(v))) for v in vals]
    gdf.plot(ax=ax, color=colours, edgecolor="#37474f", linewidth=0.6)
    for r, v in zip(gdf.itertuples(), vals):
        p = r.geometry.representative_point()
        text = "–" if np.isnan(v) else f"{v:.2f}"
        if boundaries.is_fallback:
            text = f"{r.iso_3166_2}\n{text}"
        dark = not np.isnan(v) and norm(v) > 0.55
        ax.annotate(text, (p.x, p.y), ha="center", va="center", fontsize=8,
                    color="white" if dark else "#263238", fontweight="bold" if dark else "normal")
    fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.5,
                 label=f"incidents per seat ({year} seats)")
    kind = "tile-grid cartogram, one tile per governorate" if boundaries.is_fallback else "governorates"
    ax.set_title(f"Incidents per {year} seat by governorate\n({kind})", fontsize=11)
    ax.set_axis_off()
    ax.text(0.99, 0.01, boundaries.attribution, transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
            color="#555")
    if not (np.isfinite(vals) & (vals > 0)).any():
        mark_empty(fig, f"no governorate has incidents in the period and {year} seats to divide them by")
    return fig


def mention_timeline(mentions: pd.DataFrame, published):
    """The dated mentions of parsed texts as bars over the days they resolve to, with the publication day.

    Parameters
    ----------
    mentions : pandas.DataFrame
        Geoparser mentions (``kind``, ``text``, ``date_start``, ``date_end``, ``file``); rows of
        other kinds are ignored.
    published : date-like
        The publication day, drawn as a dashed line.

    Returns
    -------
    matplotlib.figure.Figure
        Marked empty (:func:`mark_empty`) when no mention is dated. Date ticks are thinned
        to what fits (at most six) and labelled concisely, so they never overlap.

    Examples
    --------
    >>> m = pd.DataFrame({"kind": ["date", "place"], "text": ["Sunday", "Baghdad"], "file": ["a.txt", "a.txt"],
    ...                   "date_start": ["2021-11-07", None], "date_end": ["2021-11-07", None]})
    >>> fig = mention_timeline(m, "2021-11-08")
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()], nothing_to_show(fig)
    (['Sunday (a)'], '')
    >>> nothing_to_show(mention_timeline(m[m.kind == "place"], "2021-11-08"))
    'the texts have no dated mentions: no timeline to draw'
    >>> plt.close("all")
    """
    dates = mentions[mentions["kind"] == "date"].copy()
    fig, ax = plt.subplots(figsize=(9, 0.4 * max(len(dates), 3) + 1))
    if len(dates):
        dates["d0"] = pd.to_datetime(dates["date_start"])
        dates["d1"] = pd.to_datetime(dates["date_end"]) + pd.Timedelta(days=1)
        dates = dates.sort_values("d0", kind="stable").reset_index(drop=True)
        ax.barh(dates.index, (dates["d1"] - dates["d0"]).dt.days, left=dates["d0"], height=0.5, color="#f9a825")
        ax.set_yticks(dates.index, [f"{t} ({Path(str(f)).stem})" for t, f in zip(dates["text"], dates["file"])])
        ax.axvline(pd.Timestamp(published), color="#555", linestyle="--", label="published")
        locator = mdates.AutoDateLocator(minticks=2, maxticks=6)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.invert_yaxis()
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)  # beside the bars, never on one
    else:
        mark_empty(fig, "the texts have no dated mentions: no timeline to draw")
    ax.set_title("Dated mentions (bars span the resolved range)")
    fig.tight_layout()
    return fig
