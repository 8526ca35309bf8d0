from django.urls import path

from seoul.business import views

app_name = "business"

urlpatterns = [
    path("", views.start, name="start"),
    path("programmes/<slug:code>/", views.programme, name="programme"),
    path("me/", views.me, name="me"),
    path("me/<int:pk>/", views.profile, name="profile"),
    path("me/<int:pk>/refresh/", views.profile_refresh, name="profile_refresh"),
    path("me/<int:pk>/delete/", views.profile_delete, name="profile_delete"),
    path("me/<int:pk>/apply/<slug:code>/", views.apply, name="apply"),
    path("me/applications/<str:reference>/", views.application, name="application"),
    path("me/applications/<str:reference>/withdraw/", views.application_withdraw, name="application_withdraw"),
    path("officer/", views.officer, name="officer"),
    path("officer/<slug:code>/", views.officer_programme, name="officer_programme"),
    path("officer/<slug:code>/select/", views.officer_select, name="officer_select"),
    path("officer/<slug:code>/<str:reference>/", views.officer_applicant, name="officer_applicant"),
    path("evaluation/", views.evaluation, name="evaluation"),
    path("evaluation.csv", views.evaluation_csv, name="evaluation_csv"),
]
