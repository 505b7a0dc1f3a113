"""The optional Nominatim fallback, against a fake Nominatim on 127.0.0.1: cached, rate-limited, Iraq only.

The name asked online must be one the offline gazetteer lacks (answers here are made up).
"""

import json

from localserver import LocalServer, json_response

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
