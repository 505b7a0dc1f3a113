"""Milestone effects: exact Poisson intervals against tables and scipy, rate ratios, dispersion, placebo, verdicts."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from iraq_atlas.analysis import effects as ef
from iraq_atlas.errors import ParameterError

# Exact (Garwood) 95 % limits of a Poisson mean, as printed in the usual tables
# (e.g. Ulm, Am. J. Epidemiol. 1990; Sahai & Khurshid 1993): count → (lower, upper).
GARWOOD_95 = {0: (0.0, 3.689), 1: (0.0253, 5.572), 2: (0.2422, 7.225), 3: (0.6186, 8.767),
              5: (1.623, 11.668), 10: (4.795, 18.390), 20: (12.217, 30.888)}


def test_poisson_ci_matches_published_table():
    k = list(GARWOOD_95)
    got = ef.poisson_ci(k)
    for i, count in enumerate(k):
        lo, hi = GARWOOD_95[count]
        assert got["ci_low"][i] == pytest.approx(lo, abs=6e-4)
        assert got["ci_high"][i] == pytest.approx(hi, abs=6e-4)


def test_poisson_ci_tails_by_scipy_poisson():
    # the exact limits are the means at which the observed count sits at the 2.5 % tail
    for count in (1, 4, 17, 60):
        r = ef.poisson_ci([count], conf=0.95).iloc[0]
        assert stats.poisson.sf(count - 1, r["ci_low"]) == pytest.approx(0.025, abs=1e-9)   # P(X ≥ k)
        assert stats.poisson.cdf(count, r["ci_high"]) == pytest.approx(0.025, abs=1e-9)     # P(X ≤ k)


def test_rate_ratio_exact_is_the_conditional_binomial_interval():
    # 20 after, 10 before, equal windows: given 30, after ~ Binomial(30, RR/(1+RR)).
    ci = stats.binomtest(20, 30, 0.5).proportion_ci(confidence_level=0.95, method="exact")
    r = ef.rate_ratio_exact([20], [10]).iloc[0]
    assert r["rate_ratio"] == 2.0
    assert r["ci_low"] == pytest.approx(ci.low / (1 - ci.low))
    assert r["ci_high"] == pytest.approx(ci.high / (1 - ci.high))
    assert r["p_value"] == pytest.approx(stats.binomtest(20, 30, 0.5).pvalue)
    assert round(r["ci_low"], 3) == 0.894 and round(r["ci_high"], 3) == 4.785


def test_rate_ratio_exact_unequal_windows_tail_property():
    a, b, ta, tb = 7, 3, 2.0, 1.0
    r = ef.rate_ratio_exact([a], [b], ta, tb).iloc[0]
    assert r["rate_ratio"] == pytest.approx((a / ta) / (b / tb))
    n = a + b
    pi_lo = r["ci_low"] * ta / (r["ci_low"] * ta + tb)
    pi_hi = r["ci_high"] * ta / (r["ci_high"] * ta + tb)
    assert stats.binom.sf(a - 1, n, pi_lo) == pytest.approx(0.025, abs=1e-9)
    assert stats.binom.cdf(a, n, pi_hi) == pytest.approx(0.025, abs=1e-9)


def test_rate_ratio_exact_edges():
    r = ef.rate_ratio_exact([0, 4, 0], [0, 0, 3])
    assert r.iloc[0].isna().all()                                   # no incidents at all
    assert np.isinf(r["rate_ratio"][1]) and np.isinf(r["ci_high"][1]) and r["ci_low"][1] > 0
    assert r["rate_ratio"][2] == 0 and r["ci_low"][2] == 0 and np.isfinite(r["ci_high"][2])


def test_dispersion_and_negative_binomial():
    rng = np.random.default_rng(4)
    before = rng.negative_binomial(0.5, 0.5 / (0.5 + 2), 60)    # mean 2, very over-dispersed
    after = rng.negative_binomial(0.5, 0.5 / (0.5 + 4), 60)     # mean 4
    assert ef.dispersion_test(before, after) < 0.001
    assert ef.dispersion_test(rng.poisson(3, 60), rng.poisson(3, 60)) > 0.01
    nb = ef.rate_ratio_negbin(before, after)
    ex = ef.rate_ratio_exact([after.sum()], [before.sum()]).iloc[0]
    assert nb["rate_ratio"] == pytest.approx(ex["rate_ratio"])
    # the negative-binomial interval is wider than the Poisson one on over-dispersed counts
    assert np.log(nb["ci_high"] / nb["ci_low"]) > np.log(ex["ci_high"] / ex["ci_low"])
    assert nb["nb_dispersion"] > 0.5


def test_placebo_finds_a_real_jump_and_not_noise():
    daily = np.zeros(500)
    daily[300:314] = 2
    p, used = ef.placebo_test(daily, 300, 14, n=300)
    assert p < 0.01 and used == 300
    rng = np.random.default_rng(8)
    ps = [ef.placebo_test(rng.poisson(0.5, 500).astype(float), 250, 14, n=199, seed=s)[0] for s in range(40)]
    assert 0.3 < np.mean(ps) < 0.7                                 # roughly uniform under no change
    assert np.isnan(ef.placebo_test(np.ones(20), 10, 14)[0])       # no admissible date


def _incidents(days: list[str], lon=44.36, lat=33.31) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"event_date": pd.to_datetime(days), "time_precision": 1, "geo_precision": 1,
                             "admin1": "IQ-BG", "fatalities": 0},
                            geometry=gpd.points_from_xy([lon] * len(days), [lat] * len(days)), crs=4326)


def _milestones() -> pd.DataFrame:
    return pd.DataFrame({"date": pd.to_datetime(["2021-06-01"]), "milestone_id": ["m1"], "label": ["test"],
                         "kind": ["government"], "source_url": ["https://example.org"]})


def test_planted_increase_is_higher_after():
    rng = np.random.default_rng(1)
    base = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 730, 150), unit="D")
    jump = pd.Timestamp("2021-06-01") + pd.to_timedelta(rng.integers(0, 14, 40), unit="D")
    inc = _incidents([d.strftime("%Y-%m-%d") for d in base.append(jump)])
    eff = ef.milestone_effects(inc, _milestones(), "m1", 14, by="adm1")
    bg = eff.set_index("group").loc["IQ-BG"]
    assert bg["after"] >= 40 and bg["verdict"] == "higher after" and bg["placebo_p"] < 0.05
    assert (eff.drop(index=eff.index[eff.group == "IQ-BG"])["verdict"] == "no incidents").all()
    assert eff.attrs["caption"] == ef.EFFECTS_CAPTION and "not" in ef.EFFECTS_CAPTION


def test_few_events_give_no_detectable_change():
    inc = _incidents(["2021-05-25", "2021-06-03", "2021-06-05"])
    eff = ef.milestone_effects(inc, _milestones(), "m1", 14, by="all")
    row = eff.iloc[0]
    assert (row["before"], row["after"]) == (1, 2)
    assert row["verdict"] == "no detectable change" and row["ci_low"] < 1 < row["ci_high"]
    assert row["method"].startswith("exact")


def test_over_dispersed_counts_switch_to_negative_binomial():
    # milestone 1 June, 14-day windows 18-31 May and 1-14 June. All 10 incidents before fall on 20 May,
    # all 12 after on 5 June: a spike of k on one of N days has Pearson statistic k(N - 1), so
    # 10·13 + 12·13 = 286 on 26 degrees of freedom, far beyond Poisson variation.
    spiky = _incidents(["2021-05-20"] * 10 + ["2021-06-05"] * 12)
    row = ef.milestone_effects(spiky, _milestones(), "m1", 14, by="all", placebo=0).iloc[0]
    assert (row["before"], row["after"]) == (10, 12)
    assert row["method"] == "negative binomial (over-dispersed)"
    assert row["dispersion_p"] < 1e-10
    assert row["rate_ratio"] == pytest.approx(1.2)                 # 12 / 10, equal windows
    # the same spike with an empty after window has no ratio to model: the exact interval stays
    one_sided = ef.milestone_effects(_incidents(["2021-05-20"] * 10), _milestones(), "m1", 14, by="all",
                                     placebo=0).iloc[0]
    assert one_sided["dispersion_p"] < 1e-10 and one_sided["method"] == "exact conditional (Poisson)"


def test_poisson_like_counts_keep_the_exact_interval():
    # one incident every other day in both windows: daily 0/1 with k ones of N days gives a Pearson
    # statistic of N - k, so 7 + 7 = 14 on 26 degrees of freedom, below its expectation: no over-dispersion.
    before = [f"2021-05-{d}" for d in range(18, 32, 2)]
    after = [f"2021-06-{d:02d}" for d in range(1, 15, 2)]
    row = ef.milestone_effects(_incidents(before + after), _milestones(), "m1", 14, by="all", placebo=0).iloc[0]
    assert (row["before"], row["after"]) == (7, 7)
    assert row["method"] == "exact conditional (Poisson)"
    assert row["dispersion_p"] > 0.5
    assert row["rate_ratio"] == 1.0


def test_window_edges_follow_merge_rules():
    # before = 18–31 May, after = 1–14 June: 31 May is before, 1 June and 14 June after, 15 June neither
    inc = _incidents(["2021-05-17", "2021-05-18", "2021-05-31", "2021-06-01", "2021-06-14", "2021-06-15"])
    row = ef.milestone_effects(inc, _milestones(), "m1", 14, by="all", placebo=0).iloc[0]
    assert (row["before"], row["after"]) == (2, 2)
    assert np.isnan(row["placebo_p"]) and row["placebo_dates"] == 0


def test_curated_set_runs_and_says_no_detectable_change_where_counts_are_small():
    from iraq_atlas.analysis.timeline import load_milestones
    from iraq_atlas.incidents import load_incidents

    eff = ef.milestone_effects(load_incidents().accepted, load_milestones(), ["ed_2021", "ed_2018"], 14,
                               by="adm1", placebo=99)
    assert len(eff) == 36
    assert set(eff["verdict"]) <= {"no detectable change", "no incidents", "higher after", "lower after"}
    small = eff[(eff["before"] + eff["after"]).between(1, 3)]
    assert (small["verdict"] == "no detectable change").all()


def test_bad_parameters():
    inc = _incidents(["2021-06-03"])
    with pytest.raises(ParameterError):
        ef.milestone_effects(inc, _milestones(), "nope", 14)
    with pytest.raises(ParameterError):
        ef.milestone_effects(inc, _milestones(), "m1", 0)
    with pytest.raises(ParameterError):
        ef.milestone_effects(inc, _milestones(), "m1", 14, by="country")
    with pytest.raises(ParameterError):
        ef.milestone_effects(inc, _milestones(), "m1", 14, alpha=1.5)


def test_hexagon_groups_are_the_hexagons_with_incidents():
    import h3

    inc = _incidents(["2021-05-25", "2021-06-03"]).pipe(
        lambda g: g.assign(geometry=gpd.points_from_xy([44.36, 47.78], [33.31, 30.51])))
    eff = ef.milestone_effects(inc, _milestones(), "m1", 14, by="h3:6", placebo=0)
    assert set(eff["group"]) == {h3.latlng_to_cell(33.31, 44.36, 6), h3.latlng_to_cell(30.51, 47.78, 6)}
    assert eff.set_index("group")["governorate_iso"].to_dict()[h3.latlng_to_cell(30.51, 47.78, 6)] == "IQ-BA"
