"""Geoparser rules on single sentences: facilities, violent protests, trap and foreign names."""

from __future__ import annotations

import pytest

from iraq_atlas import geoparse as gp


def _places(text: str):
    m = gp.parse_text(text, "2021-11-07")
    return m[m.kind == "place"]


# --------------------------------------------------------------------------- facility → town
@pytest.mark.parametrize("text,span,place_id", [
    ("Fighting went on near the Beiji refinery on Sunday.", "Beiji refinery", "gn_97783"),
    ("Beiji Oil Refinery was shelled again.", "Beiji Oil Refinery", "gn_97783"),
    ("Militants attacked the Baiji Oil Refinery.", "Baiji Oil Refinery", "gn_97783"),
    ("Rockets struck the Qayyarah air base overnight.", "Qayyarah air base", "gn_99003"),
    ("Rockets struck the Qayyarah Air Base overnight.", "Qayyarah Air Base", "gn_99003"),
    ("Engineers repaired the Hawija bridge.", "Hawija bridge", "gn_390188"),
    ("Engineers repaired the Heet bridge.", "Heet bridge", "gn_95788"),
])
def test_facility_without_a_point_resolves_to_its_town(text, span, place_id):
    p = _places(text)
    assert p.text.tolist() == [span]
    row = p.iloc[0]
    assert row.place_id == place_id
    # the town of a facility, not the facility: the precision the rule says
    assert row.rule == "context:facility:town"
    assert row.confidence == pytest.approx(0.6)


def test_bare_town_spelling_variant_is_the_same_town():
    p = _places("Fighting went on in Beiji on Sunday.")
    assert p[["text", "place_id"]].values.tolist() == [["Beiji", "gn_97783"]]
