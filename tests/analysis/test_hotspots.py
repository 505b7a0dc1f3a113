"""Emerging hot spots: hand-computed Gi* and categories, properties, the cube, neighbourhoods and the CLI."""

from __future__ import annotations

import argparse
import io
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from iraq_atlas.analysis import hotspots as hs
from iraq_atlas.errors import ParameterError

BAGHDAD = (44.36, 33.31)  # lon, lat


def two_sided_p(z: float) -> float:
    """Normal two-sided p-value written out with math.erfc (not the code under test)."""
    return math.erfc(abs(z) / math.sqrt(2))


def path_cube(steps: list[list[float]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Four cells A-B-C-D in a line (each touches the next), one column of counts per step."""
    cells = ["A", "B", "C", "D"]
    days = pd.date_range("2021-01-01", periods=len(steps), freq="MS")
    rows = [{"cell": c, "step": d, "events": steps[t][i], "fatalities": 0}
            for i, c in enumerate(cells) for t, d in enumerate(days)]
    pairs = pd.DataFrame({"cell": list("AABBBCCCDD"), "neighbour": list("ABABCBCDCD")})
    return pd.DataFrame(rows), pairs


def synthetic_incidents(n: int, seed: int = 1, *, start="2020-01-01", days: int = 730,
                        cluster: tuple[float, float] | None = None, cluster_n: int = 0,
                        cluster_from: int = 0) -> gpd.GeoDataFrame:
    """Uniform points inside Iraq over ``days`` days, plus an optional tight cluster from day ``cluster_from``."""
    rng = np.random.default_rng(seed)
    outline = hs.iraq_outline()
    minx, miny, maxx, maxy = outline.bounds
    xs, ys = [], []
    while len(xs) < n:
        x, y = rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)
        ok = shapely.contains_xy(outline, x, y)
        xs.extend(x[ok][: n - len(xs)])
        ys.extend(y[ok][: n - len(ys)])
    day = rng.integers(0, days, n)
    if cluster is not None and cluster_n:
        xs.extend(cluster[0] + rng.normal(0, 0.02, cluster_n))
        ys.extend(cluster[1] + rng.normal(0, 0.02, cluster_n))
        day = np.concatenate([day, rng.integers(cluster_from, days, cluster_n)])
    dates = pd.Timestamp(start) + pd.to_timedelta(day, unit="D")
    return gpd.GeoDataFrame({"event_date": dates, "time_precision": 1, "geo_precision": 1, "fatalities": 0},
                            geometry=gpd.points_from_xy(xs, ys), crs="EPSG:4326")


# -- Gi* by hand ------------------------------------------------------------------------------------
def test_gstar_by_hand_one_step():
    # counts A..D = 4, 2, 0, 0: n = 4, mean = 6/4 = 1.5, mean of squares = 20/4 = 5,
    # variance = 5 - 1.5² = 2.75, s = sqrt(2.75)
    s = math.sqrt(2.75)
    # A: neighbours {A, B}: W = 2, sum = 6 → (6 - 2·1.5) / (s·sqrt((4·2 - 2²)/3))
    z_a = (6 - 2 * 1.5) / (s * math.sqrt((4 * 2 - 4) / 3))
    # B: {A, B, C}: W = 3, sum = 6 → (6 - 3·1.5) / (s·sqrt((4·3 - 3²)/3))
    z_b = (6 - 3 * 1.5) / (s * math.sqrt((12 - 9) / 3))
    # C: {B, C, D}: W = 3, sum = 2
    z_c = (2 - 3 * 1.5) / (s * math.sqrt((12 - 9) / 3))
    # D: {C, D}: W = 2, sum = 0
    z_d = (0 - 2 * 1.5) / (s * math.sqrt((8 - 4) / 3))
    assert [round(v, 4) for v in (z_a, z_b, z_c, z_d)] == [1.5667, 0.9045, -1.5076, -1.5667]
    cube, pairs = path_cube([[4, 2, 0, 0]])
    gi = hs.local_gstar(cube, pairs, fdr=False)
    np.testing.assert_allclose(gi["gi_z"], [z_a, z_b, z_c, z_d], rtol=1e-12)
    np.testing.assert_allclose(gi["p"], [two_sided_p(z) for z in (z_a, z_b, z_c, z_d)], rtol=1e-9)


def test_gstar_by_hand_time_window():
    # step 0: 4, 2, 0, 0; step 1: 0, 0, 2, 4; time window 1 → step 1 pools both steps:
    # N = 8, mean = 12/8 = 1.5, mean of squares = 40/8 = 5, variance = 2.75
    s = math.sqrt(2.75)
    # B at step 1: neighbours {A, B, C} in 2 steps: W = 6, sum = (4 + 2 + 0) + (0 + 0 + 2) = 8
    z_b1 = (8 - 6 * 1.5) / (s * math.sqrt((8 * 6 - 6 ** 2) / 7))
    # A at step 1: {A, B} × 2 steps: W = 4, sum = 4 + 2 + 0 + 0 = 6 = W·mean → 0
    z_a1 = 0.0
    cube, pairs = path_cube([[4, 2, 0, 0], [0, 0, 2, 4]])
    gi = hs.local_gstar(cube, pairs, time_window=1, fdr=False).set_index(["cell", "step"])["gi_z"]
    step1 = pd.Timestamp("2021-02-01")
    assert gi[("B", step1)] == pytest.approx(z_b1, rel=1e-12)
    assert round(z_b1, 4) == -0.4606
    assert gi[("A", step1)] == pytest.approx(z_a1, abs=1e-12)
    # the first step has no earlier step: same as one-step Gi* of 4, 2, 0, 0
    assert gi[("A", pd.Timestamp("2021-01-01"))] == pytest.approx(1.5667, abs=1e-4)


def test_gstar_matches_esda_on_random_counts():
    esda = pytest.importorskip("esda")
    from libpysal.weights import W

    rng = np.random.default_rng(3)
    grid = hs.cell_grid("adm2")
    pairs = hs.neighbours(grid)
    counts = rng.poisson(1.2, size=(len(grid), 3)).astype(float)
    cube = pd.DataFrame({"cell": np.repeat(grid["cell"], 3), "step": np.tile(pd.date_range("2021-01-01", periods=3,
                                                                                             freq="MS"), len(grid)),
                         "events": counts.ravel(), "fatalities": 0})
    gi = hs.local_gstar(cube, pairs, fdr=False)
    nb = pairs[pairs.cell != pairs.neighbour].groupby("cell")["neighbour"].apply(list).reindex(grid["cell"])
    nb = {c: (v if isinstance(v, list) else []) for c, v in nb.items()}
    w = W(nb, id_order=list(grid["cell"]), silence_warnings=True)
    for t in range(3):
        ref = esda.G_Local(counts[:, t], w, transform="B", star=True, permutations=0)
        mine = gi["gi_z"].to_numpy().reshape(len(grid), 3)[:, t]
        np.testing.assert_allclose(mine, ref.Zs, rtol=1e-9, atol=1e-12)


# -- categories by hand -----------------------------------------------------------------------------
def _row(hot_steps=(), cold_steps=(), t=10):
    hot = np.zeros(t, bool)
    cold = np.zeros(t, bool)
    hot[list(hot_steps)] = True
    cold[list(cold_steps)] = True
    return hot, cold


def test_categories_by_hand():
    t = 10  # 90 % of 10 steps = 9 steps
    cases = {
        "new hot spot": (_row([9]), 0.0, 1.0),
        "consecutive hot spot": (_row([7, 8, 9]), 0.0, 1.0),             # run of 3 at the end, 3/10 < 90 %
        "intensifying hot spot": (_row(range(10)), 3.0, 0.001),          # 10/10 hot, rising trend
        "persistent hot spot": (_row(range(1, 10)), 0.5, 0.6),           # 9/10 = 90 % hot, no trend
        "diminishing hot spot": (_row(range(10)), -3.0, 0.001),
        "sporadic hot spot": (_row([2, 5, 9]), 0.0, 1.0),                # on and off, never cold
        "oscillating hot spot": (_row([4, 9], [1]), 0.0, 1.0),           # a cold step before
        "historical hot spot": (_row(range(9)), 0.0, 1.0),               # 9/10 hot but not the last
        "new cold spot": (_row([], [9]), 0.0, 1.0),
        "consecutive cold spot": (_row([], [8, 9]), 0.0, 1.0),
        "intensifying cold spot": (_row([], range(10)), -3.0, 0.001),     # colder and colder: z falls
        "persistent cold spot": (_row([], range(1, 10)), -0.5, 0.6),      # 9/10 = 90 % cold, no trend
        "diminishing cold spot": (_row([], range(10)), 3.0, 0.001),
        "sporadic cold spot": (_row([], [2, 5, 9]), 0.0, 1.0),            # on and off, never hot
        "oscillating cold spot": (_row([3], [6, 9]), 0.0, 1.0),
        "historical cold spot": (_row([], range(9)), 0.0, 1.0),
        "no pattern detected": (_row([3]), 0.0, 1.0),                    # hot once, long ago
    }
    names = list(cases)
    assert len(names) == 17
    hot = np.array([cases[n][0][0] for n in names])
    cold = np.array([cases[n][0][1] for n in names])
    tz = np.array([cases[n][1] for n in names])
    tp = np.array([cases[n][2] for n in names])
    got = hs.classify_series(hot, cold, tz, tp)
    assert dict(zip(names, got)) == {n: n for n in names}
    # 8 of 10 hot including the last, with earlier hot steps: not 90 %, so sporadic
    h, c = _row([0, 1, 2, 3, 5, 6, 7, 9])
    assert hs.classify_series(h[None], c[None], np.zeros(1), np.ones(1))[0] == "sporadic hot spot"
    # a run of 2 at the end after an earlier hot step is not consecutive
    h, c = _row([1, 8, 9])
    assert hs.classify_series(h[None], c[None], np.zeros(1), np.ones(1))[0] == "sporadic hot spot"
    # cold spots: a falling z that is not significant (p 0.2) keeps a 90 % cold spot persistent,
    # a significant fall makes it intensifying
    h, c = _row([], range(10))
    assert hs.classify_series(h[None], c[None], np.array([-3.0]), np.array([0.2]))[0] == "persistent cold spot"
    assert hs.classify_series(h[None], c[None], np.array([-3.0]), np.array([0.01]))[0] == "intensifying cold spot"
    # 8 of 10 cold including the last, never hot: not 90 %, so sporadic; one earlier hot step: oscillating
    h, c = _row([], [0, 1, 2, 3, 5, 6, 7, 9])
    assert hs.classify_series(h[None], c[None], np.zeros(1), np.ones(1))[0] == "sporadic cold spot"
    h, c = _row([4], [0, 1, 2, 3, 5, 6, 7, 9])
    assert hs.classify_series(h[None], c[None], np.zeros(1), np.ones(1))[0] == "oscillating cold spot"
    # a run of 2 cold steps at the end after an earlier cold step is not consecutive
    h, c = _row([], [1, 8, 9])
    assert hs.classify_series(h[None], c[None], np.zeros(1), np.ones(1))[0] == "sporadic cold spot"
    assert t == 10


def test_small_cube_categories_by_hand():
    # three monthly steps; only the last has incidents: 4, 2, 0, 0 on the line A-B-C-D.
    # Steps 1-2: every count equal → z = 0, p = 1. Step 3: z = 1.5667, 0.9045, -1.5076, -1.5667
    # (test_gstar_by_hand_one_step); at alpha 0.2 without FDR: p(A) = erfc(1.5667/√2) = 0.117 → hot,
    # p(B) = 0.366 → not, p(C) = 0.132 → cold, p(D) = 0.117 → cold.
    assert two_sided_p(1.5667) < 0.2 and two_sided_p(0.9045) > 0.2 and two_sided_p(1.5076) < 0.2
    cube, pairs = path_cube([[0, 0, 0, 0], [0, 0, 0, 0], [4, 2, 0, 0]])
    gi = hs.local_gstar(cube, pairs, fdr=False, alpha=0.2)
    cats = hs.classify(gi).set_index("cell")["category"].to_dict()
    assert cats == {"A": "new hot spot", "B": "no pattern detected", "C": "new cold spot", "D": "new cold spot"}


# -- properties ------------------------------------------------------------------------------------
def test_empty_cube_has_no_hot_spots():
    empty = synthetic_incidents(0)
    res, gi = hs.hotspot_analysis(empty, "adm2", "month", "2021-01-01", "2021-12-31")
    assert len(res) == 101 and len(gi) == 101 * 12
    assert set(res["category"]) == {"no pattern detected"}
    assert (gi["gi_z"] == 0).all() and (gi["p"] == 1).all() and not gi["hot"].any()


def test_constant_counts_have_no_hot_spots():
    cube, pairs = path_cube([[2, 2, 2, 2]] * 4)
    gi = hs.local_gstar(cube, pairs)
    assert (gi["gi_z"] == 0).all() and not (gi["hot"] | gi["cold"]).any()


def test_planted_cluster_is_found():
    inc = synthetic_incidents(3000, seed=7, cluster=BAGHDAD, cluster_n=400, cluster_from=365)
    res = hs.emerging_hotspots(inc, "h3:5", "month")
    import h3

    centre = h3.latlng_to_cell(BAGHDAD[1], BAGHDAD[0], 5)
    row = res.set_index("cell").loc[centre]
    assert row["category"] in {"new hot spot", "consecutive hot spot"}, row["category"]
    assert row["trend_z"] > 0 and row["sen_slope"] > 0
    hot = res[res["category"].str.endswith("hot spot")]
    # every hot cell is the cluster or near it (a few hexagons away)
    dist = [h3.grid_distance(centre, c) for c in hot["cell"]]
    assert max(dist) <= 2


def test_shuffling_time_destroys_trends():
    rng = np.random.default_rng(11)
    t = np.arange(36)
    counts = rng.poisson(1 + 0.3 * t, size=(200, 36)).astype(float)   # every series rising
    before = hs.mann_kendall(counts)
    shuffled = np.array([row[rng.permutation(36)] for row in counts])
    after = hs.mann_kendall(shuffled)
    assert (before["p"] < 0.05).mean() > 0.95
    assert (after["p"] < 0.05).mean() < 0.12
    assert abs(after["z"].mean()) < 0.3


def test_mann_kendall_matches_pymannkendall():
    mk = pytest.importorskip("pymannkendall")
    rng = np.random.default_rng(5)
    x = rng.poisson(2, size=(20, 24)).astype(float)   # many ties
    x[3] = 0                                          # all equal
    mine = hs.mann_kendall(x)
    for i, row in enumerate(x):
        ref = mk.original_test(row)
        assert mine["s"][i] == ref.s
        assert mine["var_s"][i] == pytest.approx(ref.var_s)
        assert mine["z"][i] == pytest.approx(ref.z, abs=1e-12)
        assert mine["p"][i] == pytest.approx(ref.p, abs=1e-12)
        assert mine["sen_slope"][i] == pytest.approx(mk.sens_slope(row).slope)


def test_mann_kendall_by_hand():
    # 1, 2, 3, 5: all 6 pairs rise → S = 6; var = 4·3·13/18 = 8.667; z = (6 - 1)/sqrt(8.667) = 1.698
    # slopes 1, 1, 4/3, 1, 3/2, 2 → median (1 + 4/3)/2 = 7/6
    r = hs.mann_kendall(np.array([[1.0, 2.0, 3.0, 5.0]])).iloc[0]
    assert r["s"] == 6 and r["var_s"] == pytest.approx(4 * 3 * 13 / 18)
    assert r["z"] == pytest.approx(5 / math.sqrt(4 * 3 * 13 / 18))
    assert r["sen_slope"] == pytest.approx(7 / 6)


def test_fdr_is_benjamini_hochberg_per_step():
    cube, pairs = path_cube([[4, 2, 0, 0], [0, 1, 3, 9]])
    raw = hs.local_gstar(cube, pairs, fdr=False)
    adj = hs.local_gstar(cube, pairs, fdr=True)
    for step, grp in raw.groupby("step"):
        p = grp["p"].to_numpy()
        order = np.argsort(p)
        m = len(p)
        # BH by hand: p_(k) · m / k, then running minimum from the largest rank down, capped at 1
        scaled = p[order] * m / np.arange(1, m + 1)
        bh = np.minimum(1, np.minimum.accumulate(scaled[::-1])[::-1])
        expected = np.empty(m)
        expected[order] = bh
        np.testing.assert_allclose(adj.loc[grp.index, "p_adjusted"], expected)


def test_permutation_p_values_agree_with_analytical_on_a_strong_cluster():
    inc = synthetic_incidents(800, seed=2, cluster=BAGHDAD, cluster_n=150, cluster_from=600)
    cube = hs.space_time_cube(inc, "adm2", "quarter")
    pairs = hs.neighbours(hs.cube_grid(cube))
    ana = hs.local_gstar(cube, pairs)
    perm = hs.local_gstar(cube, pairs, p_values="permutation", permutations=199, seed=1)
    last = cube["step"].max()
    top = ana[ana["step"] == last].sort_values("gi_z").iloc[-1]
    assert perm.loc[top.name, "p"] <= 2 / 200 + 1e-12
    assert perm["p"].between(1 / 200, 1).all()


def test_permutation_p_values_match_the_hand_enumerated_shuffle_distribution():
    # counts A..D = 4, 2, 0, 0 on the line A-B-C-D, W·m = 1.5 per neighbour. A shuffle permutes the
    # column and puts each cell's own count back, so a neighbour slot holds any of 4, 2, 0, 0.
    # A: L = 4 + one value → 8, 6, 4, 4 against the observed 6 (|L - 3| ≥ 3: 8 and 6) → 1/2.
    # B: L = 2 + two values from distinct slots, sums 6, 4, 4, 2, 2, 0, against 6 (|L - 4.5| ≥ 1.5:
    #    8, 6, 6, 2) → 4/6. C: L = 0 + the same sums against 2 (|L - 4.5| ≥ 2.5: 2, 2, 0) → 3/6.
    # D: L = 0 + one value → 4, 2, 0, 0 against 0 (|L - 3| ≥ 3: 0, 0) → 1/2.
    cube, pairs = path_cube([[4, 2, 0, 0]])
    perms = 4000
    gi = hs.local_gstar(cube, pairs, fdr=False, p_values="permutation", permutations=perms, seed=8)
    share = (gi["p"].to_numpy() * (perms + 1) - 1) / perms   # back from (1 + hits) / (P + 1)
    np.testing.assert_allclose(share, [1 / 2, 4 / 6, 3 / 6, 1 / 2], atol=0.035)   # ≈ 4 standard errors


@pytest.mark.parametrize("time_window", [0, 1])
def test_permutation_p_values_are_identical_for_any_number_of_jobs(time_window):
    inc = synthetic_incidents(600, seed=4, cluster=BAGHDAD, cluster_n=120, cluster_from=400)
    cube = hs.space_time_cube(inc, "adm2", "quarter")
    pairs = hs.neighbours(hs.cube_grid(cube))
    opts = dict(p_values="permutation", permutations=230, seed=77, time_window=time_window)  # 5 chunks, the last short
    one = hs.local_gstar(cube, pairs, n_jobs=1, **opts)
    two = hs.local_gstar(cube, pairs, n_jobs=2, **opts)
    every = hs.local_gstar(cube, pairs, n_jobs=-1, **opts)
    again = hs.local_gstar(cube, pairs, n_jobs=1, **opts)
    other = hs.local_gstar(cube, pairs, n_jobs=1, **{**opts, "seed": 78})
    assert np.array_equal(one["p"].to_numpy(), two["p"].to_numpy())
    assert np.array_equal(one["p"].to_numpy(), every["p"].to_numpy())
    pd.testing.assert_frame_equal(one, two)
    assert np.array_equal(one["p"].to_numpy(), again["p"].to_numpy())       # a fixed seed reproduces
    assert not np.array_equal(one["p"].to_numpy(), other["p"].to_numpy())   # another seed, other shuffles
    assert set(np.round(one["p"] * 231).astype(int)) <= set(range(1, 232))   # (1 + hits) / (P + 1)


def test_n_jobs_minus_one_is_every_core_and_bad_values_are_parameter_errors():
    import os

    from iraq_atlas.analysis.permutations import resolve_jobs

    assert resolve_jobs(-1) == len(os.sched_getaffinity(0))
    assert resolve_jobs(3) == 3
    cube, pairs = path_cube([[4, 2, 0, 0]])
    for bad in (0, -2, -8, "two", 1.5):
        with pytest.raises(ParameterError, match="n_jobs"):
            hs.local_gstar(cube, pairs, n_jobs=bad)
        with pytest.raises(ParameterError, match="n_jobs"):
            hs.local_gstar(cube, pairs, n_jobs=bad, p_values="permutation", permutations=10)
    with pytest.raises(ParameterError, match="permutations"):
        hs.local_gstar(cube, pairs, p_values="permutation", permutations=0)
    with pytest.raises(ParameterError, match="seed"):
        hs.local_gstar(cube, pairs, p_values="permutation", permutations=10, seed=-1)


_LONG_PERMUTATIONS = """
import numpy as np
from scipy import sparse
from iraq_atlas.analysis.permutations import permutation_p

if __name__ == "__main__":
    rng = np.random.default_rng(0)
    x = rng.poisson(1.0, (400, 30)).astype(float)
    w = sparse.csr_matrix(np.eye(400) + np.eye(400, k=1) + np.eye(400, k=-1))
    permutation_p(x, w, np.ones_like(x), 10_000_000, 0, 1, 2)   # hours: only an interruption ends it
"""


@pytest.mark.parametrize("how", ["ctrl-c", "parent killed"])
@pytest.mark.slow
def test_interrupted_permutations_leave_no_process_behind(how, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    psutil = pytest.importorskip("psutil")
    import iraq_atlas

    script = tmp_path / "long_permutations.py"
    script.write_text(_LONG_PERMUTATIONS, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(iraq_atlas.__file__).parents[1]),
                                                                      os.environ.get("PYTHONPATH")]))}
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)   # its own process group, like a terminal's job
    try:
        parent = psutil.Process(proc.pid)
        workers: list = []
        give_up = time.monotonic() + 120
        while len(workers) < 2 and proc.poll() is None and time.monotonic() < give_up:
            time.sleep(0.2)
            workers = [c for c in parent.children(recursive=True)
                       if "spawn_main" in " ".join(c.cmdline() if c.is_running() else [])]
        assert len(workers) == 2, f"workers did not start: {proc.poll()}"
        family = parent.children(recursive=True)           # the workers and multiprocessing's resource tracker
        if how == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)              # a terminal sends Ctrl-C to the whole group
            _, err = proc.communicate(timeout=120)
            assert proc.returncode != 0 and "KeyboardInterrupt" in err
        else:
            proc.kill()                                      # no chance to clean up: the workers must notice
            proc.wait(timeout=60)
        _, alive = psutil.wait_procs(family, timeout=60)
        assert [p for p in alive if p.status() != psutil.STATUS_ZOMBIE] == []
    finally:  # whatever happened, nothing of this test outlives it
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


# -- cube and cells -----------------------------------------------------------------------------------
def test_cube_fills_zeros_and_bins_weeks():
    inc = gpd.GeoDataFrame({"event_date": pd.to_datetime(["2021-10-10", "2021-10-11", "2021-10-11"]),
                            "time_precision": 1, "geo_precision": 1, "fatalities": [1, 0, 2]},
                           geometry=gpd.points_from_xy([44.36, 44.36, 47.8], [33.31, 33.31, 30.5]), crs=4326)
    cube = hs.space_time_cube(inc, "adm1", "week", "2021-10-01", "2021-10-31")
    steps = sorted(cube["step"].unique())
    # Monday-Sunday weeks: 27 Sep … 25 Oct → 5 steps; 10 Oct is a Sunday, 11 Oct a Monday
    assert [str(s.date()) for s in steps] == ["2021-09-27", "2021-10-04", "2021-10-11", "2021-10-18", "2021-10-25"]
    assert len(cube) == 18 * 5
    bg = cube[cube["cell"] == "IQG08"].set_index("step")  # OCHA p-code of Baghdad
    assert bg.loc[pd.Timestamp("2021-10-04"), "events"] == 1 and bg.loc[pd.Timestamp("2021-10-11"), "events"] == 1
    assert int(cube["events"].sum()) == 3 and int(cube["fatalities"].sum()) == 3


def test_outside_iraq_and_governorate_only_are_dropped_and_counted():
    inc = gpd.GeoDataFrame({"event_date": pd.to_datetime(["2021-01-05"] * 3), "time_precision": 1,
                            "geo_precision": [1, 3, 1], "admin1": ["IQ-BG", "IQ-BG", None], "fatalities": 0},
                           geometry=gpd.points_from_xy([44.36, 44.40, 36.3], [33.31, 33.30, 33.5]), crs=4326)
    cube = hs.space_time_cube(inc, "adm2", "month")
    assert cube.attrs["dropped"] == {"governorate only": 1, "outside Iraq": 1}
    assert int(cube["events"].sum()) == 1
    gov = hs.space_time_cube(inc, "adm1", "month")        # governorate-only rows count for their governorate
    assert gov.attrs["dropped"] == {"outside Iraq": 1} and int(gov["events"].sum()) == 2
    h = hs.space_time_cube(inc, "h3:6", "month")
    assert set(h["cell"]).isdisjoint({"outside"}) and int(h["events"].sum()) == 1


def test_h3_grid_covers_iraq_only():
    import h3

    grid = hs.cell_grid("h3:4")
    outline = hs.iraq_outline()
    centres = [shapely.Point(h3.cell_to_latlng(c)[::-1]) for c in grid["cell"]]
    assert all(outline.buffer(0.01).contains(p) for p in centres)
    assert grid["governorate_iso"].str.startswith("IQ-").all()
    assert 200 < len(grid) < 300   # Iraq ≈ 435,000 km², an H3 r4 hexagon ≈ 1,770 km²


def test_neighbourhoods():
    import h3

    grid = hs.cell_grid("h3:5")
    pairs = hs.neighbours(grid)
    inner = h3.latlng_to_cell(33.31, 44.36, 5)
    assert set(pairs.loc[pairs.cell == inner, "neighbour"]) == set(h3.grid_disk(inner, 1))
    assert "ring" in pairs.attrs["neighbourhood"]
    adm1 = hs.cell_grid("adm1")
    q = hs.neighbours(adm1)
    iso = dict(zip(adm1.cell, adm1.governorate_iso))
    bg = {iso[c] for c in q.loc[q.cell == "IQG08", "neighbour"]}
    assert bg == {"IQ-BG", "IQ-AN", "IQ-SD", "IQ-DI", "IQ-WA", "IQ-BB"}
    d = hs.neighbours(adm1, "distance", distance_km=150)
    assert (d.groupby("cell").size() >= 1).all() and "150 km" in d.attrs["neighbourhood"]


def test_bad_parameters_raise_parameter_error():
    for bad in ("h3:11", "h3", "adm4", "hex"):
        with pytest.raises(ParameterError):
            hs.parse_cell(bad)
    with pytest.raises(ParameterError):
        hs.parse_step("day")
    with pytest.raises(ParameterError):
        hs.neighbours(hs.cell_grid("adm1"), "distance")
    with pytest.raises(ParameterError):
        hs.neighbours(hs.cell_grid("adm1"), "knn")
    with pytest.raises(ParameterError):
        hs.space_time_cube(synthetic_incidents(5), "adm1", "month", "2022-01-01", "2021-01-01")
    cube, pairs = path_cube([[1, 2, 3, 4]])
    with pytest.raises(ParameterError):
        hs.local_gstar(cube, pairs, alpha=2)
    with pytest.raises(ParameterError):
        hs.local_gstar(cube, pairs, p_values="bootstrap")


@pytest.mark.slow
def test_curated_set_degrades_gracefully():
    from iraq_atlas.incidents import load_incidents

    inc = load_incidents().accepted
    for cell, step in (("adm1", "quarter"), ("h3:5", "month"), ("adm3", "week")):
        res = hs.emerging_hotspots(inc, cell, step)
        assert set(res["category"]) <= set(hs.CATEGORIES)
        assert res["events"].sum() + sum(res.attrs["dropped"].values()) == len(inc)


# -- command line -------------------------------------------------------------------------------------
def _run_cli(argv, capsys):
    from iraq_atlas.cli import analysis_commands

    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    analysis_commands.add_parsers(sub)
    args = p.parse_args(argv)
    rc = args.func(args)
    return rc, capsys.readouterr().out


def test_cli_hotspots_csv(capsys):
    rc, out = _run_cli(["hotspots", "--cell", "adm1", "--step", "month", "--start", "2021-01-01",
                        "--end", "2022-12-31", "--format", "csv"], capsys)
    assert rc == 0
    lines = out.strip().splitlines()
    assert lines[0] == "cell,name,governorate_iso,category,trend_z,trend_p,sen_slope,last_gi_z,events"
    assert len(lines) == 19


def test_cli_jobs_give_the_same_table(capsys):
    argv = ["hotspots", "--cell", "adm1", "--step", "month", "--start", "2021-01-01", "--end", "2022-12-31",
            "--permutations", "120", "--seed", "5"]
    rc1, one = _run_cli(argv + ["--jobs", "1"], capsys)
    rc2, two = _run_cli(argv + ["--jobs", "2"], capsys)
    assert rc1 == rc2 == 0 and one == two and len(one.strip().splitlines()) == 19


def test_cli_bad_jobs_exit_with_status_2(capsys):
    from iraq_atlas.cli import main

    for jobs in ("0", "-2", "all"):
        assert main(["hotspots", "--cell", "adm1", "--permutations", "10", "--jobs", jobs]) == 2
        assert "--jobs" in capsys.readouterr().err


def test_cli_hotspots_reads_a_generic_table_with_a_column_mapping(tmp_path, capsys):
    from iraq_atlas.cli import main

    # own column names and type values; three incidents in Baghdad, two in Basra, one in Syria (excluded), one without a date (rejected)
    path = tmp_path / "own.csv"
    path.write_text("Datum,Breite,Laenge,Art,Land\n"
                    "2021-01-05,33.31,44.36,Gefecht,Iraq\n2021-01-20,33.30,44.40,Gefecht,Iraq\n"
                    "2021-02-03,33.33,44.38,Gefecht,Iraq\n2021-02-10,30.51,47.81,Gefecht,Iraq\n"
                    "2021-03-15,30.53,47.79,Gefecht,Iraq\n2021-02-11,36.20,37.16,Gefecht,Syria\n"
                    ",33.31,44.36,Gefecht,Iraq\n", encoding="utf-8")
    argv = ["hotspots", "--source", str(path), "--format-in", "generic",
            "--columns", "event_date=Datum,latitude=Breite,longitude=Laenge,event_type=Art,country=Land",
            "--event-types", "Gefecht=Battles|Armed clash",
            "--cell", "adm1", "--step", "month", "--start", "2021-01-01", "--end", "2021-03-31"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert "accepted 5, rejected 1, excluded 1" in err
    table = pd.read_csv(io.StringIO(out), dtype={"cell": str})
    assert len(table) == 18
    events = table.set_index("governorate_iso")["events"]
    assert (events["IQ-BG"], events["IQ-BA"]) == (3, 2)
    assert events.drop(["IQ-BG", "IQ-BA"]).eq(0).all()
    # --format-in takes every format of the source registry; --columns without it reads the table as generic
    assert main(argv[:3] + argv[5:]) == 0
    assert "accepted 5, rejected 1, excluded 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["hotspots", "--source", str(path), "--format-in", "nosuch", "--cell", "adm1"])
    assert stop.value.code == 2
    assert "'generic', 'geojson'" in capsys.readouterr().err


EFFECTS_HEADER = ("milestone_id,milestone_date,group,name,governorate_iso,window_days,before,after,imprecise,"
                  "rate_ratio,ci_low,ci_high,p_value,method,dispersion_p,placebo_p,placebo_dates,verdict")


def test_cli_effects_csv_on_the_curated_set(capsys):
    # The curated set has one Baghdad incident in the 14 days from election day 2021-10-10 and none in
    # the 14 days before. Exact interval, 1 of 1 after: Clopper-Pearson lower bound of the share 0.025,
    # ratio 0.025 / 0.975 = 0.0256, upper bound infinite; two-sided binomial test of 1 of 1 at 1/2: p = 1.
    # Dispersion: after-window daily counts thirteen 0 and one 1, mean 1/14, Pearson statistic
    # 13·(1/14)² · 14 + (13/14)² · 14 = 13 on 14 + 14 − 2 = 26 degrees of freedom, p = 0.984.
    rc, out = _run_cli(["effects", "--milestone", "ed_2021", "--window-days", "14", "--by", "adm1",
                        "--placebo", "0", "--format", "csv"], capsys)
    assert rc == 0
    lines = out.strip().splitlines()
    assert lines[0] == EFFECTS_HEADER
    assert len(lines) == 1 + 18
    baghdad = [ln for ln in lines if ",IQ-BG,Baghdad," in ln]
    assert baghdad == ["ed_2021,2021-10-10,IQ-BG,Baghdad,IQ-BG,14,0,1,0,inf,0.0256,inf,1.0,"
                       "exact conditional (Poisson),0.984,,0,no detectable change"]
    # Iraq as a whole, 30 days: 1 before, 4 after. p = 2·P(X ≥ 4 | 5, 1/2) = 2·6/32 = 0.375; upper bound of
    # the share 0.975^(1/5) = 0.994949, ratio 0.994949 / 0.005051 = 196.99.
    rc, out = _run_cli(["effects", "--milestone", "ed_2021", "--window-days", "30", "--by", "all",
                        "--placebo", "0"], capsys)
    head, row = out.strip().splitlines()
    fields = dict(zip(head.split(","), row.split(",")))
    assert (fields["group"], fields["before"], fields["after"], fields["rate_ratio"], fields["p_value"]) == \
        ("IQ", "1", "4", "4.0", "0.375")
    assert float(fields["ci_high"]) == pytest.approx(196.99, abs=0.01)
    assert fields["method"] == "exact conditional (Poisson)" and fields["verdict"] == "no detectable change"


def test_cli_bad_arguments_raise_parameter_error(capsys):
    for argv in (["hotspots", "--cell", "h3:42"], ["hotspots", "--step", "fortnight"],
                 ["hotspots", "--jobs", "0"], ["hotspots", "--jobs", "-3"], ["hotspots", "--seed", "-1"],
                 ["hotspots", "--format", "xml"], ["hotspots", "--time-window", "two"],
                 ["effects", "--milestone", "ed_2021", "--window-days", "0"],
                 ["effects", "--milestone", "no_such_milestone"], ["effects", "--milestone", "ed_2021", "--by", "x"]):
        with pytest.raises(ParameterError):
            _run_cli(argv, capsys)


def test_min_neighbourhood_events_stops_single_incident_hot_spots():
    # one incident in one step on the line A-B-C-D: A and B see it (neighbourhood sum 1)
    cube, pairs = path_cube([[0, 0, 0, 0], [1, 0, 0, 0]])
    loose = hs.local_gstar(cube, pairs, fdr=False, alpha=0.5)
    strict = hs.local_gstar(cube, pairs, fdr=False, alpha=0.5, min_neighbourhood_events=2)
    assert loose["hot"].any() and not strict["hot"].any()
    assert loose["neighbourhood_events"].tolist() == [0, 1, 0, 1, 0, 0, 0, 0]


@pytest.mark.notebook
@pytest.mark.slow
def test_notebook_06_runs_on_a_users_acled_export_with_permutations_on_two_jobs(tmp_path):
    """A user's ACLED export through notebook 06: every event counted once in the cube, permutation
    p-values (k + 1) / (P + 1) computed on two worker processes, the tables written."""
    import synthetic

    from conftest import run_notebook

    export = synthetic.write_acled_csv(tmp_path / "acled_iraq.csv", 1500, seed=21)
    out = tmp_path / "run"
    run_notebook("06_hotspots_and_trends.ipynb", out, incidents_path=str(export), incidents_format="acled",
                 cell_kind="adm1", step="quarter", p_values="permutation", permutations=99, n_jobs=2,
                 start_date="2019-01-01", end_date="2022-12-31")
    cells = pd.read_csv(out / "tables" / "06_hotspot_cells.csv")
    steps = pd.read_csv(out / "tables" / "06_hotspot_cell_steps.csv")
    # the generator's 1,500 dates lie in 2019-2022: each one is in the cube or left out with its reason
    import json
    import re

    texts = "".join("".join(o.get("text", "")) for c in json.loads((out / "06_hotspots_and_trends.ipynb").read_text())
                    ["cells"] for o in c.get("outputs", []))
    left = re.search(r"left out of the cube: \{'date spans two steps': (\d+)\}", texts)
    assert len(cells) == 18 and cells["events"].sum() + (int(left.group(1)) if left else 0) == 1500
    assert "accepted 1500, rejected 0" in texts
    assert steps.groupby("cell")["step"].nunique().eq(16).all()    # 16 quarters, empty ones as zeros
    k = steps["p"].to_numpy() * 100
    assert np.allclose(k, np.round(k)) and (k >= 1).all() and (k <= 100).all()
    assert (out / "maps" / "06_hotspot_categories.html").stat().st_size > 0
