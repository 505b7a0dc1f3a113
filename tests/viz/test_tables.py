"""viz.tables: the one table display of the notebooks, checked on its rendered HTML."""

from __future__ import annotations

import pandas as pd
from bs4 import BeautifulSoup

from iraq_atlas.viz.tables import reader_header, show_table, table_html


def _cells(html: str) -> tuple[list[str], list[str], list[list[str]]]:
    soup = BeautifulSoup(html, "html.parser")
    code = [th.select_one(".ia-code").get_text() for th in soup.select("thead th")]
    reader = [th.select_one(".ia-reader").get_text() for th in soup.select("thead th")]
    rows = [[td.get_text() for td in tr.select("td")] for tr in soup.select("tbody tr")]
    return code, reader, rows


def test_whole_numbers_and_dates_keep_their_types():
    df = pd.DataFrame({"year": [2018.0, 2021.0, None], "seats": [71.0, None, 1250.0],
                       "turnout_pct": [44.52, 41.0, 45.678],
                       "day": pd.to_datetime(["2021-11-07", "2021-10-10", None]),
                       "valid": [True, False, True]})
    code, reader, rows = _cells(table_html(df))
    assert code == ["year", "seats", "turnout_pct", "day", "valid"]
    assert reader == ["Year", "Seats", "Turnout (%)", "Day", "Valid"]
    assert rows == [["2018", "71", "44.52", "2021-11-07", "yes"],
                    ["2021", "", "41.00", "2021-10-10", "no"],
                    ["", "1,250", "45.68", "", "yes"]]
    assert df["year"].dtype == "float64"  # the caller's frame is not changed


def test_no_index_column_unless_the_index_means_something():
    code, _, rows = _cells(table_html(pd.DataFrame({"a": [1, 2]}, index=[5, 9])))
    assert code == ["a"] and rows == [["1"], ["2"]]          # row numbers left by a filter are not shown
    code, _, rows = _cells(table_html(pd.DataFrame({"rows": [3, 1]}, index=["accepted", "rejected"])))
    assert rows == [["accepted", "3"], ["rejected", "1"]]    # labels that mean something become a column
    code, _, rows = _cells(table_html(pd.DataFrame({"a": [1, 2]})))
    assert code == ["a"] and rows == [["1"], ["2"]]          # a plain range is not shown
    named = pd.DataFrame({"seats": [69]}, index=pd.Index(["Baghdad"], name="governorate"))
    code, _, rows = _cells(table_html(named))
    assert code == ["governorate", "seats"] and rows == [["Baghdad", "69"]]


def test_links_are_clickable_escaped_and_only_http():
    hostile = 'https://example.org/a?b=1&c="><script>alert(1)</script>'
    df = pd.DataFrame({"source_url": ["https://www.reuters.com/world/iraq-2021/", "javascript:alert(1)",
                                      hostile, None],
                       "label": ["<b>bold</b>", "x", "y", "z"]})
    html = table_html(df)
    soup = BeautifulSoup(html, "html.parser")
    links = soup.select("tbody a")
    assert [a["href"] for a in links] == ["https://www.reuters.com/world/iraq-2021/", hostile]
    assert all(a["rel"] == ["noopener", "noreferrer"] for a in links)
    assert soup.select("tbody tr")[1].select_one("td").get_text() == "javascript:alert(1)"
    assert not soup.select("script") and not soup.select("tbody b")
    assert soup.select("tbody tr")[0].select("td")[1].get_text() == "<b>bold</b>"


def test_reader_headers_spell_out_words_and_units():
    assert reader_header("km_to_pm_residence") == "Km to PM residence"
    assert reader_header("distance_km") == "Distance (km)"
    assert reader_header("event_id_cnty") == "Event ID country"
    assert reader_header("Already Written") == "Already Written"
    assert reader_header("seats", {"seats": "Seats won"}) == "Seats won"


def test_long_tables_say_how_many_rows_they_hold():
    html = table_html(pd.DataFrame({"n": range(30)}), max_rows=10)
    _, _, rows = _cells(html)
    assert len(rows) == 10 and "First 10 of 30 rows." in html


def test_show_table_prints_text_outside_a_notebook(capsys):
    assert show_table(pd.DataFrame({"governorate": ["Basra"], "seats": [25]})) is None
    assert capsys.readouterr().out.split() == ["governorate", "seats", "Basra", "25"]
