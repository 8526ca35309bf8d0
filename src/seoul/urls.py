from django.urls import include, path

from seoul.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("plan/", include("seoul.plan.urls")),
    path("metro/", include("seoul.metro.urls")),
    path("tracing/", include("seoul.tracing.urls")),
    path("guarantee/", include("seoul.guarantee.urls")),
    path("hospitals/", include("seoul.hospitals.urls")),
    path("records/", include("seoul.records.urls")),
    path("care/", include("seoul.care.urls")),
    path("business/", include("seoul.business.urls")),
    path("fund/", include("seoul.fund.urls")),
    path("overseas/", include("seoul.overseas.urls")),
    path("", include("seoul.core.urls")),
]

handler400 = "seoul.core.views.error_400"
handler403 = "seoul.core.views.error_403"
handler404 = "seoul.core.views.error_404"
handler500 = "seoul.core.views.error_500"
