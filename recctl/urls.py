"""Urls from recordings, read without ever raising: a recording can hold ``http://[::1:80/x``,
which ``urllib.parse`` refuses with a ValueError."""

from __future__ import annotations

from urllib.parse import ParseResult, urlparse


def split_url(url: str) -> ParseResult:
    """``urlparse`` (the recorder's: its path is what the hash covers) that never raises: a
    url it refuses is read as a path."""
    try:
        return urlparse(url)
    except ValueError:
        return urlparse("/" + url.replace("[", "%5B").replace("]", "%5D"))


def url_path(url: str) -> str:
    return split_url(url).path


def url_host(url: str) -> str | None:
    """The host, or None (also when the url's authority is broken)."""
    try:
        return split_url(url).hostname
    except ValueError:
        return None
