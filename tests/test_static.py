"""Static files: content-hashed names, served compressed and cached for a year.

These tests need the collected files (``make static``, which ``make test`` runs first).
"""

from __future__ import annotations

import gzip

from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client

YEAR = 60 * 60 * 24 * 365


def test_pages_refer_to_hashed_names() -> None:
    url = staticfiles_storage.url("seoul/platform.css")
    assert url.startswith("/static/seoul/platform.")
    assert url != "/static/seoul/platform.css", "the manifest storage should add a content hash"


def test_hashed_file_is_served_gzipped_with_a_long_immutable_cache() -> None:
    url = staticfiles_storage.url("seoul/platform.css")
    response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    cache = response["Cache-Control"]
    max_age = int(cache.split("max-age=")[1].split(",")[0])
    assert max_age >= YEAR, cache
    assert "immutable" in cache
    body = gzip.decompress(b"".join(response.streaming_content))
    assert b"Seoul public services" in body  # the stylesheet itself, not an error page


def test_unhashed_name_is_not_cached_for_long() -> None:
    """A name without a hash may change content, so browsers must ask again soon."""
    response = Client().get("/static/seoul/platform.css")
    assert response.status_code == 200
    max_age = int(response["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age <= 600
