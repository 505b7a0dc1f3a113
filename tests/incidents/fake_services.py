"""Fake ACLED and UCDP APIs on 127.0.0.1, answering with the real shapes and their failure modes.

ACLED: ``POST /oauth/token`` (password and refresh_token grants, form-encoded)
and ``GET /api/acled/read?_format=json&country=&event_date=A|B&
event_date_where=BETWEEN&limit=&page=`` behind ``Authorization: Bearer``.
UCDP: ``GET /api/gedevents/<version>?pagesize=&page=&Country=&StartDate=&EndDate=``
behind ``x-ucdp-access-token``, paged by ``NextPageUrl``.

Failure switches (attributes, set before or during a test): ``fail_statuses``
(a list of statuses answered first, in order, to data requests; 429 carries
``Retry-After``), ``truncate_pages`` (pages answered with cut-short JSON),
``empty`` (valid login, no rows), ``expire_after_pages`` (ACLED: the access
token dies after that many data pages), ``slow_seconds`` (sleep before
answering data requests), ``trickle_seconds`` (send data answers 16 bytes at a
time with this pause between), ``forbidden`` (ACLED 403).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

ACLED_EMAIL = "analyst@example.org"
ACLED_PASSWORD = "pa55-w0rd-不要-leak"
UCDP_TOKEN = "ucdp-token-7f3a9c"


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    path: str
    query: dict
    headers: dict
    form: dict = field(default_factory=dict)


class _Server:
    """A threaded HTTP server calling ``self.handle(Seen)`` → (status, headers, body)."""

    def __init__(self):
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self, method: str) -> None:
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                seen = Seen(method, url.path, {k: v[0] for k, v in parse_qs(url.query).items()},
                            {k.lower(): v for k, v in self.headers.items()},
                            {k: v[0] for k, v in parse_qs(raw).items()})
                with owner.lock:
                    owner.requests.append(seen)
                status, headers, body = owner.handle(seen)
                try:
                    self.send_response(status)
                    headers = {"Content-Type": "application/json", **headers}
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    if owner.trickle_seconds and seen.method == "GET":
                        for i in range(0, len(body), 16):  # a server that keeps sending, slowly
                            self.wfile.write(body[i:i + 16])
                            self.wfile.flush()
                            time.sleep(owner.trickle_seconds)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (deadline tests)
                    pass

            def do_GET(self):  # noqa: N802
                self._serve("GET")

            def do_POST(self):  # noqa: N802
                self._serve("POST")

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def handle(self, seen: Seen) -> tuple[int, dict, bytes]:  # pragma: no cover - overridden
        raise NotImplementedError

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()

    # shared failure switches -------------------------------------------------------
    fail_statuses: list[int]
    truncate_pages: set
    slow_seconds: float = 0.0
    trickle_seconds: float = 0.0
    empty: bool = False

    def _failure(self) -> tuple[int, dict, bytes] | None:
        if self.slow_seconds:
            time.sleep(self.slow_seconds)
        with self.lock:
            status = self.fail_statuses.pop(0) if self.fail_statuses else None
        if status is None:
            return None
        headers = {"Retry-After": "2"} if status == 429 else {}
        return status, headers, json.dumps({"message": f"HTTP {status}"}).encode()

    def data_requests(self) -> list[Seen]:
        """The requests other than token requests."""
        return [r for r in self.requests if r.method == "GET"]


def _json(obj, status: int = 200) -> tuple[int, dict, bytes]:
    return status, {}, json.dumps(obj).encode()


def acled_event(i: int, date: str, **extra) -> dict:
    """One ACLED API record (every value a string, as the API sends them)."""
    base = {
        "event_id_cnty": f"IRQ{i}", "event_date": date, "year": date[:4], "time_precision": "1",
        "disorder_type": "Political violence", "event_type": "Explosions/Remote violence",
        "sub_event_type": "Remote explosive/landmine/IED", "actor1": "Islamic State (Iraq)",
        "assoc_actor_1": "", "inter1": "2", "actor2": "Civilians (Iraq)", "assoc_actor_2": "", "inter2": "7",
        "interaction": "27", "civilian_targeting": "Civilian targeting", "iso": "368", "region": "Middle East",
        "country": "Iraq", "admin1": "Baghdad", "admin2": "Karkh", "admin3": "", "location": "Abu Ghraib",
        "latitude": "33.2925", "longitude": "44.0653", "geo_precision": "1", "source": "Shafaq News",
        "source_scale": "National", "notes": f"On {date}, an IED exploded near Abu Ghraib.", "fatalities": str(i % 3),
        "tags": "", "timestamp": "1718000000",
    }
    base.update(extra)
    return base


class FakeAcled(_Server):
    """ACLED's OAuth token endpoint and ``/api/acled/read``."""

    def __init__(self, events: list[dict]):
        super().__init__()
        self.events = events
        self.fail_statuses = []
        self.truncate_pages = set()
        self.expire_after_pages: int | None = None
        self.forbidden = False
        self.expires_in = 86400
        self._access: set[str] = set()
        self._refresh: set[str] = set()
        self._pages_served = 0
        self.logins = 0
        self.refreshes = 0

    def _issue(self) -> tuple[int, dict, bytes]:
        access, refresh = secrets.token_hex(16), secrets.token_hex(16)
        self._access.add(access)
        self._refresh.add(refresh)
        return _json({"token_type": "Bearer", "expires_in": self.expires_in, "access_token": access,
                      "refresh_token": refresh})

    def handle(self, seen: Seen) -> tuple[int, dict, bytes]:
        if seen.path == "/oauth/token" and seen.method == "POST":
            form = seen.form
            if form.get("client_id") != "acled":
                return _json({"error": "invalid_client"}, 401)
            if form.get("grant_type") == "password":
                if form.get("username") == ACLED_EMAIL and form.get("password") == ACLED_PASSWORD:
                    self.logins += 1
                    return self._issue()
                return _json({"error": "invalid_grant", "error_description": "The user credentials were incorrect.",
                              "message": "The user credentials were incorrect."}, 400)
            if form.get("grant_type") == "refresh_token":
                if form.get("refresh_token") in self._refresh:
                    self._refresh.discard(form["refresh_token"])
                    self.refreshes += 1
                    return self._issue()
                return _json({"error": "invalid_grant", "message": "The refresh token is invalid."}, 400)
            return _json({"error": "unsupported_grant_type"}, 400)
        if seen.path != "/api/acled/read":
            return _json({"message": "not found"}, 404)
        auth = seen.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self._access:
            return _json({"message": "Unauthorized", "status": 401}, 401)
        failure = self._failure()
        if failure:
            return failure
        if self.forbidden:
            return _json({"status": 403, "success": False, "error": {"message": "Access denied"}}, 403)
        q = seen.query
        if q.get("_format") != "json":
            return _json({"message": "_format=json expected"}, 400)
        page, limit = int(q.get("page", 1)), int(q.get("limit", 5000))
        rows = [] if self.empty else self._select(q)
        chunk = rows[(page - 1) * limit: page * limit]
        body = json.dumps({"status": 200, "success": True, "last_update": 1, "count": len(chunk), "messages": [],
                           "data": chunk, "filename": f"acled-{page}"}).encode()
        if page in self.truncate_pages:
            body = body[: len(body) // 2]
        self._pages_served += 1
        if self.expire_after_pages is not None and self._pages_served == self.expire_after_pages:
            self._access.discard(auth[7:])  # the token dies: the next call answers 401
        return 200, {}, body

    def _select(self, q: dict) -> list[dict]:
        rows = [e for e in self.events if e["country"] == q.get("country")]
        if q.get("event_date_where") == "BETWEEN" and "|" in q.get("event_date", ""):
            lo, hi = q["event_date"].split("|")
            rows = [e for e in rows if lo <= e["event_date"] <= hi]
        return rows


def ged_event(i: int, date: str, country_id: int = 645, country: str = "Iraq", **extra) -> dict:
    """One UCDP GED API record (numbers as numbers, dates with a time, as the API sends them)."""
    base = {
        "id": 500000 + i, "relid": f"IRQ-2024-1-{i}", "year": int(date[:4]), "active_year": True,
        "code_status": "Clear", "type_of_violence": 3, "conflict_dset_id": "1", "conflict_new_id": 234,
        "conflict_name": "IS - Civilians", "dyad_dset_id": "1", "dyad_new_id": 500, "dyad_name": "IS - Civilians",
        "side_a_dset_id": "1", "side_a_new_id": 234, "side_a": "IS", "side_b_dset_id": "1", "side_b_new_id": 1,
        "side_b": "Civilians", "number_of_sources": 1, "source_article": "Rudaw 2024-01-05",
        "source_office": "Rudaw", "source_date": date, "source_headline": "Attack near Tuz Khurmatu",
        "source_original": "local police", "where_prec": 1, "where_coordinates": "Tuz Khurmatu town",
        "where_description": "Tuz Khurmatu", "adm_1": "Salah ad Din governorate", "adm_2": "Tuz district",
        "latitude": 34.8833, "longitude": 44.6333, "geom_wkt": "POINT (44.6333 34.8833)", "priogrid_gid": 179369,
        "country": country, "country_id": country_id, "region": "Middle East", "event_clarity": 1,
        "date_prec": 1, "date_start": f"{date}T00:00:00", "date_end": f"{date}T00:00:00", "deaths_a": 0,
        "deaths_b": 2, "deaths_civilians": 2, "deaths_unknown": 0, "best": 2, "high": 3, "low": 2,
        "gwnoa": "645", "gwnob": None,
    }
    base.update(extra)
    return base


class FakeUcdp(_Server):
    """UCDP's ``/api/gedevents/<version>``; ``Country`` matches the event's location or side A's state.

    That second match mimics how an event of an Iraqi conflict that took place
    abroad comes back for ``Country=645``.
    """

    def __init__(self, events: dict[str, list[dict]]):
        super().__init__()
        self.events = events  # version → records
        self.fail_statuses = []
        self.truncate_pages = set()

    def handle(self, seen: Seen) -> tuple[int, dict, bytes]:
        if not seen.path.startswith("/api/gedevents/"):
            return _json({"message": "not found"}, 404)
        if seen.headers.get("x-ucdp-access-token") != UCDP_TOKEN:
            return _json({"message": "A valid x-ucdp-access-token header is required."}, 401)
        version = seen.path.rsplit("/", 1)[1]
        if version not in self.events:
            return _json({"message": f"Version {version} not found"}, 404)
        failure = self._failure()
        if failure:
            return failure
        q = seen.query
        size, page = int(q.get("pagesize", 100)), int(q.get("page", 0))
        rows = [] if self.empty else self._select(self.events[version], q)
        pages = max(1, -(-len(rows) // size))
        nxt = ""
        if page + 1 < pages:
            nxt = f"{self.url}{seen.path}?" + urlencode({**q, "page": page + 1})
        prev = f"{self.url}{seen.path}?" + urlencode({**q, "page": page - 1}) if page > 0 else ""
        body = json.dumps({"TotalCount": len(rows), "TotalPages": pages, "PreviousPageUrl": prev,
                           "NextPageUrl": nxt, "Result": rows[page * size:(page + 1) * size]}).encode()
        if page in self.truncate_pages:
            body = body[: len(body) - 40]
        return 200, {}, body

    @staticmethod
    def _select(rows: list[dict], q: dict) -> list[dict]:
        if "Country" in q:
            wanted = {c.strip() for c in q["Country"].split(",")}
            rows = [r for r in rows if str(r["country_id"]) in wanted or str(r.get("gwnoa")) in wanted]
        if "StartDate" in q:
            rows = [r for r in rows if r["date_start"][:10] >= q["StartDate"]]
        if "EndDate" in q:
            rows = [r for r in rows if r["date_start"][:10] <= q["EndDate"]]
        return rows
