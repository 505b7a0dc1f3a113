"""The optional Nominatim fallback, against a fake Nominatim on 127.0.0.1: cached, rate-limited, Iraq only.

The name asked online must be one the offline gazetteer lacks (answers here are made up).
"""

import json
import socket
import threading
import time

import pytest
from localserver import LocalServer, json_response

from iraq_atlas.errors import ParameterError
from iraq_atlas.places import geocoding
from iraq_atlas.places.geocoding import Geocoder, OnlineGeocoder

ANSWERS = {
    "Nahrawan": [{"lat": "33.2925", "lon": "44.0653", "display_name": "Nahrawan, Baghdad, Iraq",
                    "place_id": 1, "osm_type": "node", "importance": 0.5}],
    "Paris": [{"lat": "48.85", "lon": "2.35", "display_name": "Paris, France", "place_id": 2}],
}


def _search(q):
    return json_response(ANSWERS.get(q.get("q", [""])[0], []))


def test_online_fallback_resolves_caches_and_limits(tmp_path, monkeypatch):
    sleeps = []
    monkeypatch.setattr(geocoding.time, "sleep", lambda s: sleeps.append(s))
    cache = tmp_path / "nominatim.json"
    with LocalServer({"/search": _search}) as srv:
        online = OnlineGeocoder(cache, domain=f"127.0.0.1:{srv.port}", scheme="http", min_delay_seconds=5)
        res = Geocoder(online=online).geocode_names(["Nahrawan", "Green Zone", "Paris", "Nahrawan"])
        assert list(res.status) == ["online", "matched", "unresolved", "online"]
        assert res.loc[0, "lat"] == 33.2925 and res.loc[0, "confidence"] == 0.5
        # the gazetteer hit asked nothing; repeated name asked once; Paris is outside Iraq → dropped as a point
        assert [r.split("?")[0] for r in srv.requests] == ["/search", "/search"]
        assert "countrycodes=iq" in srv.requests[0]
        assert len(sleeps) == 1 and 4 < sleeps[0] <= 5   # second request waited for the rate limit
        # a new geocoder with the same cache asks the server nothing
        again = OnlineGeocoder(cache, domain=f"127.0.0.1:{srv.port}", scheme="http")
        res2 = Geocoder(online=again).geocode_names(["Nahrawan", "Paris"])
        assert list(res2.status) == ["online", "unresolved"] and len(srv.requests) == 2
    saved = json.loads(cache.read_text())
    assert saved["nahrawan"]["lat"] == 33.2925 and saved["paris"] is None


def test_online_is_off_by_default():
    assert Geocoder().online is None


# -- a failing service: one deadline, bounded retries, offline answers kept ------------------
NAMES = ["Nahrawan", "Green Zone", "Nowhere Town"]   # neither unknown name is in the gazetteer
OFFLINE = ["unresolved", "matched", "unresolved"]


def test_names_asked_online_are_unknown_offline():
    """If the gazetteer learns one of these names, the tests below stop reaching the server: pick another."""
    res = Geocoder().geocode_names(["Nahrawan", "Nowhere Town", "Green Zone", "Paris"])
    assert list(res.status) == ["unresolved", "unresolved", "matched", "unresolved"]


class RawServer:
    """A TCP server on 127.0.0.1 that answers every connection with ``talk(conn, stop)``."""

    def __init__(self, talk):
        self.talk = talk
        self.stop = threading.Event()
        self.connections = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        try:
            conn.recv(65536)
            self.talk(conn, self.stop)
        except OSError:
            pass
        finally:
            conn.close()

    def __enter__(self):
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.sock.close()


def _silent(conn, stop):
    stop.wait(30)


def _slow_drip(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[")
    while not stop.wait(0.1):
        conn.sendall(b" ")


def _online(port, tmp_path, **kw):
    kw.setdefault("timeout", 0.5)
    kw.setdefault("deadline_seconds", 1.5)
    return OnlineGeocoder(tmp_path / "cache.json", domain=f"127.0.0.1:{port}", scheme="http",
                          min_delay_seconds=0, **kw)


@pytest.mark.parametrize("talk", [_silent, _slow_drip], ids=["silent", "slow-drip"])
def test_unresponsive_server_meets_the_deadline_and_falls_back(tmp_path, caplog, talk):
    with RawServer(talk) as srv:
        online = _online(srv.port, tmp_path)
        t0 = time.monotonic()
        res = Geocoder(online=online).geocode_names(NAMES)
        took = time.monotonic() - t0
    assert list(res.status) == OFFLINE
    assert took < 3.0, f"took {took:.1f} s for a 1.5 s deadline"
    assert 1 <= srv.connections <= 3                  # the second unknown name asked nothing
    assert len(online.warnings) == 1 and "offline answers" in online.warnings[0]
    assert "online geocoder:" in caplog.text
    assert not (tmp_path / "cache.json").exists()      # a failure is not cached as a miss


@pytest.mark.parametrize("status, body, requests, words", [
    (500, b"oops", 3, "server error 500"),
    (200, b"{not json", 1, "not JSON"),
    (200, b'{"lat": 1}', 1, "not a Nominatim result list"),
], ids=["500", "bad-json", "not-a-list"])
def test_failing_server_bounded_retries_then_offline(tmp_path, monkeypatch, status, body, requests, words):
    monkeypatch.setattr(geocoding.time, "sleep", lambda s: None)
    with LocalServer({"/search": lambda q: (status, "application/json", body)}) as srv:
        online = _online(srv.port, tmp_path, retries=2)
        res = Geocoder(online=online).geocode_names(NAMES)
        assert list(res.status) == OFFLINE
        assert len(srv.requests) == requests
    assert len(online.warnings) == 1 and words in online.warnings[0]


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe\x00garbage", b'{"x": 3}'])
def test_corrupt_cache_is_ignored_and_replaced(tmp_path, content):
    (tmp_path / "cache.json").write_bytes(content)
    with LocalServer({"/search": _search}) as srv:
        online = _online(srv.port, tmp_path)
        assert "unreadable" in online.warnings[0]
        assert online.lookup("Nahrawan")["lat"] == 33.2925
    assert json.loads((tmp_path / "cache.json").read_text())["nahrawan"]["lat"] == 33.2925


def test_unwritable_cache_keeps_answers_in_memory(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with LocalServer({"/search": _search}) as srv:
        online = OnlineGeocoder(blocker / "cache.json", domain=f"127.0.0.1:{srv.port}", scheme="http",
                                min_delay_seconds=0)
        assert online.lookup("Nahrawan")["lat"] == 33.2925
        assert online.lookup("Nahrawan")["lat"] == 33.2925
        assert len(srv.requests) == 1
    assert len(online.warnings) == 1 and "cannot write the cache" in online.warnings[0]


def test_answer_outside_iraq_but_inside_its_box_is_dropped(tmp_path):
    answers = {"Kuwait City": [{"lat": "29.37", "lon": "47.98", "display_name": "Kuwait City"}]}
    with LocalServer({"/search": lambda q: json_response(answers.get(q["q"][0], []))}) as srv:
        assert _online(srv.port, tmp_path).lookup("Kuwait City") is None


@pytest.mark.parametrize("kw", [{"min_delay_seconds": -5}, {"min_delay_seconds": float("nan")},
                                {"deadline_seconds": 0}, {"timeout": -1}, {"retries": 99}])
def test_bad_settings_are_parameter_errors(kw):
    with pytest.raises(ParameterError):
        OnlineGeocoder(None, **kw)
