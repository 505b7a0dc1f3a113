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


# --------------------------------------------------------------------------- violent protests
@pytest.mark.parametrize("text,sub_event_type,fatalities", [
    ("Tents were set alight at the protest camp in Nasiriyah on Friday.", "Violent demonstration", ""),
    ("Protesters in Nasiriyah set fire to tents on Friday; one protester was killed.", "Violent demonstration", 1),
    ("Rioters torched the party offices in Nasiriyah on Friday.", "Violent demonstration", ""),
    ("Protesters set the tents on fire in Nasiriyah on Friday.", "Violent demonstration", ""),
    ("أضرم متظاهرون النار في خيام الاعتصام في الناصرية يوم الجمعة.", "Violent demonstration", ""),
    ("An angry mob attacked a shop in Nasiriyah on Friday.", "Mob violence", ""),
])
def test_arson_at_a_protest_is_a_riot_with_its_casualties(text, sub_event_type, fatalities):
    d = gp.draft_incidents(text, "2021-11-07")
    assert len(d) == 1
    row = d.iloc[0]
    assert (row.event_type, row.sub_event_type) == ("Riots", sub_event_type)
    assert row.place_id == "capital_nasiriyah"
    assert row.event_date == "2021-11-05"  # the Friday before Sunday 7 November 2021
    assert row.fatalities == fatalities  # "" when the text gives no figure


def test_peaceful_protest_stays_peaceful():
    d = gp.draft_incidents("Hundreds held a protest in Nasiriyah on Friday.", "2021-11-07")
    assert d[["event_type", "sub_event_type"]].values.tolist() == [["Protests", "Peaceful protest"]]


def test_opened_fire_is_not_arson():
    m = gp.parse_text("Gunmen opened fire on a checkpoint in Nasiriyah.", "2021-11-07")
    assert "event:arson" not in set(m.rule)


# --------------------------------------------------------------------------- never an Iraqi place
_IRAQ = (29.0, 38.0, 38.7, 48.7)  # lat and lon bounds of Iraq


def _iraqi_points(m, a: int, b: int) -> list[tuple[str, str]]:
    """Place mentions overlapping [a, b) whose gazetteer point is in Iraq."""
    table = gp.place_table()
    hits = m[(m.kind == "place") & (m.start < b) & (m.end > a)]
    out = []
    for text, pid in zip(hits.text, hits.place_id):
        lat, lon = float(table.loc[pid, "lat"]), float(table.loc[pid, "lon"])
        if _IRAQ[0] <= lat <= _IRAQ[1] and _IRAQ[2] <= lon <= _IRAQ[3]:
            out.append((text, pid))
    return out


@pytest.mark.parametrize("name,text,foreign", [
    ("Kataib Hezbollah", "Kataib Hezbollah claimed the rocket attack on Baghdad.", False),
    ("Kataib Hezbollah", "Fighters from Kataib Hezbollah were seen in Jurf al-Sakhar.", False),
    ("Asaib Ahl al-Haq", "Asaib Ahl al-Haq denied any role in the killing.", False),
    ("Badr", "The Badr Organization won seats in Diyala.", False),
    ("Badr", "He met leaders of Badr in Baghdad.", False),
    ("Badr", "Fighters from Badr entered the town.", False),
    ("Saraya al-Salam", "Saraya al-Salam deployed in Samarra.", False),
    ("Popular Mobilization Forces", "The Popular Mobilization Forces entered the town.", False),
    ("Islamic State of Iraq and the Levant", "The Islamic State of Iraq and the Levant seized Mosul in 2014.",
     False),
    ("Kurdistan Regional Government", "The Kurdistan Regional Government said it would pay salaries.", False),
    ("KDP", "Fighters of the KDP were near Sinjar.", False),
    ("PUK", "The KDP and the PUK met in Erbil.", False),
    ("Baghdad Operations Command", "The Baghdad Operations Command said three rockets fell.", False),
    ("Sadr", "Sadr told his followers to leave the streets.", False),
    ("Sadr", "A statement from Sadr said so.", False),
    ("Sadr", "Moqtada al-Sadr told followers in Najaf to go home.", False),
    ("Tehran", "The minister flew to Tehran on Monday.", True),
    ("Damascus", "Rockets hit the Damascus airport.", True),
    ("Washington", "Washington condemned the attack.", True),
    ("Washington", "Officials in Washington condemned the attack.", True),
    ("Kabul", "The envoy arrived from Kabul.", True),
    ("Deir ez-Zor", "Strikes hit Deir ez-Zor in eastern Syria.", True),
    ("Deir ez-Zor", "Fighters fled to Deir ez-Zor province.", True),
    ("Deir ez-Zor", "Fighters fled to the province of Deir ez-Zor.", True),
    ("Deir ez-Zor", "Fighters fled to the city of Deir ez-Zor.", True),
])
def test_groups_bodies_and_foreign_places_never_get_an_iraqi_point(name, text, foreign):
    m = gp.parse_text(text, "2021-11-07")
    a = text.index(name)
    b = a + len(name)
    assert _iraqi_points(m, a, b) == []
    if foreign:
        f = m[(m.kind == "foreign") & (m.start <= a) & (m.end >= b)]
        assert f.text.tolist() == [name]


def test_sadr_city_is_still_sadr_city():
    m = gp.parse_text("Clashes broke out in Sadr City on Friday.", "2021-11-07")
    assert m[m.kind == "place"][["text", "place_id"]].values.tolist() == [["Sadr City", "sadr_city"]]
