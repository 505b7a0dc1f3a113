"""UCDP GED and GED Candidate events through the UCDP API (token header, paged by NextPageUrl).

The API (https://ucdp.uu.se/apidocs/):

* ``GET {base}/api/gedevents/<version>?pagesize=N&page=0&Country=645&
  StartDate=YYYY-MM-DD&EndDate=YYYY-MM-DD`` with the header
  ``x-ucdp-access-token: <token>`` (required since February 2026) answers
  ``{"TotalCount", "TotalPages", "PreviousPageUrl", "NextPageUrl", "Result": [...]}``;
  ``NextPageUrl`` is empty on the last page; pages count from 0, ``pagesize``
  is at most 1000.
* ``<version>`` names one release, and the API always returns that release's
  data: the yearly GED is ``YY.1`` (``25.1``), the monthly GED Candidate
  release ``YY.0.M`` (``26.0.3`` is the March 2026 candidate release).

``Country`` follows the Gleditsch–Ward code; Iraq is 645. The rows kept are
those whose *own* ``country_id`` is 645: an event of an Iraqi conflict can
take place abroad (an attack on an Iraqi embassy), and an event in Iraq can
belong to a conflict named after another country.

The next page is asked at the base URL with the path and query of
``NextPageUrl`` (so the token goes to no other host).
"""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import urlsplit

import pandas as pd

from iraq_atlas.errors import ParameterError
from iraq_atlas.incidents.api import parse_window
from iraq_atlas.incidents.api.credentials import ENV_UCDP_URL, base_url, ucdp_token
from iraq_atlas.incidents.api.http import Deadline, HttpClient, collect_pages
from iraq_atlas.incidents.api.snapshots import Snapshot, utc_now
from iraq_atlas.incidents.sources.ucdp import UCDP_COLUMNS

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://ucdpapi.pcr.uu.se"
TOKEN_HEADER = "x-ucdp-access-token"
IRAQ_GW = 645
MAX_PAGE_SIZE = 1000


def ged_version(today: date | None = None) -> str:
    """The newest yearly GED release expected by ``today``: ``YY.1``, released each June.

    Parameters
    ----------
    today : datetime.date, optional
        The day asked about (default: today).

    Returns
    -------
    str

    Examples
    --------
    >>> ged_version(date(2026, 12, 1)), ged_version(date(2026, 3, 1))
    ('26.1', '25.1')
    """
    today = today or date.today()
    year = today.year if today.month >= 7 else today.year - 1
    return f"{year % 100}.1"


def candidate_version(today: date | None = None) -> str:
    """The GED Candidate release of the month before ``today``: ``YY.0.M``.

    A release comes out some days into the following month; pass ``version``
    explicitly when the one guessed here is not out yet.

    Parameters
    ----------
    today : datetime.date, optional
        The day asked about (default: today).

    Returns
    -------
    str

    Examples
    --------
    >>> candidate_version(date(2026, 4, 20)), candidate_version(date(2026, 1, 5))
    ('26.0.3', '25.0.12')
    """
    today = today or date.today()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year % 100}.0.{month}"


def check_version(version: str, candidate: bool) -> str:
    """``YY.1``-style for GED, ``YY.0.M`` for the Candidate release; ParameterError otherwise.

    Parameters
    ----------
    version : str
        The release asked for.
    candidate : bool
        Whether it names a GED Candidate release.

    Returns
    -------
    str
        ``version``, as text.

    Examples
    --------
    >>> check_version("26.0.3", candidate=True)
    '26.0.3'
    """
    parts = str(version).split(".")
    ok = all(p.isdigit() for p in parts) and (
        (candidate and len(parts) == 3 and parts[1] == "0" and 1 <= int(parts[2]) <= 12)
        or (not candidate and len(parts) == 2 and parts[1] != "0"))
    if not ok:
        want = "YY.0.M (e.g. 26.0.3)" if candidate else "YY.1 (e.g. 25.1)"
        raise ParameterError(f"UCDP {'GED Candidate' if candidate else 'GED'} version {version!r}: expected {want}")
    return str(version)


class UcdpClient:
    """A UCDP API client sending the access token header and following NextPageUrl.

    Parameters
    ----------
    token : str, optional
        Default from ``$IRAQ_ATLAS_UCDP_TOKEN`` or the credentials file.
    base_url : str, optional
        Default ``$IRAQ_ATLAS_UCDP_URL`` or https://ucdpapi.pcr.uu.se.
    page_size : int
        Rows per page (1–1000).
    max_pages : int
        Safety bound on the number of pages.

    Examples
    --------
    >>> UcdpClient("abc", base_url="http://127.0.0.1:9").base_url
    'http://127.0.0.1:9'
    """

    def __init__(self, token: str | None = None, *, base_url: str | None = None, page_size: int = MAX_PAGE_SIZE,
                 max_pages: int = 1000, max_retries: int = 4, backoff: float = 1.0, request_timeout: float = 120.0,
                 session=None):
        self._token = ucdp_token(token)
        self.base_url = base_url_of(base_url)
        if not 1 <= page_size <= MAX_PAGE_SIZE or max_pages < 1:
            raise ValueError(f"page_size must be 1–{MAX_PAGE_SIZE} and max_pages ≥ 1")
        self.page_size = page_size
        self.max_pages = max_pages
        self.http = HttpClient("UCDP", max_retries=max_retries, backoff=backoff, request_timeout=request_timeout,
                               session=session, secrets=[self._token])

    def __repr__(self) -> str:
        return f"UcdpClient(base_url={self.base_url!r})"

    def _get(self, url: str, params: dict | None, page: int, deadline: Deadline) -> dict:
        resp = self.http.request("GET", url, params=params, deadline=deadline,
                                 headers={TOKEN_HEADER: self._token, "Accept": "application/json"})
        if resp.status_code in (401, 403):
            raise self.http.fail(f"page {page}: the access token was refused (HTTP {resp.status_code}); "
                                  "check IRAQ_ATLAS_UCDP_TOKEN or ask the UCDP API maintainer for a token")
        if resp.status_code == 404:
            raise self.http.fail(f"page {page}: {urlsplit(url).path} not found (HTTP 404): is that dataset "
                                  "version released? pass another version")
        if resp.status_code != 200:
            raise self.http.fail(f"page {page}: {urlsplit(url).path} answered HTTP {resp.status_code}")
        body = self.http.json(resp, f"page {page}")
        if not isinstance(body, dict) or not isinstance(body.get("Result"), list):
            raise self.http.fail(f"page {page}: the answer has no 'Result' list")
        return body

    def events(self, start: str | date, end: str | date, *, candidate: bool = False, version: str | None = None,
               country_id: int = IRAQ_GW, allow_empty: bool = False, deadline_seconds: float = 900.0) -> Snapshot:
        """GED (or GED Candidate) events located in one country between ``start`` and ``end``.

        Parameters
        ----------
        start, end : str or datetime.date
            YYYY-MM-DD, start ≤ end.
        candidate : bool
            The monthly GED Candidate release instead of the yearly GED.
        version : str, optional
            Dataset version; default :func:`ged_version` or :func:`candidate_version`.
        country_id : int
            Gleditsch–Ward code of the event's own location (Iraq: 645).
        allow_empty : bool
            Return an empty table instead of raising when nothing comes back.
        deadline_seconds : float
            The whole fetch ends by then.

        Returns
        -------
        Snapshot
            Text table with the GED columns first; ``query`` records the version and filters.

        Raises
        ------
        ParameterError
            Bad dates or version.
        ServiceError
            A refused token, an unknown version, invalid JSON, an empty answer, the deadline.

        Examples
        --------
        With a token, ``UcdpClient().events("2024-01-01", "2024-03-31", candidate=True).frame``
        holds the quarter's events. A reversed window fails before any request:

        >>> UcdpClient("my-token").events("2024-03-31", "2024-01-01")
        Traceback (most recent call last):
        ...
        iraq_atlas.errors.ParameterError: start 2024-03-31 is after end 2024-01-01
        """
        first, last = parse_window(start, end)
        version = check_version(version or (candidate_version() if candidate else ged_version()), candidate)
        deadline = Deadline(deadline_seconds)
        url = f"{self.base_url}/api/gedevents/{version}"
        params = {"pagesize": self.page_size, "page": 0, "Country": country_id,
                  "StartDate": first.isoformat(), "EndDate": last.isoformat()}
        state: dict = {"url": url, "params": params, "total": None}

        def fetch_page(page: int) -> tuple[list, bool]:  # the next page is where NextPageUrl points
            body = self._get(state["url"], state["params"], page, deadline)
            state["total"] = body.get("TotalCount", state["total"])
            log.info("UCDP: page %d: %d event(s) of %s", page, len(body["Result"]), state["total"])
            nxt = body.get("NextPageUrl") or ""
            if nxt:
                parts = urlsplit(nxt)
                state["url"] = f"{self.base_url}{parts.path}" + (f"?{parts.query}" if parts.query else "")
                state["params"] = None
            return body["Result"], bool(nxt)

        rows = collect_pages(self.http, fetch_page, max_pages=self.max_pages)
        total = state["total"]
        if isinstance(total, int) and len(rows) != total:
            log.warning("UCDP: the answer announced %d event(s) but its pages held %d", total, len(rows))
        frame = ged_frame(rows)
        if len(frame):
            own = pd.to_numeric(frame["country_id"], errors="coerce") == country_id
            if not own.all():
                log.info("UCDP: %d event(s) located outside country %d dropped (%s)", int((~own).sum()),
                         country_id, ", ".join(sorted(set(frame.loc[~own, "country"]))[:5]))
            frame = frame[own].reset_index(drop=True)
        if not len(frame) and not allow_empty:
            raise self.http.fail(
                f"no events located in country {country_id} from {first} to {last} in "
                f"{'GED Candidate' if candidate else 'GED'} {version} although the token was accepted; "
                "check the version and dates, or allow an empty result (--allow-empty)")
        query = {"service": "ucdp", "dataset": "GED Candidate" if candidate else "GED", "version": version,
                 "url": url, "Country": country_id, "StartDate": first.isoformat(), "EndDate": last.isoformat(),
                 "pagesize": self.page_size, "filter": f"country_id == {country_id}"}
        return Snapshot(frame=frame, source="ucdp-candidate" if candidate else "ucdp-ged", query=query,
                        retrieved_at=utc_now())


def ged_frame(rows: list[dict]) -> pd.DataFrame:
    """UCDP API records as a text table, the GED codebook columns first (missing ones empty).

    Parameters
    ----------
    rows : list of dict
        The API's ``Result`` records.

    Returns
    -------
    pandas.DataFrame
        Text columns: the codebook's, then any others the records have.

    Examples
    --------
    >>> ged_frame([{"id": 5, "country_id": 645, "best": 3}]).loc[0, ["id", "best"]].tolist()
    ['5', '3']
    """
    df = pd.DataFrame.from_records(rows) if rows else pd.DataFrame(columns=UCDP_COLUMNS)
    for c in UCDP_COLUMNS:
        if c not in df.columns:
            df[c] = ""
    df = df[UCDP_COLUMNS + [c for c in df.columns if c not in UCDP_COLUMNS]]
    df = df.apply(lambda s: s.map(_text)).astype(object)
    if len(df):
        df = df.drop_duplicates("id", keep="last").reset_index(drop=True)
    return df


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def base_url_of(argument: str | None) -> str:
    """The UCDP base URL: the argument, ``$IRAQ_ATLAS_UCDP_URL`` or the public API.

    Parameters
    ----------
    argument : str or None
        The URL given by the caller, if any.

    Returns
    -------
    str
        Without a trailing ``/``.

    Examples
    --------
    >>> base_url_of("http://127.0.0.1:8080/")
    'http://127.0.0.1:8080'
    """
    return base_url(argument, ENV_UCDP_URL, DEFAULT_BASE_URL)


def fetch_ucdp(start: str | date, end: str | date, *, candidate: bool = False, version: str | None = None,
               token: str | None = None, base_url: str | None = None, allow_empty: bool = False,
               deadline_seconds: float = 900.0, **client_options) -> Snapshot:
    """Fetch UCDP events located in Iraq (see :meth:`UcdpClient.events`).

    The dates and the version are checked before the token is looked up.

    Parameters
    ----------
    start, end : str or datetime.date
        YYYY-MM-DD, start ≤ end.
    candidate : bool
        The monthly GED Candidate release instead of the yearly GED.
    version : str, optional
        The release (see :func:`ged_version`, :func:`candidate_version`).
    token : str, optional
        The access token; else ``$IRAQ_ATLAS_UCDP_TOKEN`` or the credentials file.
    base_url : str, optional
        The API's base URL; else ``$IRAQ_ATLAS_UCDP_URL`` or the public API.
    allow_empty : bool
        Return an empty table instead of raising when there are no events.
    deadline_seconds : float
        The whole fetch ends by then.
    **client_options
        Passed to :class:`UcdpClient` (``page_size``, ``max_pages``, ``max_retries``,
        ``backoff``, ``request_timeout``, ``session``).

    Returns
    -------
    Snapshot
        The table (GED columns, text values), the query and the retrieval time.

    Examples
    --------
    With a token, ``fetch_ucdp("2024-01-01", "2024-06-30", candidate=True, version="24.0.6").frame``
    holds the half year's events. A malformed version fails before any request:

    >>> fetch_ucdp("2024-01-01", "2024-06-30", candidate=True, version="24.1")
    Traceback (most recent call last):
    ...
    iraq_atlas.errors.ParameterError: UCDP GED Candidate version '24.1': expected YY.0.M (e.g. 26.0.3)
    """
    parse_window(start, end)
    if version is not None:
        check_version(version, candidate)
    client = UcdpClient(token, base_url=base_url, **client_options)
    return client.events(start, end, candidate=candidate, version=version, allow_empty=allow_empty,
                         deadline_seconds=deadline_seconds)
