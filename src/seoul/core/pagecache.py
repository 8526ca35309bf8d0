"""Public pages for anonymous visitors, rendered once per process and kept with a hole for the
CSRF token.

A public page's HTML is the same for every visitor who is not signed in, except for the CSRF
token of the language switcher (and any other form), which belongs to the visitor's own
cookie. :func:`anonymous_page` therefore keeps the page as rendered for *nobody*: a copy of the
request without cookies, session, user or messages, whose CSRF token renders as a placeholder
(``core.context_processors.platform`` puts it in the context). Each visitor gets that page with
their own token put into the hole, so nothing from one visitor's request can reach another's
response.

Only requests that carry no session cookie and no messages cookie are answered from the cache
(so neither a signed-in person nor a pending "Signed out." message), and only GETs that are
not htmx partial requests. A page is kept under the view's own key (which must name every
version of the data the page shows; ``None`` means "do not cache this request"), the active
language and the full path with its query string, in a bounded per-process LRU. Only 200
HTML responses that set no cookie and used no CSP nonce are kept.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable
from importlib import import_module
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

# Never a valid token: CSRF tokens are 32 or 64 letters and digits.
CSRF_PLACEHOLDER = f"--csrf-{secrets.token_hex(8)}--"
SHARED_RENDER_ATTR = "seoul_shared_render"
MAX_PAGES = 256

View = TypeVar("View", bound=Callable[..., HttpResponse])


class _Page(NamedTuple):
    parts: tuple[str, ...]  # the page split at the token placeholder
    content_type: str


_pages: OrderedDict[Hashable, _Page] = OrderedDict()


def clear() -> None:
    """Forget every kept page (tests; a fresh process starts empty anyway)."""
    _pages.clear()


def kept_pages() -> list[str]:
    """The kept pages as they are stored, placeholder included (tests)."""
    return [CSRF_PLACEHOLDER.join(page.parts) for page in _pages.values()]


def is_shared_render(request: HttpRequest) -> bool:
    return bool(getattr(request, SHARED_RENDER_ATTR, False))


def _shareable(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in cookies
        and getattr(settings, "MESSAGE_COOKIE_NAME", "messages") not in cookies
        and "HTTP_HX_REQUEST" not in request.META
    )


def _nobodys_copy(request: HttpRequest) -> HttpRequest:
    """The request as a visitor without cookies, session, user or messages would send it."""
    clone = copy.copy(request)
    clone.META = {k: v for k, v in request.META.items() if k != "HTTP_COOKIE" and not k.startswith("CSRF_")}
    clone.COOKIES = {}
    clone.user = AnonymousUser()
    clone.session = import_module(settings.SESSION_ENGINE).SessionStore()
    clone._messages = default_storage(clone)  # type: ignore[attr-defined]
    setattr(clone, SHARED_RENDER_ATTR, True)
    return clone


def _render_for_nobody(
    view: Callable[..., HttpResponse], request: HttpRequest, *args: Any, **kwargs: Any
) -> _Page | None:
    nobody = _nobodys_copy(request)
    response = view(nobody, *args, **kwargs)
    content_type = response.get("Content-Type", "")
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or nobody.session.modified
        or not content_type.startswith("text/html")
        # the CSP nonce is made on the visitor's request and belongs to its response header
        or getattr(request, "_csp_nonce", None) is not None
    ):
        return None
    return _Page(tuple(response.content.decode(response.charset).split(CSRF_PLACEHOLDER)), content_type)


def anonymous_page(key: Callable[[HttpRequest], Hashable | None]) -> Callable[[View], View]:
    """Serve the view's page to anonymous visitors from a per-process cache under ``key(request)``."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not _shareable(request):
                return view(request, *args, **kwargs)
            own = key(request)
            if own is None:
                return view(request, *args, **kwargs)
            full_key = (view.__module__, view.__qualname__, own, get_language(), request.get_full_path())
            page = _pages.get(full_key)
            if page is None:
                page = _render_for_nobody(view, request, *args, **kwargs)
                if page is None:
                    return view(request, *args, **kwargs)
                _pages[full_key] = page
                while len(_pages) > MAX_PAGES:
                    _pages.popitem(last=False)
            else:
                with contextlib.suppress(KeyError):  # another thread of a threaded server dropped it
                    _pages.move_to_end(full_key)
            # get_token also tells the CSRF middleware to send the visitor's cookie.
            return HttpResponse(get_token(request).join(page.parts), content_type=page.content_type)

        return wrapper  # type: ignore[return-value]

    return decorate
