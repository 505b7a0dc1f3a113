"""The UCDP client against a fake UCDP API on 127.0.0.1: token header, NextPageUrl paging, location filter."""

from __future__ import annotations

import argparse
import json
import logging
import time
from datetime import date

import pyarrow.parquet as pq
import pytest
from fake_services import UCDP_TOKEN, FakeUcdp, ged_event

from iraq_atlas.cli.fetch_commands import add_parsers
from iraq_atlas.errors import ParameterError, ServiceError
from iraq_atlas.incidents.api import credentials, http
from iraq_atlas.incidents.api.snapshots import META_KEY, write_snapshot
from iraq_atlas.incidents.api.ucdp import (
    UcdpClient,
    candidate_version,
    check_version,
    fetch_ucdp,
    ged_version,
)
from iraq_atlas.incidents.load import read_ucdp
from iraq_atlas.incidents.sources.ucdp import UCDP_COLUMNS

DATES = ["2024-01-05", "2024-01-09", "2024-02-11", "2024-03-02", "2024-03-30"]


def _events() -> list[dict]:
    rows = [ged_event(i + 1, d) for i, d in enumerate(DATES)]
    # an event of an Iraqi conflict located in Kabul: the API matches it for Country=645, its location does not
    rows.append(ged_event(50, "2024-02-01", country_id=700, country="Afghanistan", where_description="Kabul",
                          latitude=34.5553, longitude=69.2075, adm_1="Kabul province", adm_2="Kabul district"))
    rows.append(ged_event(60, "2024-02-01", country_id=652, country="Syria", gwnoa="652"))
    return rows


@pytest.fixture
def versions():
    return {"25.1": _events(), "26.0.3": _events()[:2] + [ged_event(7, "2024-03-15")]}


@pytest.fixture
def sleeps(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(http, "sleep", lambda s: waits.append(round(s, 3)))
    return waits


@pytest.fixture(autouse=True)
def _no_credentials(monkeypatch, tmp_path):
    for name in credentials.ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("IRAQ_ATLAS_OFFLINE", raising=False)  # these tests talk to 127.0.0.1 only
    monkeypatch.setenv(credentials.ENV_CREDENTIALS, str(tmp_path / "absent.toml"))


def client(srv, **kw) -> UcdpClient:
    return UcdpClient(UCDP_TOKEN, base_url=srv.url, page_size=kw.pop("page_size", 2), backoff=0.5, **kw)


def test_ged_pages_by_next_page_url_and_keeps_events_located_in_iraq(versions, tmp_path, sleeps, caplog):
    caplog.set_level(logging.INFO)
    with FakeUcdp(versions) as srv:
        snap = client(srv).events("2024-01-01", "2024-12-31", version="25.1")
        seen = srv.data_requests()
    assert [r.path for r in seen] == ["/api/gedevents/25.1"] * 3
    assert [r.query["page"] for r in seen] == ["0", "1", "2"]
    assert seen[0].query == {"pagesize": "2", "page": "0", "Country": "645", "StartDate": "2024-01-01",
                             "EndDate": "2024-12-31"}
    assert all(r.headers["x-ucdp-access-token"] == UCDP_TOKEN for r in seen)
    assert snap.frame["id"].tolist() == ["500001", "500002", "500003", "500004", "500005"]  # not Kabul (500050)
    assert "1 event(s) located outside country 645 dropped (Afghanistan)" in caplog.text
    assert list(snap.frame.columns[:len(UCDP_COLUMNS)]) == UCDP_COLUMNS
    assert snap.source == "ucdp-ged" and snap.query["version"] == "25.1" and snap.query["Country"] == 645

    out = write_snapshot(snap, tmp_path / "ged.parquet", csv=tmp_path / "ged.csv")
    meta = json.loads(pq.read_schema(out).metadata[META_KEY])
    assert meta["query"]["dataset"] == "GED" and meta["query"]["StartDate"] == "2024-01-01"
    assert meta["rows"] == 5 and UCDP_TOKEN not in out.read_bytes().decode("latin-1")
    imported = read_ucdp(tmp_path / "ged.csv")
    assert len(imported.accepted) == 5 and len(imported.rejected) == 0 and len(imported.excluded) == 0
    assert sorted(imported.accepted["event_id_cnty"]) == [f"UCDP-50000{i}" for i in range(1, 6)]
    assert set(imported.accepted["event_date"].astype(str).str[:10]) == set(DATES)


def test_candidate_release_and_date_window(versions, sleeps):
    with FakeUcdp(versions) as srv:
        snap = client(srv).events("2024-03-01", "2024-03-31", candidate=True, version="26.0.3")
        assert srv.data_requests()[0].path == "/api/gedevents/26.0.3"
    assert snap.frame["id"].tolist() == ["500007"] and snap.source == "ucdp-candidate"
    assert snap.query["dataset"] == "GED Candidate"


def test_next_page_url_of_another_host_is_asked_at_the_base_url(versions, sleeps):
    class Elsewhere(FakeUcdp):
        def handle(self, seen):
            status, headers, body = super().handle(seen)
            data = json.loads(body)
            if data.get("NextPageUrl"):
                data["NextPageUrl"] = data["NextPageUrl"].replace(self.url, "https://elsewhere.invalid")
            return status, headers, json.dumps(data).encode()

    with Elsewhere(versions) as srv:
        snap = client(srv).events("2024-01-01", "2024-12-31", version="25.1")
        assert len(srv.data_requests()) == 3
    assert len(snap.frame) == 5


def test_refused_token_is_a_clear_error_without_the_token(versions):
    with FakeUcdp(versions) as srv:
        with pytest.raises(ServiceError, match=r"UCDP: page 0: the access token was refused \(HTTP 401\)") as err:
            UcdpClient("wrong-token-123", base_url=srv.url).events("2024-01-01", "2024-01-31", version="25.1")
    assert "wrong-token-123" not in str(err.value)


def test_unknown_version_says_so(versions):
    with FakeUcdp(versions) as srv:
        with pytest.raises(ServiceError, match=r"/api/gedevents/26.0.9 not found .*version"):
            client(srv).events("2024-01-01", "2024-01-31", candidate=True, version="26.0.9")


def test_429_and_500_are_retried_then_succeed(versions, sleeps):
    with FakeUcdp(versions) as srv:
        srv.fail_statuses = [429, 500]
        snap = client(srv).events("2024-01-01", "2024-12-31", version="25.1")
    assert sleeps == [2.0, 1.0] and len(snap.frame) == 5


def test_retries_are_bounded(versions, sleeps):
    with FakeUcdp(versions) as srv:
        srv.fail_statuses = [503] * 9
        with pytest.raises(ServiceError, match=r"answered HTTP 503 2 time\(s\)"):
            client(srv, max_retries=1).events("2024-01-01", "2024-12-31", version="25.1")
        assert len(srv.data_requests()) == 2


def test_truncated_json(versions):
    with FakeUcdp(versions) as srv:
        srv.truncate_pages = {1}
        with pytest.raises(ServiceError, match=r"page 1: .*not valid JSON \(\d+ bytes; cut short"):
            client(srv).events("2024-01-01", "2024-12-31", version="25.1")


def test_empty_answer_with_a_valid_token(versions):
    with FakeUcdp(versions) as srv:
        srv.empty = True
        with pytest.raises(ServiceError, match="no events located in country 645 .* although the token was accepted"):
            client(srv).events("2024-01-01", "2024-12-31", version="25.1")
        snap = client(srv).events("2024-01-01", "2024-12-31", version="25.1", allow_empty=True)
    assert len(snap.frame) == 0 and list(snap.frame.columns) == UCDP_COLUMNS


def test_slow_server_stops_at_the_deadline(versions):
    with FakeUcdp(versions) as srv:
        srv.slow_seconds = 3
        t0 = time.monotonic()
        with pytest.raises(ServiceError, match="within the 0.5 s deadline"):
            client(srv).events("2024-01-01", "2024-12-31", version="25.1", deadline_seconds=0.5)
        assert time.monotonic() - t0 < 2.0


def test_versions_and_dates_are_checked_before_any_request(versions):
    with FakeUcdp(versions) as srv:
        with pytest.raises(ParameterError, match=r"version '25.1': expected YY.0.M"):
            fetch_ucdp("2024-01-01", "2024-01-31", candidate=True, version="25.1", token=UCDP_TOKEN, base_url=srv.url)
        with pytest.raises(ParameterError, match="expected a date written YYYY-MM-DD"):
            fetch_ucdp("2024-01-01", "31.01.2024", token=UCDP_TOKEN, base_url=srv.url)
        with pytest.raises(ParameterError, match="is after end"):
            fetch_ucdp("2024-02-01", "2024-01-31", token=UCDP_TOKEN, base_url=srv.url)
        assert srv.requests == []
    with pytest.raises(ParameterError, match="IRAQ_ATLAS_UCDP_TOKEN"):
        fetch_ucdp("2024-01-01", "2024-01-31", base_url="http://127.0.0.1:9")
    assert check_version("25.1", candidate=False) == "25.1"
    assert ged_version(date(2026, 6, 30)) == "25.1" and candidate_version(date(2026, 12, 1)) == "26.0.11"


def test_cli_fetch_ucdp_candidate(versions, tmp_path, monkeypatch, capsys, caplog, sleeps):
    caplog.set_level(logging.DEBUG)
    monkeypatch.setenv("IRAQ_ATLAS_UCDP_TOKEN", UCDP_TOKEN)
    parser = argparse.ArgumentParser(prog="iraq-atlas")
    add_parsers(parser.add_subparsers(dest="command"))
    with FakeUcdp(versions) as srv:
        args = parser.parse_args(["fetch", "ucdp", "--start", "2024-01-01", "--end", "2024-03-31", "--candidate",
                                  "--version", "26.0.3", "--base-url", srv.url, "--out", str(tmp_path / "c.csv")])
        assert args.func(args) == 0
        srv.fail_statuses = [401]
        args = parser.parse_args(["fetch", "ucdp", "--start", "2024-01-01", "--end", "2024-03-31",
                                  "--version", "25.1", "--base-url", srv.url, "--out", str(tmp_path / "g.parquet")])
        assert args.func(args) == 2
    out, err = capsys.readouterr()
    assert "3 UCDP GED Candidate 26.0.3 event(s)" in out and "token was refused" in err
    assert (tmp_path / "c.csv").read_text().splitlines()[0].startswith("id,relid,year,")
    assert not (tmp_path / "g.parquet").exists()
    assert UCDP_TOKEN not in out + err + caplog.text + (tmp_path / "c.csv").read_text()


def test_offline_setting_sends_nothing(versions, monkeypatch):
    monkeypatch.setenv("IRAQ_ATLAS_OFFLINE", "1")
    with FakeUcdp(versions) as srv:
        with pytest.raises(ServiceError, match="IRAQ_ATLAS_OFFLINE is set: not contacting"):
            client(srv).events("2024-01-01", "2024-01-31", version="25.1")
        assert srv.requests == []


def test_page_bound_allows_exactly_the_pages_needed(versions, sleeps):
    # six located events (five in Iraq, one in Kabul) in pages of 2: the third page has no NextPageUrl
    with FakeUcdp(versions) as srv:
        assert len(client(srv, max_pages=3).events("2024-01-01", "2024-12-31", version="25.1").frame) == 5
        with pytest.raises(ServiceError, match=r"UCDP: more than 2 pages; ask for a shorter window"):
            client(srv, max_pages=2).events("2024-01-01", "2024-12-31", version="25.1")


def test_ged_columns_are_the_importers_own_list():
    from iraq_atlas.incidents.api import ucdp as api_ucdp
    from iraq_atlas.incidents.sources import ucdp as source_ucdp

    assert api_ucdp.UCDP_COLUMNS is source_ucdp.UCDP_COLUMNS
    assert set(source_ucdp.REQUIRED) <= set(UCDP_COLUMNS) and len(set(UCDP_COLUMNS)) == len(UCDP_COLUMNS) == 47
