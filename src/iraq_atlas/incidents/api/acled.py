"""ACLED events through the ACLED API (OAuth password grant, bearer token, paged JSON).

The API (https://acleddata.com/api-documentation/getting-started):

* ``POST {base}/oauth/token`` with form fields ``username`` (the account's
  e-mail), ``password``, ``grant_type=password`` and ``client_id=acled``
  answers ``{"access_token", "refresh_token", "expires_in", "token_type"}``;
  the access token lasts about 24 h (``expires_in`` ≈ 86400). A new one comes
  from ``grant_type=refresh_token`` with the refresh token.
* ``GET {base}/api/acled/read?_format=json&country=Iraq&event_date=A|B&
  event_date_where=BETWEEN&limit=N&page=P`` with ``Authorization: Bearer …``
  answers ``{"status": 200, "success": true, "count": n, "data": [...]}``.
  Pages run from 1; the last page is followed by an empty one.

Users report empty answers from accounts whose access level does not cover the
request, with no error (acledR #17, #41); an empty first page is therefore an
error unless ``allow_empty`` says an empty window is expected.

The table keeps the columns of an ACLED export
(:data:`iraq_atlas.incidents.sources.acled.ACLED_COLUMNS`, in that order, then any other
column the API sent), every value as text, so the file written from it loads
with :func:`iraq_atlas.incidents.load.read_acled`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import date

import pandas as pd

from iraq_atlas.errors import ServiceError
from iraq_atlas.incidents.api import parse_window
from iraq_atlas.incidents.api.credentials import ENV_ACLED_URL, AcledCredentials, acled_credentials, base_url
from iraq_atlas.incidents.api.http import Deadline, HttpClient, collect_pages
from iraq_atlas.incidents.api.snapshots import Snapshot, utc_now

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://acleddata.com"
TOKEN_PATH = "/oauth/token"
READ_PATH = "/api/acled/read"
CLIENT_ID = "acled"
#: Renew a token this many seconds before the server says it expires.
REFRESH_MARGIN = 300.0


def acled_columns() -> list[str]:
    """The columns of an ACLED export, as the importer reads them.

    Returns
    -------
    list of str
        A new list, in the export's order.

    Examples
    --------
    >>> acled_columns()[:3]
    ['event_id_cnty', 'event_date', 'year']
    """
    from iraq_atlas.incidents.sources.acled import ACLED_COLUMNS

    return list(ACLED_COLUMNS)


@dataclass
class _Token:
    access: str
    refresh: str | None
    expires_at: float  # time.monotonic()

    def fresh(self) -> bool:
        return time.monotonic() < self.expires_at - REFRESH_MARGIN


class AcledClient:
    """A logged-in ACLED API client: fetches the token, renews it before expiry, pages through events.

    Parameters
    ----------
    credentials : AcledCredentials, optional
        E-mail and password; default from the environment or the credentials file
        (:func:`~iraq_atlas.incidents.api.credentials.acled_credentials`).
    base_url : str, optional
        Default ``$IRAQ_ATLAS_ACLED_URL`` or https://acleddata.com.
    page_size : int
        Rows asked per page (``limit``).
    max_pages : int
        Safety bound on the number of pages.
    max_retries, backoff, request_timeout
        Retry policy (:class:`~iraq_atlas.incidents.api.http.HttpClient`).

    Examples
    --------
    >>> client = AcledClient(AcledCredentials("me@example.org", "s3cret"), base_url="http://127.0.0.1:9")
    >>> client.base_url
    'http://127.0.0.1:9'
    """

    def __init__(self, credentials: AcledCredentials | None = None, *, base_url: str | None = None,
                 page_size: int = 5000, max_pages: int = 1000, max_retries: int = 4, backoff: float = 1.0,
                 request_timeout: float = 120.0, session=None):
        self.credentials = credentials or acled_credentials()
        self.base_url = _base(base_url)
        if page_size < 1 or max_pages < 1:
            raise ValueError("page_size and max_pages must be ≥ 1")
        self.page_size = page_size
        self.max_pages = max_pages
        self.http = HttpClient("ACLED", max_retries=max_retries, backoff=backoff,
                               request_timeout=request_timeout, session=session,
                               secrets=[self.credentials.password, self.credentials.email])
        self._token: _Token | None = None

    def __repr__(self) -> str:
        return f"AcledClient(base_url={self.base_url!r})"

    # -- authentication ------------------------------------------------------------
    def _ask_token(self, form: dict, deadline: Deadline, what: str) -> _Token | None:
        resp = self.http.request("POST", self.base_url + TOKEN_PATH, data=form, deadline=deadline)
        if resp.status_code in (400, 401, 403):
            return None
        if resp.status_code != 200:
            raise self.http.fail(f"the token endpoint answered HTTP {resp.status_code} to the {what}")
        body = self.http.json(resp, f"the token answer to the {what}")
        access = body.get("access_token") if isinstance(body, dict) else None
        if not access:
            raise self.http.fail(f"the token answer to the {what} has no access_token")
        expires_in = float(body.get("expires_in") or 86400)
        self.http.secrets.extend(s for s in (access, body.get("refresh_token")) if s)
        log.info("ACLED: %s succeeded; the token is valid for %.0f s", what, expires_in)
        return _Token(access, body.get("refresh_token"), time.monotonic() + expires_in)

    def token(self, deadline: Deadline) -> str:
        """A valid access token: the current one, a refreshed one, or a new one from e-mail and password.

        Parameters
        ----------
        deadline : Deadline
            The token request ends by then.

        Returns
        -------
        str
            The access token (kept for the next calls).

        Raises
        ------
        ServiceError
            When ACLED refuses the e-mail and password.

        Examples
        --------
        Without network access (here ``$IRAQ_ATLAS_OFFLINE``, set for the example only),
        nothing is sent and the error says so:

        >>> from unittest import mock
        >>> client = AcledClient(AcledCredentials("me@example.org", "s3cret"))
        >>> with mock.patch.dict("os.environ", {"IRAQ_ATLAS_OFFLINE": "1"}):
        ...     client.token(Deadline(60))
        Traceback (most recent call last):
        ...
        iraq_atlas.errors.ServiceError: ACLED: IRAQ_ATLAS_OFFLINE is set: not contacting https://acleddata.com/oauth/token
        """
        if self._token and self._token.fresh():
            return self._token.access
        if self._token and self._token.refresh:
            new = self._ask_token({"grant_type": "refresh_token", "refresh_token": self._token.refresh,
                                   "client_id": CLIENT_ID}, deadline, "token refresh")
            if new:
                self._token = new
                return new.access
            log.info("ACLED: the refresh token was refused; logging in again")
        new = self._ask_token({"username": self.credentials.email, "password": self.credentials.password,
                               "grant_type": "password", "client_id": CLIENT_ID}, deadline, "login")
        if new is None:
            raise ServiceError("ACLED: the e-mail and password were refused by the token endpoint "
                               f"({self.base_url}{TOKEN_PATH}); check the account at acleddata.com")
        self._token = new
        return new.access

    # -- data --------------------------------------------------------------------------
    def _page(self, params: dict, page: int, deadline: Deadline) -> dict:
        url = self.base_url + READ_PATH
        renewed = False
        while True:
            headers = {"Authorization": f"Bearer {self.token(deadline)}", "Accept": "application/json"}
            resp = self.http.request("GET", url, params={**params, "page": page}, headers=headers,
                                     deadline=deadline)
            if resp.status_code == 401 and not renewed:
                log.info("ACLED: page %d answered 401 (expired token?); renewing the token once", page)
                self._token.expires_at = 0.0  # type: ignore[union-attr]
                renewed = True
                continue
            break
        if resp.status_code == 401:
            raise self.http.fail(f"page {page}: the access token was refused (HTTP 401) even after renewing it")
        if resp.status_code == 403:
            raise self.http.fail(f"page {page}: access denied (HTTP 403): the account is logged in but its "
                                  "access level does not include API data; ask ACLED's access team")
        if resp.status_code != 200:
            raise self.http.fail(f"page {page}: {url} answered HTTP {resp.status_code}")
        body = self.http.json(resp, f"page {page}")
        if not isinstance(body, dict):
            raise self.http.fail(f"page {page}: expected a JSON object, got {type(body).__name__}")
        status = body.get("status", 200)
        if body.get("success") is False or str(status) != "200":
            detail = body.get("error") or body.get("messages") or body.get("message") or ""
            raise self.http.fail(f"page {page}: the API reported failure (status {status}) {str(detail)[:300]}")
        data = body.get("data")
        if not isinstance(data, list):
            raise self.http.fail(f"page {page}: the answer has no 'data' list")
        return body

    def events(self, country: str, start: str | date, end: str | date, *, allow_empty: bool = False,
               deadline_seconds: float = 900.0) -> Snapshot:
        """Every ACLED event in ``country`` between ``start`` and ``end`` (both included).

        Parameters
        ----------
        country : str
            ACLED country name (``"Iraq"``).
        start, end : str or datetime.date
            YYYY-MM-DD, start ≤ end.
        allow_empty : bool
            Return an empty table instead of raising when the first page is empty.
        deadline_seconds : float
            The whole fetch (token, every page, every retry) ends by then.

        Returns
        -------
        Snapshot
            The table (ACLED export columns, text values), the query and the retrieval time.

        Raises
        ------
        ParameterError
            Bad dates or an empty country.
        ServiceError
            Refused credentials, denied access, an empty answer, invalid JSON, the deadline.

        Examples
        --------
        With an account, ``AcledClient().events("Iraq", "2024-01-01", "2024-01-31").frame``
        holds January's events. A reversed window fails before any request:

        >>> AcledClient(AcledCredentials("me@example.org", "s3cret")).events("Iraq", "2024-01-31", "2024-01-01")
        Traceback (most recent call last):
        ...
        iraq_atlas.errors.ParameterError: start 2024-01-31 is after end 2024-01-01
        """
        from iraq_atlas.errors import ParameterError

        first, last = parse_window(start, end)
        if not str(country).strip():
            raise ParameterError("country: a country name is required (e.g. Iraq)")
        deadline = Deadline(deadline_seconds)
        params = {"_format": "json", "country": country.strip(),
                  "event_date": f"{first.isoformat()}|{last.isoformat()}", "event_date_where": "BETWEEN",
                  "limit": self.page_size}

        def fetch_page(page: int) -> tuple[list, bool]:  # the page after the last one is empty
            data = self._page(params, page, deadline)["data"]
            log.info("ACLED: page %d: %d event(s)", page, len(data))
            return data, True

        rows = collect_pages(self.http, fetch_page, max_pages=self.max_pages, first_page=1,
                             bound=f" of {self.page_size} rows")
        if not rows and not allow_empty:
            raise self.http.fail(
                f"no events for {country!r} from {first} to {last} although the login succeeded. ACLED answers "
                "empty pages when the account's access level does not cover the request; check it at "
                "acleddata.com, or allow an empty result (--allow-empty) if the window has no events")
        query = {"service": "acled", "url": self.base_url + READ_PATH, **params}
        query.pop("_format")
        return Snapshot(frame=acled_frame(rows), source="acled", query=query, retrieved_at=utc_now())


def acled_frame(rows: list[dict]) -> pd.DataFrame:
    """ACLED API records as a text table with the export's columns first (missing ones empty).

    Duplicate ``event_id_cnty`` (pages shifting while ACLED edits) keep the last copy.

    Parameters
    ----------
    rows : list of dict
        The API's ``data`` records.

    Returns
    -------
    pandas.DataFrame
        Text columns: the export's, then any others the records have.

    Examples
    --------
    >>> acled_frame([{"event_id_cnty": "IRQ1", "fatalities": 2}]).loc[0, "fatalities"]
    '2'
    """
    cols = acled_columns()
    df = pd.DataFrame.from_records(rows) if rows else pd.DataFrame(columns=cols)
    for c in cols:
        if c not in df.columns:
            df[c] = ""
    df = df[cols + [c for c in df.columns if c not in cols]]
    df = df.apply(lambda s: s.map(_text)).astype(object)
    if len(df):
        df = df.drop_duplicates("event_id_cnty", keep="last").reset_index(drop=True)
    return df


def _text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def _base(argument: str | None) -> str:
    return base_url(argument, ENV_ACLED_URL, DEFAULT_BASE_URL)


def fetch_acled(country: str, start: str | date, end: str | date, *, email: str | None = None,
                password: str | None = None, base_url: str | None = None, allow_empty: bool = False,
                deadline_seconds: float = 900.0, **client_options) -> Snapshot:
    """Fetch ACLED events for one country and window (see :meth:`AcledClient.events`).

    The dates are checked before the credentials are looked up.

    Parameters
    ----------
    country : str
        ACLED country name (``"Iraq"``).
    start, end : str or datetime.date
        YYYY-MM-DD, start ≤ end.
    email, password : str, optional
        The account; else the environment or the credentials file.
    base_url : str, optional
        The API's base URL; else ``$IRAQ_ATLAS_ACLED_URL`` or the public API.
    allow_empty : bool
        Return an empty table instead of raising when there are no events.
    deadline_seconds : float
        The whole fetch ends by then.
    **client_options
        Passed to :class:`AcledClient` (``page_size``, ``max_pages``, ``max_retries``,
        ``backoff``, ``request_timeout``, ``session``).

    Returns
    -------
    Snapshot
        The table (ACLED export columns, text values), the query and the retrieval time.

    Examples
    --------
    With an account, ``fetch_acled("Iraq", "2024-01-01", "2024-03-31").frame`` holds
    the quarter's events. A reversed window fails before any request:

    >>> fetch_acled("Iraq", "2024-03-31", "2024-01-01")
    Traceback (most recent call last):
    ...
    iraq_atlas.errors.ParameterError: start 2024-03-31 is after end 2024-01-01
    """
    parse_window(start, end)  # bad dates fail before credentials are looked up
    creds = acled_credentials(email, password)
    client = AcledClient(creds, base_url=base_url, **client_options)
    return client.events(country, start, end, allow_empty=allow_empty, deadline_seconds=deadline_seconds)
