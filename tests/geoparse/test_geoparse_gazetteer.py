"""The geoparser on the full gazetteer: one name of several rows, kind words, spelling variants, foreign names."""

from __future__ import annotations

import pandas as pd
import pytest

from iraq_atlas import geoparse as gp


def places(text: str) -> list[tuple[str, str, str]]:
    m = gp.parse_text(text, "2021-01-01")
    m = m[m.kind.isin(["place", "candidate", "foreign"])]
    return [(r.kind, r.text, r.place_id) for r in m.itertuples()]


def place_ids(text: str) -> list[str]:
    return [pid for kind, _, pid in places(text) if kind == "place"]


@pytest.mark.parametrize("text,pid", [
    ("Clashes in Mosul.", "capital_mosul"),                       # the city, not the district of its name
    ("وقعت اشتباكات في الموصل", "capital_mosul"),
    ("وقعت اشتباكات في مدينة الموصل", "capital_mosul"),
    ("Clashes in Kirkuk.", "capital_kirkuk"),                     # not the governorate, district or sub-district
    ("Clashes in Kadhimiya.", "kadhimiya"),                       # the curated row above the OCHA sub-district
    ("Clashes in Mosul district.", "IQG15Q05"),                   # a kind word asks for the admin unit
    ("Clashes in the district of Mosul.", "IQG15Q05"),
    ("وقعت اشتباكات في قضاء الموصل", "IQG15Q05"),
    ("وقعت اشتباكات في ناحية الحلة", "IQG07Q02N03"),
])
def test_one_name_of_several_rows(text, pid):
    assert place_ids(text) == [pid]


def test_kind_word_after_of_belongs_to_the_name_before():
    # "the Riyadh sub-district of Kirkuk": Kirkuk is not asked to be a sub-district
    assert place_ids("Clashes in the Riyadh sub-district of Kirkuk.") == ["IQG13Q01N03", "capital_kirkuk"]


def test_spelling_variants_as_the_geocoder_reads_them():
    ids = place_ids("Clashes in Hawija, Beiji and Heet.")
    assert ids == ["gn_390188", "gn_97783", "gn_95788"]


def test_a_name_and_an_alias_of_two_towns():
    # "Anah" is the name of (new) Anah and an alias of Old Anah 11 km away
    assert place_ids("Forces secured Anah.") == ["gn_6765385"]


def test_foreign_names_get_no_point():
    got = places("Officials flew to Riyadh and Teheran, then to Deir Ezzor.")
    assert [k for k, _, _ in got] == ["foreign"] * 3
    assert all(pid == "" for _, _, pid in got)


def test_town_named_like_a_person_needs_a_preposition():
    assert "gn_99010" not in place_ids("Security forces arrested Qasim Muslih at dawn.")
    assert place_ids("A bomb went off in Qasim.") == ["gn_99010"]


def test_kind_words_alone_are_not_places():
    got = places("وقعت اشتباكات في قضاء الموصل")
    assert [t for _, t, _ in got] == ["الموصل"]


def test_place_index_built_once():
    from iraq_atlas.geoparse.places import _place_index

    assert _place_index() is _place_index()
    assert len(gp.place_table()) == len(pd.Index(gp.place_table().index).unique())
