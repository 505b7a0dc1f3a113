"""Credentials for the event APIs: environment variables first, then a private configuration file.

======================================  ===========================================
variable                                meaning
======================================  ===========================================
``IRAQ_ATLAS_ACLED_EMAIL``              the e-mail address of the ACLED account
``IRAQ_ATLAS_ACLED_PASSWORD``           its password
``IRAQ_ATLAS_UCDP_TOKEN``               the UCDP API access token
``IRAQ_ATLAS_CREDENTIALS``              the configuration file (default
                                        ``~/.config/iraq-atlas/credentials.toml``)
``IRAQ_ATLAS_ACLED_URL``                ACLED base URL (default https://acleddata.com)
``IRAQ_ATLAS_UCDP_URL``                 UCDP API base URL (default
                                        https://ucdpapi.pcr.uu.se)
======================================  ===========================================

The configuration file is TOML::

    [acled]
    email = "me@example.org"
    password = "…"

    [ucdp]
    token = "…"

It is read only when its permissions give nobody but its owner any access
(``chmod 600``); otherwise :class:`~iraq_atlas.errors.ParameterError` says so.
Credential objects never show their secret in ``repr``.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from iraq_atlas.errors import ParameterError
from iraq_atlas.settings import (  # noqa: F401  (the names are part of this module's API)
    ENV_ACLED_EMAIL,
    ENV_ACLED_PASSWORD,
    ENV_ACLED_URL,
    ENV_CREDENTIALS,
    ENV_UCDP_TOKEN,
    ENV_UCDP_URL,
    SERVICE_VARS,
)
from iraq_atlas.settings import get as _env

#: Every variable this package reads.
ENV_VARS = SERVICE_VARS


@dataclass(frozen=True)
class AcledCredentials:
    """An ACLED account: e-mail and password (the password is left out of ``repr``).

    Examples
    --------
    >>> AcledCredentials("me@example.org", "s3cret")
    AcledCredentials(email='me@example.org')
    """

    email: str
    password: str = field(repr=False)


def config_path() -> Path:
    """The credentials file: ``$IRAQ_ATLAS_CREDENTIALS`` or ``~/.config/iraq-atlas/credentials.toml``.

    Returns
    -------
    pathlib.Path
        The path (the file need not exist).

    Examples
    --------
    >>> config_path().name
    'credentials.toml'
    """
    value = _env(ENV_CREDENTIALS)
    return Path(value) if value else Path.home() / ".config" / "iraq-atlas" / "credentials.toml"


def read_config(path: str | os.PathLike | None = None) -> dict:
    """The credentials file as a dict ({} when it does not exist); refused unless its mode is 0600 or stricter.

    Parameters
    ----------
    path : path-like, optional
        The file (default: :func:`config_path`).

    Returns
    -------
    dict
        The TOML tables.

    Raises
    ------
    ParameterError
        When the group or others may read or write the file, or it is not valid TOML.

    Examples
    --------
    >>> read_config("/nonexistent/credentials.toml")
    {}
    """
    path = Path(path) if path is not None else config_path()
    try:
        info = path.stat()
    except FileNotFoundError:
        return {}
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise ParameterError(f"{path}: refusing to read credentials from a file others can access "
                             f"(mode {mode:04o}); run: chmod 600 {path}")
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(f"{path}: not valid TOML ({exc})") from None


def acled_credentials(email: str | None = None, password: str | None = None, *,
                      path: str | os.PathLike | None = None) -> AcledCredentials:
    """ACLED e-mail and password: the arguments, else the environment, else the ``[acled]`` table of the file.

    Parameters
    ----------
    email, password : str, optional
        The account, when given directly.
    path : path-like, optional
        The credentials file (default: :func:`config_path`).

    Returns
    -------
    AcledCredentials

    Raises
    ------
    ParameterError
        When either value is found nowhere.

    Examples
    --------
    >>> acled_credentials("me@example.org", "s3cret").email
    'me@example.org'
    """
    email = email or _env(ENV_ACLED_EMAIL)
    password = password or _env(ENV_ACLED_PASSWORD)
    if not (email and password):
        section = read_config(path).get("acled", {}) or {}
        email = email or section.get("email")
        password = password or section.get("password")
    if not (email and password):
        raise ParameterError(f"ACLED credentials are missing: set {ENV_ACLED_EMAIL} and {ENV_ACLED_PASSWORD}, "
                             f"or an [acled] table with email and password in {config_path()} (mode 600)")
    return AcledCredentials(str(email), str(password))


def ucdp_token(token: str | None = None, *, path: str | os.PathLike | None = None) -> str:
    """The UCDP access token: the argument, else ``$IRAQ_ATLAS_UCDP_TOKEN``, else ``[ucdp] token`` of the file.

    Parameters
    ----------
    token : str, optional
        The token, when given directly.
    path : path-like, optional
        The credentials file (default: :func:`config_path`).

    Returns
    -------
    str

    Raises
    ------
    ParameterError
        When no token is found.

    Examples
    --------
    >>> ucdp_token("abc123")
    'abc123'
    """
    token = token or _env(ENV_UCDP_TOKEN)
    if not token:
        token = (read_config(path).get("ucdp", {}) or {}).get("token")
    if not token:
        raise ParameterError(f"the UCDP API needs an access token: set {ENV_UCDP_TOKEN}, or [ucdp] token "
                             f"in {config_path()} (mode 600); tokens are issued by the UCDP API maintainer")
    return str(token)


def base_url(argument: str | None, env_name: str, default: str) -> str:
    """A service's base URL: the argument, else the environment variable, else the default (no trailing /).

    Parameters
    ----------
    argument : str or None
        The URL given by the caller, if any.
    env_name : str
        The environment variable to look at next.
    default : str
        The public service's URL.

    Returns
    -------
    str

    Examples
    --------
    >>> base_url("http://127.0.0.1:8000/", ENV_UCDP_URL, "https://ucdpapi.pcr.uu.se")
    'http://127.0.0.1:8000'
    """
    return (argument or _env(env_name) or default).rstrip("/")
