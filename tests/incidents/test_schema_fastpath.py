"""The schema's fast path accepts and rejects exactly the rows pandera does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iraq_atlas.incidents.schema import ACCEPTED_SCHEMA, COUNT_COLUMNS, SCHEMA, AcceptedSchema, accepted_schema
from iraq_atlas.incidents.schema_fastpath import failing_rows
from iraq_atlas.vocab import EVENT_TYPES

TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # what the readers produce

ids = st.sampled_from(["A1", "A2", "A3", "B7", "", None])
etypes = st.sampled_from([*EVENT_TYPES, "Protest", "", None])
admin1 = st.sampled_from(["IQ-BG", "IQ-NI", "IQ-B", "iq-bg", "IQ-BGX", "XIQ-BG", "", None])
lats = st.one_of(st.floats(28.5, 38.0, allow_nan=False), st.just(np.nan), st.sampled_from([29.0, 37.5]))
lons = st.one_of(st.floats(38.0, 49.5, allow_nan=False), st.just(np.nan), st.sampled_from([38.7, 48.7]))
precs = st.sampled_from([1, 2, 3, 0, 4, None])
counts = st.sampled_from([0, 1, 25, -1, None])
dates = st.sampled_from([pd.Timestamp("2021-11-07"), pd.Timestamp("1999-01-01"), pd.NaT])

row = st.fixed_dictionaries({
    "event_id_cnty": ids, "event_date": dates, "time_precision": precs, "event_type": etypes,
    "sub_event_type": st.sampled_from(["Air/drone strike", "", None]), "admin1": admin1,
    "latitude": lats, "longitude": lons, "geo_precision": precs, **{c: counts for c in COUNT_COLUMNS},
})


def _frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows)
    for c in ("event_id_cnty", "event_type", "sub_event_type", "admin1"):
        df[c] = df[c].astype(TEXT)
    for c in ("time_precision", "geo_precision", *COUNT_COLUMNS):
        df[c] = df[c].astype("Int64")
    df["latitude"] = df["latitude"].astype(float)
    df["longitude"] = df["longitude"].astype(float)
    df["event_date"] = pd.to_datetime(df["event_date"])
    return df


def _pandera_failing(df: pd.DataFrame) -> set[int]:
    try:
        accepted_schema().validate(df, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        assert cases["index"].notna().all(), cases  # only row-level failures in these tables
        return set(cases["index"].astype(int))
    return set()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=1, max_size=12))
@pytest.mark.slow
def test_fast_path_and_pandera_reject_the_same_rows(rows):
    df = _frame(rows)
    bad = failing_rows(df, accepted_schema())
    assert bad is not None  # every rule of the schema has a fast form
    assert set(np.flatnonzero(bad)) == _pandera_failing(df)


def _good(n: int) -> pd.DataFrame:
    return _frame([{"event_id_cnty": f"E{i}", "event_date": pd.Timestamp("2021-11-07"), "time_precision": 1,
                    "event_type": "Protests", "sub_event_type": "Peaceful protest", "admin1": "IQ-BG",
                    "latitude": 33.3, "longitude": 44.4, "geo_precision": 1, **{c: 0 for c in COUNT_COLUMNS}}
                   for i in range(n)])


def test_table_level_problems_are_left_to_pandera():
    df = _good(3)
    assert not failing_rows(df, accepted_schema()).any()
    assert failing_rows(df.drop(columns="admin1"), accepted_schema()) is None  # a missing column
    assert failing_rows(df.astype({"fatalities": float}), accepted_schema()) is None  # a wrong dtype
    custom = pa.DataFrameSchema({"latitude": pa.Column(float, pa.Check(lambda s: s > 0))})
    assert failing_rows(df, custom) is None  # a check without a fast form


def test_large_tables_pass_through_the_fast_path_and_fail_through_pandera(monkeypatch):
    monkeypatch.setattr(AcceptedSchema, "SAMPLE", 5)
    df = _good(40).reindex(columns=SCHEMA)
    for c in ("actor1", "assoc_actor_1", "actor2", "admin2", "location", "source", "notes", "target", "place_id",
              "time_local", "source_url", "dataset", "coord_source"):
        df[c] = pd.Series("", index=df.index, dtype=TEXT)
    assert ACCEPTED_SCHEMA.validate(df) is df
    df.loc[31, "fatalities"] = -4  # beyond the sample: the fast path finds it, pandera reports it
    with pytest.raises(pa.errors.SchemaErrors) as err:
        ACCEPTED_SCHEMA.validate(df)
    assert list(err.value.failure_cases["index"]) == [31]


def test_distinct_hint_skips_only_the_uniqueness_rule_of_the_named_columns():
    df = _good(4)
    df.loc[3, "event_id_cnty"] = "E0"
    assert failing_rows(df, accepted_schema()).tolist() == [True, False, False, True]
    # told the ids are distinct, the duplicate is not looked for; every other rule still is
    assert failing_rows(df, accepted_schema(), distinct=("event_id_cnty",)).tolist() == [False] * 4
    df.loc[1, "fatalities"] = -1
    assert failing_rows(df, accepted_schema(), distinct=("event_id_cnty",)).tolist() == [False, True, False, False]


def test_validation_tells_the_schema_ids_are_distinct_only_after_finding_them_so(monkeypatch, tmp_path):
    from iraq_atlas.incidents import load_incidents, schema_fastpath

    monkeypatch.setattr(AcceptedSchema, "SAMPLE", 1)
    seen = []
    real = schema_fastpath.failing_rows
    monkeypatch.setattr(schema_fastpath, "failing_rows",
                        lambda df, schema, distinct=(): seen.append(tuple(distinct)) or real(df, schema, distinct))
    head = "event_id_cnty,event_date,event_type,sub_event_type,admin1,location,latitude,longitude,fatalities\n"
    row = "{},2021-11-07,Protests,Peaceful protest,Baghdad,Baghdad,33.3,44.4,0\n"
    unique = tmp_path / "unique.csv"
    unique.write_text(head + row.format("E1") + row.format("E2") + row.format("E3"))
    dup = tmp_path / "dup.csv"
    dup.write_text(head + row.format("E1") + row.format("E2") + row.format("E1") + row.format("E4"))
    assert len(load_incidents(unique, format="generic").accepted) == 3
    result = load_incidents(dup, format="generic")
    assert len(result.accepted) == 3 and len(result.rejected) == 1
    assert seen == [("event_id_cnty",), ()]
