"""One HTTP session for the event APIs: bounded retries, back-off, Retry-After, one overall deadline.

A fetch of several pages has a single :class:`Deadline`; every request gets at
most the time left, so a slow server cannot stretch a fetch beyond it. Status
429 waits for ``Retry-After`` (seconds or an HTTP date) when the server sends
it, else for the back-off; 5xx and connection failures wait ``backoff * 2**n``
seconds. Retries are bounded by ``max_retries`` and by the deadline, whichever
comes first. Nothing is sent while ``$IRAQ_ATLAS_OFFLINE`` is set. Error messages name the service, the URL path and the status,
never a header, a form field or a secret (see :func:`redact`).
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import urlsplit

import requests

from iraq_atlas import settings
from iraq_atlas.errors import ServiceError

log = logging.getLogger(__name__)

USER_AGENT = "iraq-atlas/0.1 (python-requests)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: The wait between attempts (replaced in tests to record the waits instead of sleeping).
sleep = time.sleep


class Deadline:
    """A point in (monotonic) time after which a fetch gives up.

    Parameters
    ----------
    seconds : float
        Time allowed from now.

    Examples
    --------
    >>> d = Deadline(60)
    >>> 59 < d.remaining() <= 60
    True
    """

    def __init__(self, seconds: float):
        self.seconds = float(seconds)
        self._end = time.monotonic() + self.seconds

    def remaining(self) -> float:
        """Seconds left (never negative).

        Returns
        -------
        float

        Examples
        --------
        >>> Deadline(0).remaining()
        0.0
        """
        return max(0.0, self._end - time.monotonic())

    def expired(self) -> bool:
        """True once no time is left.

        Returns
        -------
        bool

        Examples
        --------
        >>> Deadline(0).expired(), Deadline(60).expired()
        (True, False)
        """
        return self.remaining() <= 0.0


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every non-empty secret replaced by ``***``.

    Parameters
    ----------
    text : str
        A message that may quote a secret.
    secrets : iterable of str or None
        The secrets (None and empty ones are skipped).

    Returns
    -------
    str

    Examples
    --------
    >>> redact("login failed for s3cret", ["s3cret", None])
    'login failed for ***'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def retry_after_seconds(value: str | None) -> float | None:
    """The wait a ``Retry-After`` header asks for: delta seconds or an HTTP date; None if absent or unreadable.

    Parameters
    ----------
    value : str or None
        The header's value.

    Returns
    -------
    float or None
        Seconds to wait.

    Examples
    --------
    >>> retry_after_seconds("7")
    7.0
    >>> retry_after_seconds(None) is None
    True
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


def _where(url: str) -> str:
    """Host and path of a URL, without its query (which may carry filters, never shown in full)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


@dataclass
class HttpClient:
    """A ``requests.Session`` with the retry policy of the event APIs.

    Parameters
    ----------
    service : str
        Name used in messages (``"ACLED"``).
    max_retries : int
        Retries after the first attempt for 429, 5xx and connection failures.
    backoff : float
        First back-off in seconds; doubles on every retry.
    max_wait : float
        Longest single wait, whatever ``Retry-After`` asks.
    request_timeout : float
        Longest single request (the deadline may cut it shorter).
    session : requests.Session, optional
        Reused when given (tests, connection pooling).
    secrets : list of str
        Values never allowed into a message.

    Examples
    --------
    >>> client = HttpClient("UCDP", max_retries=2)
    >>> client.service
    'UCDP'
    """

    service: str
    max_retries: int = 4
    backoff: float = 1.0
    max_wait: float = 120.0
    request_timeout: float = 60.0
    session: requests.Session | None = None
    secrets: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self.session is None:
            self.session = requests.Session()
            self.session.headers["User-Agent"] = USER_AGENT
        if self.max_retries < 0:
            raise ValueError("max_retries must be ≥ 0")

    def fail(self, message: str) -> ServiceError:
        """A ServiceError naming the service, with every secret replaced by ``***``.

        Parameters
        ----------
        message : str
            What went wrong.

        Returns
        -------
        ServiceError
            To be raised by the caller.

        Examples
        --------
        >>> HttpClient("ACLED", secrets=["s3cret"]).fail("login as me, s3cret, refused")
        ServiceError('ACLED: login as me, ***, refused')
        """
        return ServiceError(redact(f"{self.service}: {message}", self.secrets))

    def _sleep(self, seconds: float, deadline: Deadline, why: str) -> None:
        left = deadline.remaining()
        if seconds >= left:
            raise self.fail(f"{why}; the next attempt would pass the {deadline.seconds:g} s deadline")
        log.info("%s: %s; waiting %.1f s", self.service, why, seconds)
        sleep(seconds)

    def request(self, method: str, url: str, *, deadline: Deadline, params: Mapping[str, Any] | None = None,
                data: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
                retry_statuses: frozenset[int] = RETRY_STATUSES) -> requests.Response:
        """Send one request, retrying 429 / 5xx / connection failures within the bounds.

        Any other status (200, 401, 404 …) is returned to the caller, who knows what it means.

        Parameters
        ----------
        method : str
            ``"GET"`` or ``"POST"``.
        url : str
            The address.
        deadline : Deadline
            Every attempt and wait ends by then.
        params, data, headers : mapping, optional
            The query string, the form body and extra headers.
        retry_statuses : frozenset of int
            The statuses retried (429 and 5xx by default).

        Returns
        -------
        requests.Response
            With its body read.

        Raises
        ------
        ServiceError
            When retries or the deadline are used up, or ``$IRAQ_ATLAS_OFFLINE`` is set.

        Examples
        --------
        Without network access (here ``$IRAQ_ATLAS_OFFLINE``, set for the example only),
        nothing is sent and the error says so:

        >>> from unittest import mock
        >>> client = HttpClient("ACLED")
        >>> with mock.patch.dict("os.environ", {"IRAQ_ATLAS_OFFLINE": "1"}):
        ...     client.request("GET", "https://acleddata.com/api/acled/read", deadline=Deadline(60))
        Traceback (most recent call last):
        ...
        iraq_atlas.errors.ServiceError: ACLED: IRAQ_ATLAS_OFFLINE is set: not contacting https://acleddata.com/api/acled/read
        """
        where = _where(url)
        if settings.offline():
            raise self.fail(f"{settings.ENV_OFFLINE} is set: not contacting {where}")
        attempt = 0
        while True:
            left = deadline.remaining()
            if left <= 0:
                raise self.fail(f"no answer from {where} within the {deadline.seconds:g} s deadline")
            try:
                resp = self.session.request(method, url, params=params, data=data, headers=headers,
                                            timeout=min(self.request_timeout, left), stream=True)
                self._read_body(resp, deadline, where)
            except requests.Timeout:
                if deadline.expired() or attempt >= self.max_retries:
                    raise self.fail(f"no answer from {where} within the {deadline.seconds:g} s deadline"
                                     if deadline.remaining() < 0.05 else
                                     f"{where} timed out {attempt + 1} time(s)") from None
                why = f"{where} timed out"
            except requests.RequestException as exc:
                if attempt >= self.max_retries:
                    raise self.fail(f"cannot reach {where} after {attempt + 1} attempt(s): "
                                     f"{type(exc).__name__}") from None
                why = f"cannot reach {where} ({type(exc).__name__})"
            else:
                if resp.status_code not in retry_statuses:
                    return resp
                if attempt >= self.max_retries:
                    raise self.fail(f"{where} answered HTTP {resp.status_code} {attempt + 1} time(s); "
                                     "giving up (try again later)")
                why = f"{where} answered HTTP {resp.status_code}"
                if resp.status_code == 429:
                    asked = retry_after_seconds(resp.headers.get("Retry-After"))
                    if asked is not None:
                        if asked > self.max_wait:
                            raise self.fail(f"rate limited by {where}: asked to wait {asked:.0f} s "
                                             f"(more than {self.max_wait:g} s); try again later")
                        resp.close()
                        self._sleep(asked, deadline, why)
                        attempt += 1
                        continue
                resp.close()
            self._sleep(min(self.max_wait, self.backoff * 2 ** attempt), deadline, why)
            attempt += 1

    def _read_body(self, resp: requests.Response, deadline: Deadline, where: str) -> None:
        """Read the body as it arrives, giving up at the deadline (a server may trickle bytes)."""
        from urllib3.exceptions import ProtocolError, ReadTimeoutError

        raw = resp.raw
        chunks = []
        try:
            while True:
                if hasattr(raw, "read1"):  # urllib3 ≥ 2: whatever has arrived, up to 64 KB
                    chunk = raw.read1(1 << 16, decode_content=True)
                else:  # pragma: no cover - urllib3 1.x
                    chunk = raw.read(1 << 12, decode_content=True)
                if not chunk:
                    break
                chunks.append(chunk)
                if deadline.expired():
                    raise self.fail(f"{where} was still sending its answer at the {deadline.seconds:g} s deadline")
        except ReadTimeoutError:
            raise requests.Timeout() from None
        except ProtocolError as exc:
            raise requests.ConnectionError(type(exc).__name__) from None
        finally:
            resp.close()
        resp._content = b"".join(chunks)  # what requests itself does when it reads a body
        resp._content_consumed = True

    def json(self, resp: requests.Response, what: str) -> Any:
        """The JSON body of a response; a ServiceError naming ``what`` when it is cut short or not JSON.

        Parameters
        ----------
        resp : requests.Response
            A response whose body has been read (see :meth:`request`).
        what : str
            What the answer was for, for the message.

        Returns
        -------
        object
            The decoded JSON.

        Examples
        --------
        A response built by hand, as :meth:`request` returns it:

        >>> resp = requests.Response()
        >>> resp.status_code, resp.url = 200, "https://ucdpapi.pcr.uu.se/api/gedevents/25.1"
        >>> resp._content = b'{"TotalCount": 0, "Result": []}'
        >>> HttpClient("UCDP").json(resp, "page 1 of GED events")
        {'TotalCount': 0, 'Result': []}
        >>> resp._content = b'{"TotalCount": '
        >>> HttpClient("UCDP").json(resp, "page 1 of GED events")
        Traceback (most recent call last):
        ...
        iraq_atlas.errors.ServiceError: UCDP: page 1 of GED events: the answer from https://ucdpapi.pcr.uu.se/api/gedevents/25.1 is not valid JSON (15 bytes; cut short or not JSON: JSONDecodeError at position 15)
        """
        try:
            return json.loads(resp.content.decode(resp.encoding or "utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            size = len(resp.content)
            raise self.fail(f"{what}: the answer from {_where(resp.url)} is not valid JSON "
                             f"({size} bytes; cut short or not JSON: {type(exc).__name__} at "
                             f"position {getattr(exc, 'pos', '?')})") from None


def collect_pages(client: HttpClient, fetch_page: Callable[[int], tuple[list, bool]], *, max_pages: int,
                  first_page: int = 0, bound: str = "") -> list:
    """Every record of a paged answer: ask pages from ``first_page`` on until one says it is the last.

    Parameters
    ----------
    client : HttpClient
        Names the service in the error raised past the bound.
    fetch_page : callable
        ``fetch_page(page)`` returns the page's records and whether another
        page may follow; an empty page always ends the fetch.
    max_pages : int
        Safety bound on the number of pages.
    first_page : int
        Number of the first page (0 or 1, as the API counts).
    bound : str
        Words after "more than N pages" in the error (e.g. " of 5000 rows").

    Returns
    -------
    list
        The records of every page, in order.

    Raises
    ------
    ServiceError
        When the last page is not reached within ``max_pages`` pages.

    Examples
    --------
    >>> pages = {1: [1, 2], 2: [3], 3: []}
    >>> collect_pages(HttpClient("ACLED"), lambda p: (pages[p], True), max_pages=10, first_page=1)
    [1, 2, 3]
    """
    rows: list = []
    for page in range(first_page, first_page + max_pages):
        records, more = fetch_page(page)
        rows.extend(records)
        if not records or not more:
            return rows
    raise client.fail(f"more than {max_pages} pages{bound}; ask for a shorter window")
