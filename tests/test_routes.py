"""Every route declares who may open it; nothing is reachable by accident.

Walks the URL resolver: every page view must carry an access declaration (``public``,
``signed_in`` or ``require_role``), every API operation must name an auth or be on the public
list below. Then requests every non-public route anonymously and expects a refusal.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from seoul.api import api
from seoul.core.roles import ACCESS_ATTR, Access

# API operations anyone may call, by (method, path). A deliberate decision each.
PUBLIC_API = {
    ("GET", "/api/v1/plan/visions"),
    ("GET", "/api/v1/plan/projects"),
    ("GET", "/api/v1/plan/projects/{code}"),
    ("GET", "/api/v1/metro/fare"),  # fares are public information
    ("GET", "/api/v1/metro/congestion"),  # how full the trains are: counts only, for every rider
    ("GET", "/api/v1/guarantee/products"),  # the products and their terms are public information
}
# django-ninja's own pages: the OpenAPI document and its docs page describe public routes.
PUBLIC_NINJA_VIEWS = {"openapi-json", "openapi-view", "api-root"}

SAMPLE_ARGS = {
    "code": "V1-CONTACT-TRACERS",
    "milestone_id": "1",
    "fmt": "csv",
    "pk": "1",
    "key": "ev-1",
    "first": "1",
    "second": "2",
    "episode": "0",
    "number": "1",
    "link": "1",
}


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, URLPattern, str]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            yield from walk(p.url_patterns, prefix + str(p.pattern), ns)
        else:
            yield prefix + str(p.pattern), p, namespace


def concrete(route: str) -> str:
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: SAMPLE_ARGS.get(m.group(1), "x"), route)
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: SAMPLE_ARGS.get(m.group(1), "x"), route)
    return "/" + route.replace("^", "").replace("$", "").replace("\\.", ".")


ALL = list(walk(get_resolver().url_patterns))
PAGES = [(r, p) for r, p, ns in ALL if ns != "api"]


def test_resolver_walk_finds_routes() -> None:
    assert len(PAGES) >= 15
    assert any(ns == "api" for _, _, ns in ALL)


@pytest.mark.parametrize(("route", "pattern"), PAGES, ids=[r for r, _ in PAGES])
def test_every_page_declares_access(route: str, pattern: URLPattern) -> None:
    access = getattr(pattern.callback, ACCESS_ATTR, None)
    assert isinstance(access, Access), f"/{route} ({pattern.lookup_str}) has no access declaration"


def api_operations() -> Iterator[tuple[str, str, Any]]:
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            full = "/api/v1" + ("/" + prefix.strip("/") if prefix.strip("/") else "") + path
            full = full.replace("//", "/")
            for op in path_view.operations:
                for method in op.methods:
                    yield method, full.rstrip("/") if full != "/api/v1/" else full, op


OPERATIONS = list(api_operations())


def test_api_operations_found() -> None:
    assert ("GET", "/api/v1/plan/visions") in {(m, p) for m, p, _ in OPERATIONS}


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_every_api_operation_declares_auth(method: str, path: str, op: Any) -> None:
    if (method, path) in PUBLIC_API:
        return
    assert op.auth_callbacks, f"{method} {path} has no auth and is not on the public list"


def test_public_api_list_has_no_stale_entries() -> None:
    assert {(m, p) for m, p, _ in OPERATIONS} >= PUBLIC_API


def test_every_api_url_is_an_operation_or_a_public_docs_view() -> None:
    operation_paths = {p for _, p, _ in OPERATIONS}
    for route, pattern, ns in ALL:
        if ns != "api" or pattern.name in PUBLIC_NINJA_VIEWS:
            continue
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
        assert path in operation_paths, f"{path} ({pattern.name}) is served by the API but is no known operation"


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "pattern"), PAGES, ids=[r for r, _ in PAGES])
def test_anonymous_is_refused_on_non_public_pages(route: str, pattern: URLPattern, reference: None) -> None:
    access = getattr(pattern.callback, ACCESS_ATTR)
    if access.kind == "public":
        return
    client = Client()
    url = concrete(route)
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        assert response.status_code in (302, 401, 403, 405), f"{method.upper()} {url} gave {response.status_code}"
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_anonymous_is_refused_on_non_public_api(method: str, path: str, op: Any, reference: None) -> None:
    if (method, path) in PUBLIC_API:
        return
    url = re.sub(r"\{(\w+)\}", lambda m: SAMPLE_ARGS.get(m.group(1), "x"), path)
    response = Client().generic(method, url, data="{}", content_type="application/json")
    assert response.status_code in (401, 403), f"{method} {url} gave {response.status_code}"
