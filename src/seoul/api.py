"""The platform's JSON API, /api/v1/. Each app contributes a router from its ``api`` module."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError

from seoul.guarantee.api import router as guarantee_router
from seoul.metro.api import router as metro_router
from seoul.plan.api import router as plan_router
from seoul.tracing.api import router as tracing_router

api = NinjaAPI(
    title="Seoul public-service platform API",
    version="1",
    urls_namespace="api",
    description="JSON API of the services of Seoul's Post-Corona public innovation plan.",
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


api.add_router("/plan/", plan_router)
api.add_router("/metro/", metro_router)
api.add_router("/tracing/", tracing_router)
api.add_router("/guarantee/", guarantee_router)
