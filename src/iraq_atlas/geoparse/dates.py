"""Date mentions (English and Arabic) resolved against the publication date.

Absolute dates ("Nov. 3, 2017", "27 تشرين الثاني 2017"), months, years and
relative dates ("yesterday", "last week", "Thursday", "أمس", "يوم الجمعة") become
a range ``date_start``..``date_end`` with a ``precision`` (day, week, month,
season, year). Month and weekday names come from ``rules/calendar.yaml``.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from iraq_atlas.geoparse import _rules
from iraq_atlas.vocab import TIME_ZONE

__all__ = ["TZ", "as_published", "date_mentions"]

TZ = ZoneInfo(TIME_ZONE)
_YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
_DAYN = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_SEASONS = {"spring": (3, 5), "summer": (6, 8), "autumn": (9, 11), "fall": (9, 11), "winter": (12, 2)}
# words that make a day-month without a year a coming date ("scheduled for June 2")
_FUTURE = re.compile(r"\b(?:will|scheduled|planned|expected|due|upcoming|next|set\s+for)\b|سوف|المقبل|القادم",
                     re.IGNORECASE)
_NUM_WORDS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "a few": 2, "several": 2}


def as_published(published: date | datetime | str) -> date:
    """The publication date as a calendar date in Asia/Baghdad (aware datetimes are converted).

    Parameters
    ----------
    published : date, datetime or str
        A date, an ISO ``YYYY-MM-DD`` string or a datetime.

    Returns
    -------
    datetime.date

    Raises
    ------
    ValueError
        When a string is not an ISO date (the message names ``published``).

    Examples
    --------
    >>> as_published("2021-11-07")
    datetime.date(2021, 11, 7)
    """
    if isinstance(published, str):
        try:
            published = datetime.fromisoformat(published.strip())
        except ValueError as exc:
            raise ValueError(f"published: not a YYYY-MM-DD date: {published!r}") from exc
    if isinstance(published, datetime):
        if published.tzinfo is not None:
            published = published.astimezone(TZ)
        return published.date()
    if isinstance(published, date):
        return published
    raise TypeError(f"published: expected a date, got {type(published).__name__}")


@lru_cache(maxsize=1)
def _calendar() -> tuple[dict[str, int], dict[str, int], str, str, str, str]:
    cal = _rules.load("calendar")
    month_of: dict[str, int] = {}
    en, ar = [], []
    for num, words in cal["months"].items():
        for w in words:
            w = str(w)
            if re.search(r"[\u0600-\u06ff]", w):
                ar.append(w)
                month_of[re.sub(r"\s+", " ", w)] = int(num)
            else:
                month_of[w.lower()] = int(num)
                en.append(re.escape(w.capitalize()) + (r"\.?" if len(w) <= 4 and w != "may" else ""))
    wd_of: dict[str, int] = {}
    wd_en, wd_ar = [], []
    for num, words in cal["weekdays"].items():
        for w in words:
            wd_of[str(w).lower()] = int(num)
            (wd_ar if re.search(r"[\u0600-\u06ff]", str(w)) else wd_en).append(str(w).capitalize())
    alt = lambda xs: "(?:" + "|".join(sorted(xs, key=len, reverse=True)) + ")"  # noqa: E731
    ar_alt = "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(ar, key=len, reverse=True)) + ")"
    return month_of, wd_of, alt(en), ar_alt, alt(wd_en), alt(wd_ar)


@lru_cache(maxsize=1)
def _trigger() -> _rules.Trigger:
    return _rules.trigger(_rules.load("calendar")["triggers"], digits=True)


@lru_cache(maxsize=1)
def _combined() -> _rules.RuleSet:
    return _rules.RuleSet([(r, p.pattern, p.flags & re.IGNORECASE) for r, p in _date_rules()])


@lru_cache(maxsize=1)
def _date_rules() -> list[tuple[str, re.Pattern]]:
    _, _, MON, AMON, WD, AWD = _calendar()
    D = r"(?P<d>" + _DAYN + ")"
    M = r"(?P<m>" + MON + ")"
    Y = r"(?P<y>" + _YEAR + ")"
    AM = r"(?P<m>" + AMON + r")(?:\s*/\s*" + AMON + ")?"  # "نوفمبر/تشرين الثاني"
    AP = r"(?:[وبل]|ول)?"  # attached preposition / conjunction
    return [
        ("iso", re.compile(r"\b(?P<y>" + _YEAR + r")-(?P<m>0[1-9]|1[0-2])-(?P<d>[0-2]\d|3[01])\b")),
        ("day_month_year", re.compile(r"\b" + D + r"\s+" + M + r",?\s+" + Y + r"\b")),
        ("month_day_year", re.compile(r"\b" + M + r"\s+" + D + r",?\s+" + Y + r"\b")),
        ("ar_day_month_year", re.compile(r"(?<!\d)(?P<d>[12]\d|3[01]|0?[1-9])\s+(?:من\s+)?" + AM
                                         + r"(?:\s+(?:من\s+)?(?:عام\s+|العام\s+)?" + Y + r")?(?!\w)")),
        ("ar_month_year", re.compile(r"(?<!\w)" + AP + r"(?:شهر\s+)?" + AM + r"\s+(?:من\s+)?(?:عام\s+|العام\s+)?"
                                     + Y + r"(?!\w)")),
        ("month_day", re.compile(r"\b" + M + r"\s+" + D + r"\b(?!\d|,?\s*(?:19|20)\d\d)")),
        ("day_month", re.compile(r"\b" + D + r"\s+" + M + r"\b")),
        ("month_rel_year", re.compile(r"\b" + M + r"\s+(?:of\s+)?(?P<rel>last|this|next|the\s+previous|the\s+same)\s+year\b")),
        ("month_year", re.compile(r"\b" + M + r",?\s+(?:of\s+)?(?:in\s+)?" + Y + r"\b")),
        ("weekday", re.compile(r"\b(?P<mod>(?:early|late|on|last|this|past)\s+)?(?P<wd>" + WD
                               + r")(?:\s+(?:morning|night|evening|afternoon))?\b")),
        ("ar_weekday", re.compile(r"(?<!\w)(?:" + AP + r"يوم\s+)?" + AP + r"(?P<wd>" + AWD + r")(?!\w)"
                                  r"(?:\s+(?P<mod>الماضي|الفائت))?")),
        ("ar_relative_day", re.compile(r"(?<!\w)(?:" + AP + r"(?:يوم\s+)?(?P<w>(?:ال)?أمس|(?:ال)?امس|البارحة|اليوم|الليلة\s+الماضية))(?!\w)")),
        ("relative_day", re.compile(r"\b(?:today|tonight|yesterday|this\s+morning|last\s+night|"
                                    r"earlier\s+today|the\s+day\s+before|the\s+next\s+day|a\s+day\s+(?:later|earlier)|"
                                    r"(?:a\s+few\s+|several\s+|two\s+|three\s+)?hours\s+(?:after|before|later|earlier)|"
                                    r"within\s+hours|later\s+that\s+day|(?:earlier|later)\s+in\s+the\s+day|"
                                    r"(?:on\s+)?the\s+same\s+day|that\s+day)\b",
                                    re.IGNORECASE)),
        ("days_ago", re.compile(r"\b(?P<n>two|three|four|five|six|a\s+few|several|\d)\s+days\s+(?:ago|earlier|before)\b",
                                re.IGNORECASE)),
        ("weekend", re.compile(r"\b(?:(?:over|during)\s+)?(?:the|this|last)\s+weekend\b", re.IGNORECASE)),
        ("relative_week", re.compile(r"\b(?P<rel>last|this|next|earlier\s+this)\s+week\b", re.IGNORECASE)),
        ("relative_month", re.compile(r"\b(?P<rel>last|this|next|earlier\s+this|later\s+this)\s+month\b", re.IGNORECASE)),
        ("relative_year", re.compile(r"\b(?P<rel>last|this|next|earlier\s+this)\s+year\b", re.IGNORECASE)),
        ("season", re.compile(r"\b(?P<rel>last|this|next|earlier\s+this)\s+(?P<season>spring|summer|autumn|fall|winter)\b",
                              re.IGNORECASE)),
        ("month", re.compile(r"(?:(?<=\bin\s)|(?<=\bsince\s)|(?<=\bearly\s)|(?<=\blate\s)|(?<=\bmid-)|(?<=\bby\s)"
                             r"|(?<=\buntil\s)|(?<=\bduring\s))"
                             r"(?P<m>January|February|March|April|May|June|July|August|September|October|November|December)"
                             r"\b(?!\s+\d)")),
        ("year", re.compile(r"(?<![\d,.$£€-])\b" + _YEAR
                            + r"\b(?![\d,]|\s*(?:people|rockets|troops|soldiers|members))")),
    ]


def _month_range(y: int, m: int) -> tuple[date, date]:
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def _month(token: str) -> int:
    month_of = _calendar()[0]
    t = re.sub(r"\s+", " ", token.strip().rstrip("."))
    t = t.split("/")[0].strip()
    return month_of.get(t.lower()) or month_of[t]


def _day(m: re.Match, pub: date, future_ok: bool = False) -> date | None:
    d = int(re.sub(r"\D", "", m.group("d")))
    mon = _month(m.group("m"))
    y = m.groupdict().get("y")
    year = int(y) if y else pub.year
    try:
        out = date(year, mon, d)
    except ValueError:
        return None
    if not y and out > pub + timedelta(days=1) and not (future_ok and out <= pub + timedelta(days=120)):
        out = out.replace(year=out.year - 1) if not (mon == 2 and d == 29) else None
    return out


def _resolve(rule: str, m: re.Match, pub: date, ref: date) -> tuple[date, date, str] | None:
    s = m.group(0)
    low = s.lower()
    g = m.groupdict()
    if rule == "iso":
        try:
            d = date(int(g["y"]), int(g["m"]), int(g["d"]))
        except ValueError:
            return None
        return d, d, "day"
    if rule in ("day_month_year", "month_day_year", "month_day", "day_month", "ar_day_month_year"):
        d = _day(m, pub, future_ok=bool(_FUTURE.search(m.string, max(0, m.start() - 80), m.end() + 80)))
        return (d, d, "day") if d else None
    if rule in ("month_year", "ar_month_year"):
        return (*_month_range(int(g["y"]), _month(g["m"])), "month")
    if rule == "month_rel_year":
        rel = re.sub(r"\s+", " ", g["rel"].lower())
        y = pub.year + {"last": -1, "the previous": -1, "next": 1}.get(rel, 0)
        return (*_month_range(y, _month(g["m"])), "month")
    if rule == "month":
        mon = _month(g["m"])
        return (*_month_range(pub.year if mon <= pub.month else pub.year - 1, mon), "month")
    if rule in ("weekday", "ar_weekday"):
        wd = _calendar()[1][g["wd"].lower()]
        back = (pub.weekday() - wd) % 7
        mod = (g.get("mod") or "").strip().lower()
        if mod in ("last", "الماضي", "الفائت") and back == 0:
            back = 7
        d = pub - timedelta(days=back)
        return d, d, "day"
    if rule == "ar_relative_day":
        w = g["w"]
        d = pub if w == "اليوم" else pub - timedelta(days=1)
        return d, d, "day"
    if rule == "relative_day":
        if low in ("today", "tonight", "this morning", "earlier today"):
            return pub, pub, "day"
        if "yesterday" in low or "last night" in low or "day before" in low or "day earlier" in low:
            d = (ref if "day" in low and "yesterday" not in low else pub) - timedelta(days=1)
            return d, d, "day"
        if "next day" in low or "day later" in low:
            d = ref + timedelta(days=1)
            return d, d, "day"
        if "hours" in low:  # within a day of the last dated thing, never after publication
            if "before" in low or "earlier" in low:
                return ref - timedelta(days=1), ref, "day"
            return ref, min(ref + timedelta(days=1), max(ref, pub)), "day"
        if "day" in low:  # "later that day", "the same day"
            return ref, ref, "day"
        return pub, pub, "day"
    if rule == "days_ago":
        n = re.sub(r"\s+", " ", g["n"].lower())
        k = int(n) if n.isdigit() else _NUM_WORDS.get(n, 2)
        d = (pub if "ago" in low else ref) - timedelta(days=k)
        return d, d, "day"
    if rule == "weekend":  # English news: Saturday–Sunday (Iraq's own weekend, Friday–Saturday, is نهاية الأسبوع)
        back = (pub.weekday() - 5) % 7
        if low.strip().startswith("last") and back < 2:
            back += 7
        sat = pub - timedelta(days=back)
        return sat, sat + timedelta(days=1), "week"
    if rule == "relative_week":
        monday = pub - timedelta(days=pub.weekday())
        rel = g["rel"].lower()
        monday += timedelta(days={"last": -7, "next": 7}.get(rel, 0))
        return monday, monday + timedelta(days=6), "week"
    if rule == "relative_month":
        rel = g["rel"].lower()
        y, mon = pub.year, pub.month
        if rel == "last":
            y, mon = (y - 1, 12) if mon == 1 else (y, mon - 1)
        elif rel == "next":
            y, mon = (y + 1, 1) if mon == 12 else (y, mon + 1)
        return (*_month_range(y, mon), "month")
    if rule == "relative_year":
        y = pub.year + {"last": -1, "next": 1}.get(g["rel"].lower(), 0)
        return date(y, 1, 1), date(y, 12, 31), "year"
    if rule == "season":
        rel, season = g["rel"].lower(), g["season"].lower()
        a, b = _SEASONS[season]
        y = pub.year
        if season == "winter":  # December to February, named by the year it starts in
            y = pub.year if pub.month == 12 else pub.year - 1
        if rel == "last":
            start_this = date(y, a, 1)
            y = y - 1 if start_this > pub or (season != "winter" and pub.month <= b) else y
        elif rel == "next":
            y += 1
        end_y = y + 1 if season == "winter" else y
        return date(y, a, 1), _month_range(end_y, b)[1], "season"
    if rule == "year":
        y = int(s)
        return date(y, 1, 1), date(y, 12, 31), "year"
    return None


_CONFIDENCE = {"iso": 0.9, "day_month_year": 0.9, "month_day_year": 0.9, "month_year": 0.9,
               "ar_day_month_year": 0.9, "ar_month_year": 0.9, "year": 0.6}


def date_mentions(text: str, published: date | datetime | str) -> list[dict]:
    """Date mentions of a clean text, each resolved against ``published``.

    All rules are scanned at once: the leftmost match wins, and at one position
    the more specific rule (earlier in the list). "the next day", "hours after" resolve against
    the last day-precision date before them.

    Parameters
    ----------
    text : str
        A clean text (see :func:`clean_text`).
    published : date, datetime or str
        Publication date that relative dates ("yesterday", "on Friday") count from.

    Returns
    -------
    list of dict
        One per date: ``kind``, ``start``, ``end``, ``text``, ``date_start``,
        ``date_end`` (ISO dates), ``precision``, ``confidence`` and ``rule``.

    Examples
    --------
    >>> [(m["text"], m["date_start"]) for m in date_mentions("It happened yesterday.", "2021-11-07")]
    [('yesterday', '2021-11-06')]
    >>> t = "The attack came on 5 November 2021. The next day troops arrived."
    >>> [(m["text"], m["date_start"], m["precision"]) for m in date_mentions(t, "2021-11-20")]
    [('5 November 2021', '2021-11-05', 'day'), ('The next day', '2021-11-06', 'day')]
    """
    pub = as_published(published)
    rules = _combined()
    found = []
    for i, m in _rules.windowed(rules, _trigger(), text, back=40, fwd=60):
        if m.end() > m.start():
            found.append((m.start(), m.end(), rules.names[i], m))
    found.sort(key=lambda t: t[0])
    out = []
    ref = pub
    for start, end, rule, m in found:
        res = _resolve(rule, m, pub, ref)
        if res is None:
            continue
        d0, d1, precision = res
        if precision == "day" and d0 == d1:
            ref = d0
        out.append(dict(kind="date", start=start, end=end, text=m.group(0), date_start=d0.isoformat(),
                        date_end=d1.isoformat(), precision=precision, confidence=_CONFIDENCE.get(rule, 0.75),
                        rule=f"date:{rule}"))
    return out
