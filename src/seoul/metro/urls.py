from django.urls import path

from seoul.metro import views

app_name = "metro"

urlpatterns = [
    path("", views.fare, name="fare"),
    path("me/", views.my_journeys, name="my_journeys"),
    path("me/journeys/<str:key>/dispute/", views.dispute, name="dispute"),
    path("me/pass/", views.buy_pass, name="buy_pass"),
    path("disputes/", views.disputes, name="disputes"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute_detail"),
    path("operations/", views.operations, name="operations"),
    path("reports/", views.reports, name="reports"),
]
