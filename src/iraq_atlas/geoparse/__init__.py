"""Geoparsing of news text (English and Arabic): places, dates, casualty figures, draft incidents.

An article goes in; a table of *mentions* comes out, each with a character span
into the ORIGINAL text, what it resolves to and the rule that fired:

- ``place``     gazetteer names, aliases and Arabic names (longest phrase wins),
                context phrases ("the city of X", "X province", "the X refinery",
                "the home of the Prime Minister") — module :mod:`.places`;
- ``candidate`` names that look like places but the gazetteer does not know, or
                that fit two places: listed, never dropped;
- ``foreign``   places outside Iraq, never given an Iraqi point;
- ``date``      absolute and relative dates against the publication date (:mod:`.dates`);
- ``casualty``  killed/injured counts with a lower bound (:mod:`.casualties`);
- ``event``     phrases such as "drone attack", "clashes" (:mod:`.events`).

Armed groups, parties and bodies whose names hold a place ("Kataib Hezbollah",
"Anbar provincial government") block the place inside them. Word lists live in
``rules/*.yaml`` (see docs/geoparse.md). :func:`draft_incidents` links events
to places, dates and casualty figures; :func:`evaluate_corpus` scores the parser
on a labelled corpus. Nothing here touches the network.
"""

from iraq_atlas.geoparse.batch import (
    CLI_COLUMNS,
    Batch,
    cli_table,
    expand_paths,
    file_labels,
    parse_batch,
    parse_files,
    read_article,
)
from iraq_atlas.geoparse.casualties import casualty_mentions
from iraq_atlas.geoparse.clean import CleanText, clean_text, sentence_spans
from iraq_atlas.geoparse.dates import TZ, as_published, date_mentions
from iraq_atlas.geoparse.drafts import (
    CONTEXT_SENTENCES,
    DRAFT_COLUMNS,
    INCIDENT_COLUMNS,
    accept_drafts,
    draft_incidents,
)
from iraq_atlas.geoparse.evaluate import MATCH_KM, corpus_predictions, evaluate, evaluate_corpus, read_labels
from iraq_atlas.geoparse.events import event_mentions, event_rules
from iraq_atlas.geoparse.html import highlight_html
from iraq_atlas.geoparse.mentions import KINDS, MENTION_COLUMNS, parse_text
from iraq_atlas.geoparse.places import place_mentions, place_table

__all__ = [
    "TZ",
    "KINDS",
    "MENTION_COLUMNS",
    "CLI_COLUMNS",
    "INCIDENT_COLUMNS",
    "DRAFT_COLUMNS",
    "CONTEXT_SENTENCES",
    "MATCH_KM",
    "CleanText",
    "Batch",
    "clean_text",
    "sentence_spans",
    "as_published",
    "date_mentions",
    "casualty_mentions",
    "event_mentions",
    "event_rules",
    "place_mentions",
    "place_table",
    "parse_text",
    "expand_paths",
    "read_article",
    "parse_files",
    "file_labels", "parse_batch",
    "cli_table",
    "draft_incidents",
    "accept_drafts",
    "highlight_html",
    "read_labels",
    "evaluate",
    "evaluate_corpus",
    "corpus_predictions",
]
