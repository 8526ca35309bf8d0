"""The platform's JSON API, /api/v1/. Each app contributes a router from its ``api`` module.

Errors have one shape everywhere: ``{"detail": "a sentence"}`` or ``{"detail": [{"loc", "msg",
"type"}, ...]}`` (``core.schemas.ErrorOut``). Actions' refusals need no try/except in the
operations: a Django ``ValidationError`` becomes 422 with one item per field (its ``type`` the
error code), a ``PermissionDenied`` 403 (audited as ``authz.denied``), a body that cannot be
parsed 400.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema

from seoul.core.access import record_refusal
from seoul.core.flow import refusal_message
from seoul.core.schemas import ErrorOut
from seoul.guarantee.api import router as guarantee_router
from seoul.hospitals.api import router as hospitals_router
from seoul.metro.api import router as metro_router
from seoul.plan.api import router as plan_router
from seoul.tracing.api import router as tracing_router

log = logging.getLogger("seoul.api")

# Answers every operation can give whatever its own code does, added to the document so that it
# states them (a client, and schemathesis in the test suite, can rely on nothing else).
_COMMON = {
    "400": "The request body could not be read (e.g. multipart without a boundary).",
    "413": "The request body is larger than the limit.",
    "422": "A parameter or the body does not match this operation's schema; `detail` names each field.",
}
_SECURED = {
    "401": "No credentials, or credentials that are not valid.",
    "403": "Signed in, but without the role this operation needs, or refused for this record (audited).",
}


class SeoulAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        document = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = document.setdefault("components", {}).setdefault("schemas", {})
        error_schema = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(error_schema.pop("$defs", {}))
        components.setdefault("ErrorOut", error_schema)
        error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                extra = {}
                if operation.get("parameters") or "requestBody" in operation:  # else nothing to refuse
                    extra["422"] = _COMMON["422"]
                if "requestBody" in operation:
                    extra |= {"400": _COMMON["400"], "413": _COMMON["413"]}
                if operation.get("security"):
                    extra |= _SECURED
                for status, description in extra.items():
                    responses.setdefault(status, {"description": description, "content": error_ref})
        return document


api = SeoulAPI(
    title="Seoul public-service platform API",
    version="1",
    urls_namespace="api",
    description="JSON API of the services of Seoul's Post-Corona public innovation plan. Errors: "
    '`{"detail": "..."}` or `{"detail": [{"loc": [...], "msg": "...", "type": "..."}]}`.',
)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # Each error names its field (loc) and the reason (msg), e.g. ["body", "payload", "budget_krw"].
    return api.create_response(request, {"detail": exc.errors}, status=422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    field = getattr(exc, "field", None)
    detail: object = str(exc)
    if field:
        error = {"loc": getattr(exc, "loc", ["body", field]), "msg": str(exc), "type": "value_error"}
        detail = [{**error, **getattr(exc, "extra", {})}]
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(DjangoValidationError)
def _action_refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    """An action's ValidationError: one item per field, its code as the type."""
    items = []
    fields = exc.error_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.error_list)]
    for field, errors in fields:
        for err in errors:
            message = err.message % err.params if err.params else err.message
            loc = ["body"] if field == "__all__" else ["body", field]
            items.append({"loc": loc, "msg": str(message), "type": str(err.code or "value_error")})
    return api.create_response(request, {"detail": items}, status=422)


@api.exception_handler(PermissionDenied)
def _action_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    record_refusal(request, exc)
    return api.create_response(request, {"detail": refusal_message(exc)}, status=403)


@api.exception_handler(MultiPartParserError)
def _unreadable_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    log.warning("unreadable request body for %s %s: %s", request.method, request.path, exc)
    return api.create_response(
        request, {"detail": _("The request body could not be read: %(error)s") % {"error": exc}}, status=400
    )


api.add_router("/plan/", plan_router)
api.add_router("/metro/", metro_router)
api.add_router("/tracing/", tracing_router)
api.add_router("/guarantee/", guarantee_router)
api.add_router("/hospitals/", hospitals_router)
