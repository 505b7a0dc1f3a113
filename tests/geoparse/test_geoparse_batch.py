"""Reading guards, folders of files, drafts with casualty figures, and a large single-line text."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from iraq_atlas import geoparse as gp
from iraq_atlas.errors import DataError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "articles"


def test_binary_and_utf16_refused_by_name(tmp_path):
    (tmp_path / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    (tmp_path / "memo.txt").write_text("Clashes in Basra on Friday.", encoding="utf-16")
    (tmp_path / "nobom.txt").write_bytes("Clashes in Basra.".encode("utf-16-le"))
    for name, what in [("scan.txt", "binary"), ("memo.txt", "UTF-16"), ("nobom.txt", "UTF-16")]:
        with pytest.raises(DataError, match=re.escape(name)) as exc:
            gp.read_article(tmp_path / name)
        assert what in str(exc.value)
    (tmp_path / "latin1.txt").write_bytes("Caf\xe9 \xe0 Bagdad \xe9t\xe9 ".encode("latin-1") * 50)
    with pytest.raises(DataError, match="not UTF-8"):
        gp.read_article(tmp_path / "latin1.txt")


def test_utf8_with_bom_and_a_stray_byte_is_read(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes("\ufeffClashes in Basra on Friday.".encode("utf-8") + b"\xff" + b" More text." * 50)
    text = gp.read_article(p)
    assert text.startswith("Clashes in Basra") and "\ufffd" in text


def test_folder_gives_one_mentions_and_one_drafts_table(tmp_path, capsys):
    for f in ["gate_clashes.txt", "erbil_rockets.txt"]:
        (tmp_path / f).write_text((FIXTURES / f).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "broken.txt").write_bytes(b"\x00\x01\x02" * 100)
    b = gp.parse_batch(tmp_path, "2021-11-06", progress=True)
    assert set(Path(f).name for f in b.mentions.file) == {"gate_clashes.txt", "erbil_rockets.txt"}
    assert set(Path(f).name for f in b.drafts.file) <= {"gate_clashes.txt", "erbil_rockets.txt"}
    assert len(b.drafts) >= 2 and (b.drafts.status == "draft").all()
    assert [p.file.endswith("broken.txt") for p in b.problems] == [True]
    err = capsys.readouterr().err
    assert "geoparse" in err and "3/3" in err  # the tqdm bar went through every file
    # the CLI table names the unreadable file and goes on
    t = gp.cli_table(tmp_path, "2021-11-06")
    assert "broken.txt" in capsys.readouterr().err
    assert t.file.nunique() == 2
    with pytest.raises(DataError, match="broken.txt"):
        gp.parse_files(tmp_path, "2021-11-06")


def test_tqdm_is_the_plain_one():
    import iraq_atlas.geoparse.batch as batch

    assert batch.tqdm.__module__ == "tqdm.std"


@pytest.mark.parametrize("text,killed,injured", [
    ("One protester was killed in clashes in Basra on Friday.", 1, ""),
    ("Clashes broke out in Basra on Friday. One protester was killed and 12 were wounded.", 1, 12),
    ("A rocket attack hit Erbil airport on Monday. At least three people were injured.", "", 3),
])
def test_drafts_carry_the_casualty_figures(text, killed, injured):
    d = gp.draft_incidents(text, "2021-11-07")
    assert len(d) == 1, d[["sub_event_type", "place_id", "fatalities", "injuries"]]
    assert (d.iloc[0].fatalities, d.iloc[0].injuries) == (killed, injured)


def test_drafts_no_duplicates_and_a_plausible_type():
    text = ("Suicide bombing kills 20 in Baghdad\n\n"
            "BAGHDAD, Jan. 15, 2018 — Two suicide bombings killed at least 20 people in Tayaran Square in Baghdad "
            "on Monday. The attack was the deadliest this year.")
    d = gp.draft_incidents(text, "2018-01-15")
    assert len(d) == 1, d[["sub_event_type", "place_id", "event_date", "fatalities"]]
    r = d.iloc[0]
    assert (r.event_type, r.place_id, r.event_date, r.fatalities) == (
        "Explosions/Remote violence", "capital_baghdad", "2018-01-15", 20)


def test_a_megabyte_single_line_text_is_parsed_completely():
    base = " ".join((FIXTURES / f).read_text(encoding="utf-8").replace("\n", " ")
                    for f in ["gate_clashes.txt", "erbil_rockets.txt", "taji_rockets.txt"])
    n = 1_000_000 // len(base) + 1
    text = (base + " ") * n
    assert len(text) >= 1_000_000 and "\n" not in text
    m = gp.parse_text(text, "2021-11-06")
    one = gp.parse_text(base + " ", "2021-11-06")
    # every copy gives the same mentions at the shifted offsets
    assert len(m) == n * len(one)
    for r in m.sample(200, random_state=1).itertuples():
        assert text[r.start:r.end] == r.text
    per_kind = m.kind.value_counts()
    assert (per_kind == one.kind.value_counts() * n).all()
    assert (m.place_id == "green_zone").sum() == n * (one.place_id == "green_zone").sum()


def test_a_town_named_like_a_word_needs_a_preposition():
    """With a gazetteer that knows the town of Hit, "Hit" the verb is not a place."""
    from iraq_atlas.geoparse.places import place_table, use_gazetteer

    g = place_table().reset_index()
    hit = dict(g[g.place_id == "capital_ramadi"].iloc[0])
    hit.update(place_id="test_hit", name="Hit", name_ar="هيت", aliases="", kind="city", lat=33.64, lon=42.83)
    try:
        use_gazetteer(pd.concat([g, pd.DataFrame([hit])], ignore_index=True))
        text = "Hit by a roadside bomb, the convoy turned back. Fighting went on in Hit and Rutbah."
        m = gp.parse_text(text, "2021-11-07")
        hits = m[m.place_id == "test_hit"]
        assert hits.start.tolist() == [text.index("in Hit") + 3]  # the town, not the verb opening the text
    finally:
        use_gazetteer(None)
    assert "test_hit" not in set(gp.parse_text("Fighting in Hit.", "2021-11-07").place_id)


def test_file_labels_are_paths_below_the_shared_folder(tmp_path):
    (tmp_path / "news" / "2021").mkdir(parents=True)
    a, b = tmp_path / "news" / "a.txt", tmp_path / "news" / "2021" / "b.txt"
    assert gp.file_labels([a, b]) == {str(a): "a.txt", str(b): "2021/b.txt"}
    assert gp.file_labels([b]) == {str(b): "b.txt"}
    assert gp.file_labels([]) == {}


@pytest.mark.slow
@pytest.mark.notebook
def test_notebook_names_articles_without_the_folders_they_lie_in(tmp_path):
    """Notebook 05's page and tables say which article a mention comes from, not where it lay on disk."""
    import json

    from conftest import run_notebook

    folder = tmp_path / "inbox" / "articles"
    (folder / "nov").mkdir(parents=True)
    (folder / "gate.txt").write_text("Protesters clashed with police at a gate of Baghdad's Green Zone on Friday.",
                                     encoding="utf-8")
    (folder / "nov" / "basra.txt").write_text("A rocket hit a base near Basra on Sunday, killing two soldiers.",
                                              encoding="utf-8")
    out = tmp_path / "out"
    nb = run_notebook("05_article_geoparse.ipynb", out, text_paths=f"{folder / 'gate.txt'},{folder / 'nov'}",
                      published="2021-11-07")
    mentions = pd.read_csv(out / "tables" / "05_mentions.csv")
    assert set(mentions["file"]) == {"gate.txt", "nov/basra.txt"}
    drafts = pd.read_csv(out / "tables" / "05_draft_incidents.csv")
    assert set(drafts["source"]) <= {"gate.txt", "nov/basra.txt"} and len(drafts) >= 1
    shown = json.dumps([c.get("outputs", []) for c in json.loads(Path(nb).read_text())["cells"]])
    assert "Articles: gate.txt, nov/basra.txt" in shown
    assert str(tmp_path) not in shown
