from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from seoul.core import request_id
from seoul.core.access import record_refusal
from seoul.core.audit import context_from_request, reset_request_context, set_request_context

log = logging.getLogger("seoul.request")


class RequestIdMiddleware:
    """Give each request a short reference (``request.request_id``), on its log lines and in the
    ``X-Request-ID`` response header. First in the stack, so even an error in another middleware
    is logged and shown with it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ref = request_id.new()
        request.request_id = ref  # type: ignore[attr-defined]
        token = request_id.set_current(ref)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = ref
        return response


class BodySizeLimitMiddleware:
    """Refuse oversized request bodies with a clear 413 before anything reads them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.SEOUL_MAX_BODY_BYTES
        for prefix, larger in getattr(settings, "SEOUL_LARGER_BODIES", {}).items():
            if request.path.startswith(prefix):
                limit = larger
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            log.warning("refused oversized body: %s bytes to %s", length, request.path)
            # Before LocaleMiddleware: answer in the language the person reads.
            with translation.override(translation.get_language_from_request(request)):
                message = _("The request body is %(size)d bytes; the limit is %(limit)d bytes.") % {
                    "size": length,
                    "limit": limit,
                }
                if request.path.startswith("/api/"):
                    body = json.dumps({"detail": [{"loc": ["body"], "msg": message, "type": "body_too_large"}]})
                    return HttpResponse(body, status=413, content_type="application/json")
                html = render_to_string("core/error.html", {"status": 413, "message": message}, request=request)
            return HttpResponse(html, status=413)
        return self.get_response(request)


class RequestContextMiddleware:
    """Make actor, address and route available to audit records written deeper down."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_request_context(context_from_request(request))
        try:
            return self.get_response(request)
        finally:
            reset_request_context(token)


class RefusalAuditMiddleware:
    """A page view that refuses with ``PermissionDenied`` is audited (``authz.denied``) like a
    refused API call or route; the designed 403 page is then rendered by the 403 handler."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, PermissionDenied):
            record_refusal(request, exception)
        return None
