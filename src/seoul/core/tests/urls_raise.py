"""The platform's URLs plus one view that fails, for the 500 page tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from seoul.core.access import public
from seoul.urls import handler400, handler403, handler404, handler500  # noqa: F401 - the platform's error pages

SECRET = "hunter2-database-password-in-a-traceback"


@public
def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"the view failed; {SECRET}")


urlpatterns = [path("fail/", fail), path("", include("seoul.urls"))]
