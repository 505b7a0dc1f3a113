"""The geoparser's fast paths give exactly what the straightforward ones give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from iraq_atlas.geoparse import places
from iraq_atlas.places.gazetteer import expand_aliases, gazetteer


def _reference_geocode(name: str) -> tuple[str, str, float, str]:
    """The Geocoder's public answer for one name, read off its result table."""
    r = places._geocoder().geocode_names([name]).iloc[0]
    pid = r.place_id if isinstance(r.place_id, str) else ""
    return str(r.status), pid, float(r.confidence or 0), str(r.candidates)


def _names() -> list[str]:
    sp = expand_aliases(gazetteer()).spelling.astype(str).tolist()
    odd = [w[:-1] for w in sp[::23]] + [w + "a" for w in sp[::29]] + [w.upper() for w in sp[::31]]
    hints = ["Hit, Anbar", "Anbar province", "Mosul district", "Baghdad airport", "Tehran", "Damascus",
             "Kataib Hezbollah", "Riyadh", "Qaim", "Nowhere Village", "", " ", "Al-", "x\ny"]
    return sp[::10] + odd + hints


def test_one_name_answer_is_the_geocoders_answer_for_gazetteer_names():
    names = _names()
    got = [places._geocode_one.__wrapped__(n) for n in names]
    want = [_reference_geocode(n) for n in names]
    diff = [(n, g, w) for n, g, w in zip(names, got, want) if g != w]
    assert not diff, diff[:5]
    statuses = {w[0] for w in want}
    assert {"matched", "fuzzy", "unresolved"} <= statuses  # the names reach every path that matters


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abdhiklmnorstuAHKMBTQ -'،ابةدرسقلمنوي")), min_size=1, max_size=18))
def test_one_name_answer_is_the_geocoders_answer_for_any_text(name):
    assert places._geocode_one.__wrapped__(name) == _reference_geocode(name)
