"""The platform's URLs plus one view that fails, for the 500 page tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from seoul.core.access import public

SECRET = "hunter2-database-password-in-a-traceback"


@public
def fail(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"the view failed; {SECRET}")


# By name, not imported: seoul.urls reaches every app, and the core imports none.
urlpatterns = [path("fail/", fail), path("", include("seoul.urls"))]
handler400 = "seoul.core.views.error_400"
handler403 = "seoul.core.views.error_403"
handler404 = "seoul.core.views.error_404"
handler500 = "seoul.core.views.error_500"
