"""The ACLED client against a fake ACLED API on 127.0.0.1: OAuth, paging, retries, deadline, secrecy."""

from __future__ import annotations

import argparse
import json
import logging
import os
import time

import pyarrow.parquet as pq
import pytest
from fake_services import ACLED_EMAIL, ACLED_PASSWORD, FakeAcled, acled_event

from iraq_atlas.cli.fetch_commands import add_parsers
from iraq_atlas.errors import ParameterError, ServiceError
from iraq_atlas.incidents.api import acled as acled_mod
from iraq_atlas.incidents.api import credentials, http
from iraq_atlas.incidents.api.acled import AcledClient, fetch_acled
from iraq_atlas.incidents.api.credentials import AcledCredentials
from iraq_atlas.incidents.api.snapshots import META_KEY, read_snapshot, write_snapshot
from iraq_atlas.incidents.load import read_acled
from iraq_atlas.incidents.sources.acled import ACLED_COLUMNS

DATES = ["2024-01-03", "2024-01-05", "2024-01-09", "2024-01-12", "2024-01-20", "2024-01-28", "2024-02-02"]
CREDS = AcledCredentials(ACLED_EMAIL, ACLED_PASSWORD)


@pytest.fixture
def events():
    rows = [acled_event(i + 1, d) for i, d in enumerate(DATES)]
    rows.append(acled_event(99, "2024-01-10", country="Syria", iso="760", admin1="Deir ez Zor"))
    return rows


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


def client(srv, **kw) -> AcledClient:
    return AcledClient(CREDS, base_url=srv.url, page_size=kw.pop("page_size", 2), backoff=0.5, **kw)


def test_login_pages_until_empty_and_writes_an_importable_export(events, tmp_path, sleeps):
    with FakeAcled(events) as srv:
        snap = client(srv).events("Iraq", "2024-01-01", "2024-01-31")
        token_req = [r for r in srv.requests if r.path == "/oauth/token"]
        data_req = srv.data_requests()
    # seven Iraqi events, six in January: pages of 2, 2, 2, then an empty page
    assert snap.frame["event_id_cnty"].tolist() == ["IRQ1", "IRQ2", "IRQ3", "IRQ4", "IRQ5", "IRQ6"]
    assert [r.query["page"] for r in data_req] == ["1", "2", "3", "4"]
    q = data_req[0].query
    assert q == {"_format": "json", "country": "Iraq", "event_date": "2024-01-01|2024-01-31",
                 "event_date_where": "BETWEEN", "limit": "2", "page": "1"}
    assert data_req[0].headers["authorization"].startswith("Bearer ")
    assert len(token_req) == 1 and token_req[0].form["grant_type"] == "password"
    assert token_req[0].form["client_id"] == "acled" and token_req[0].form["username"] == ACLED_EMAIL
    assert list(snap.frame.columns) == ACLED_COLUMNS
    assert sleeps == []

    out = write_snapshot(snap, tmp_path / "acled.parquet", csv=tmp_path / "acled.csv")
    meta = json.loads(pq.read_schema(out).metadata[META_KEY])
    assert meta["source"] == "acled" and meta["rows"] == 6
    assert meta["query"]["event_date"] == "2024-01-01|2024-01-31" and meta["query"]["country"] == "Iraq"
    assert meta["retrieved_at"] == snap.retrieved_at and meta["retrieved_at"].endswith("Z")
    df, meta2 = read_snapshot(out)
    assert meta2 == meta and df["fatalities"].tolist() == ["1", "2", "0", "1", "2", "0"]
    header = (tmp_path / "acled.csv").read_text().splitlines()[0].split(",")
    assert header == ACLED_COLUMNS
    imported = read_acled(tmp_path / "acled.csv")
    assert len(imported.accepted) == 6 and len(imported.rejected) == 0
    assert sorted(imported.accepted["event_id_cnty"]) == ["IRQ1", "IRQ2", "IRQ3", "IRQ4", "IRQ5", "IRQ6"]


def test_expired_token_answers_401_then_the_client_refreshes_and_finishes(events, sleeps):
    with FakeAcled(events) as srv:
        srv.expire_after_pages = 1  # the token dies after page 1
        snap = client(srv).events("Iraq", "2024-01-01", "2024-02-28")
        assert srv.logins == 1 and srv.refreshes == 1
        pages = [r.query["page"] for r in srv.data_requests()]
    assert pages == ["1", "2", "2", "3", "4", "5"]  # page 2 asked again with the new token
    assert len(snap.frame) == 7


def test_token_is_renewed_before_it_expires(events, sleeps):
    with FakeAcled(events) as srv:
        srv.expires_in = 200  # shorter than the renewal margin: renewed before every page
        snap = client(srv, page_size=5).events("Iraq", "2024-01-01", "2024-02-28")
        grants = [r.form["grant_type"] for r in srv.requests if r.path == "/oauth/token"]
    assert grants == ["password", "refresh_token", "refresh_token"]
    assert len(snap.frame) == 7


def test_429_waits_for_retry_after_and_5xx_backs_off_exponentially(events, sleeps):
    with FakeAcled(events) as srv:
        srv.fail_statuses = [429, 500, 503]
        snap = client(srv).events("Iraq", "2024-01-01", "2024-01-31")
    assert sleeps == [2.0, 1.0, 2.0]  # Retry-After: 2, then 0.5·2¹ and 0.5·2²
    assert len(snap.frame) == 6


def test_5xx_retries_are_bounded(events, sleeps):
    with FakeAcled(events) as srv:
        srv.fail_statuses = [500] * 10
        with pytest.raises(ServiceError, match=r"ACLED: .*answered HTTP 500 3 time\(s\)"):
            client(srv, max_retries=2).events("Iraq", "2024-01-01", "2024-01-31")
        assert len(srv.data_requests()) == 3
    assert sleeps == [0.5, 1.0]


def test_refused_password_is_a_clear_error_without_the_password():
    with FakeAcled([]) as srv:
        bad = AcledCredentials(ACLED_EMAIL, "not-the-password")
        with pytest.raises(ServiceError) as err:
            AcledClient(bad, base_url=srv.url).events("Iraq", "2024-01-01", "2024-01-31")
    assert "e-mail and password were refused" in str(err.value)
    assert "not-the-password" not in str(err.value) and ACLED_EMAIL not in str(err.value)


def test_403_says_the_account_lacks_access(events):
    with FakeAcled(events) as srv:
        srv.forbidden = True
        with pytest.raises(ServiceError, match=r"access denied \(HTTP 403\).*access level"):
            client(srv).events("Iraq", "2024-01-01", "2024-01-31")


def test_truncated_json_names_the_page(events):
    with FakeAcled(events) as srv:
        srv.truncate_pages = {2}
        with pytest.raises(ServiceError, match=r"page 2: the answer from .*/api/acled/read is not valid JSON"):
            client(srv).events("Iraq", "2024-01-01", "2024-01-31")


def test_empty_first_page_with_valid_credentials(events, tmp_path):
    with FakeAcled(events) as srv:
        srv.empty = True
        with pytest.raises(ServiceError, match=r"no events for 'Iraq' from 2024-01-01 to 2024-01-31 although "
                                               r"the login succeeded.*access level"):
            client(srv).events("Iraq", "2024-01-01", "2024-01-31")
        snap = client(srv).events("Iraq", "2024-01-01", "2024-01-31", allow_empty=True)
    assert len(snap.frame) == 0 and list(snap.frame.columns) == ACLED_COLUMNS
    out = write_snapshot(snap, tmp_path / "empty.csv")
    assert out.read_text().strip().split(",") == ACLED_COLUMNS


def test_slow_server_stops_at_the_deadline(events):
    with FakeAcled(events) as srv:
        srv.slow_seconds = 3
        t0 = time.monotonic()
        with pytest.raises(ServiceError, match="within the 0.6 s deadline"):
            client(srv).events("Iraq", "2024-01-01", "2024-01-31", deadline_seconds=0.6)
        assert time.monotonic() - t0 < 2.0


def test_server_trickling_its_answer_stops_at_the_deadline(events):
    with FakeAcled(events) as srv:
        srv.trickle_seconds = 0.05  # each pause is short, the whole answer would take ~20 s
        t0 = time.monotonic()
        with pytest.raises(ServiceError, match="still sending its answer at the 1 s deadline"):
            client(srv, page_size=5).events("Iraq", "2024-01-01", "2024-01-31", deadline_seconds=1)
        assert time.monotonic() - t0 < 2.5


@pytest.mark.parametrize("start,end,message", [
    ("2024-1-01", "2024-01-31", "expected a date written YYYY-MM-DD"),
    ("2024-02-30", "2024-03-31", "is not a calendar day"),
    ("01/02/2024", "2024-03-31", "expected a date written YYYY-MM-DD"),
    ("2024-03-01", "2024-02-01", "start 2024-03-01 is after end 2024-02-01"),
])
def test_bad_dates_are_parameter_errors_before_any_request(start, end, message):
    with FakeAcled([]) as srv:
        with pytest.raises(ParameterError, match=message):
            fetch_acled("Iraq", start, end, email=ACLED_EMAIL, password=ACLED_PASSWORD, base_url=srv.url)
        assert srv.requests == []


def test_missing_credentials_name_the_variables():
    with pytest.raises(ParameterError, match="IRAQ_ATLAS_ACLED_EMAIL and IRAQ_ATLAS_ACLED_PASSWORD"):
        fetch_acled("Iraq", "2024-01-01", "2024-01-31", base_url="http://127.0.0.1:9")


def test_cli_fetch_never_leaks_the_password(events, tmp_path, monkeypatch, capsys, caplog, sleeps):
    caplog.set_level(logging.DEBUG)  # urllib3 and the clients at their most talkative
    monkeypatch.setenv("IRAQ_ATLAS_ACLED_EMAIL", ACLED_EMAIL)
    monkeypatch.setenv("IRAQ_ATLAS_ACLED_PASSWORD", ACLED_PASSWORD)
    parser = argparse.ArgumentParser(prog="iraq-atlas")
    add_parsers(parser.add_subparsers(dest="command"))
    with FakeAcled(events) as srv:
        monkeypatch.setenv("IRAQ_ATLAS_ACLED_URL", srv.url)
        srv.expire_after_pages = 2
        srv.fail_statuses = [429, 500]
        args = parser.parse_args(["fetch", "acled", "--country", "Iraq", "--start", "2024-01-01", "--end",
                                  "2024-02-28", "--page-size", "3", "--out", str(tmp_path / "snap") + os.sep,
                                  "--csv", str(tmp_path / "acled.csv")])
        assert args.func(args) == 0
        srv.truncate_pages = {1}
        failed = parser.parse_args(["fetch", "acled", "--start", "2024-01-01", "--end", "2024-01-31",
                                    "--out", str(tmp_path / "failed.parquet")])
        assert failed.func(failed) == 2
    out, err = capsys.readouterr()
    assert "7 ACLED event(s)" in out and "is not valid JSON" in err
    assert not (tmp_path / "failed.parquet").exists()
    written = list((tmp_path / "snap").iterdir()) + [tmp_path / "acled.csv"]
    assert len(written) == 2 and written[0].name.startswith("acled-") and written[0].suffix == ".parquet"
    for secret in (ACLED_PASSWORD, "pa55-w0rd"):
        assert secret not in out + err + caplog.text
        for f in written:
            assert secret.encode() not in f.read_bytes()
    assert "renewing the token" in caplog.text  # the log did record what happened
    assert "Iraq" in json.loads(pq.read_schema(written[0]).metadata[META_KEY])["query"]["country"]


def test_client_repr_and_credentials_hide_the_password():
    c = AcledClient(CREDS, base_url="http://127.0.0.1:9")
    assert ACLED_PASSWORD not in repr(c) + repr(CREDS) + repr(vars(c)["credentials"])


def test_credentials_file_is_read_only_when_private(tmp_path, monkeypatch):
    cfg = tmp_path / "credentials.toml"
    cfg.write_text(f'[acled]\nemail = "{ACLED_EMAIL}"\npassword = "{ACLED_PASSWORD}"\n[ucdp]\ntoken = "t0k"\n',
                   encoding="utf-8")
    monkeypatch.setenv(credentials.ENV_CREDENTIALS, str(cfg))
    cfg.chmod(0o644)
    with pytest.raises(ParameterError, match=r"mode 0644\); run: chmod 600"):
        credentials.acled_credentials()
    cfg.chmod(0o600)
    assert credentials.acled_credentials() == CREDS and credentials.ucdp_token() == "t0k"
    monkeypatch.setenv(credentials.ENV_ACLED_PASSWORD, "from-env")  # the environment comes first
    assert credentials.acled_credentials().password == "from-env"


def test_default_base_url_is_the_public_api(monkeypatch):
    assert AcledClient(CREDS).base_url == acled_mod.DEFAULT_BASE_URL == "https://acleddata.com"
    monkeypatch.setenv("IRAQ_ATLAS_ACLED_URL", "http://127.0.0.1:1/")
    assert AcledClient(CREDS).base_url == "http://127.0.0.1:1"


def test_page_bound_counts_the_empty_last_page(events, sleeps):
    # six January events in pages of 2: pages 1-3 full, page 4 empty; four pages are enough, three are not
    with FakeAcled(events) as srv:
        assert len(client(srv, max_pages=4).events("Iraq", "2024-01-01", "2024-01-31").frame) == 6
        with pytest.raises(ServiceError, match=r"ACLED: more than 3 pages of 2 rows; ask for a shorter window"):
            client(srv, max_pages=3).events("Iraq", "2024-01-01", "2024-01-31")
        assert [r.query["page"] for r in srv.data_requests()][-3:] == ["1", "2", "3"]


def test_collect_pages_stops_at_an_empty_page_or_the_last_one():
    client = http.HttpClient("TEST")
    pages = {0: ["a", "b"], 1: ["c"], 2: ["d"], 3: []}
    asked: list[int] = []

    def until_empty(page):
        asked.append(page)
        return pages[page], True

    assert http.collect_pages(client, until_empty, max_pages=10) == ["a", "b", "c", "d"] and asked == [0, 1, 2, 3]
    assert http.collect_pages(client, lambda p: (pages[p], p < 1), max_pages=10) == ["a", "b", "c"]
    with pytest.raises(ServiceError, match="TEST: more than 2 pages; ask for a shorter window"):
        http.collect_pages(client, until_empty, max_pages=2)
