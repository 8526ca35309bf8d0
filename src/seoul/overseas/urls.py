from django.urls import path

from seoul.overseas import views

app_name = "overseas"

urlpatterns = [
    path("", views.programme, name="programme"),
    path("apply/", views.apply, name="apply"),
    path("me/", views.me, name="me"),
    path("me/<str:reference>/", views.application, name="application"),
    path("me/<str:reference>/withdraw/", views.withdraw, name="withdraw"),
    path("me/<str:reference>/products/new/", views.product_new, name="product_new"),
    path("me/<str:reference>/listings/<int:pk>/", views.listing, name="listing"),
    path("me/<str:reference>/claims/new/", views.claim_new, name="claim_new"),
    path("me/<str:reference>/sales/", views.sales, name="sales"),
    path("files/<str:kind>/<int:pk>/", views.download, name="download"),
    path("officer/", views.officer, name="officer"),
    path("officer/applications/<str:reference>/", views.officer_application, name="officer_application"),
    path("officer/listings/<int:pk>/", views.officer_listing, name="officer_listing"),
    path("officer/claims/<str:reference>/", views.officer_claim, name="officer_claim"),
    path("kpis/", views.kpis, name="kpis"),
    path("kpis.csv", views.kpis_csv, name="kpis_csv"),
]
