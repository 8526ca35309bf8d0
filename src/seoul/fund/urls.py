from django.urls import path

from seoul.fund import views

app_name = "fund"

urlpatterns = [
    path("", views.start, name="start"),
    path("calls/<slug:code>/", views.call, name="call"),
    path("calls/<slug:code>/apply/", views.apply, name="apply"),
    path("me/", views.me, name="me"),
    path("me/<str:reference>/", views.my_application, name="my_application"),
    path("staff/", views.worklist, name="worklist"),
    path("staff/applications/<str:reference>/", views.screening, name="screening"),
    path("staff/applications/<str:reference>/deck.pdf", views.deck, name="deck"),
    path("staff/investees/<str:reference>/tranches/<int:number>/evidence.pdf", views.evidence, name="evidence"),
    path("staff/calls/", views.calls, name="calls"),
    path("staff/calls/new/", views.call_new, name="call_new"),
    path("staff/calls/<slug:code>/edit/", views.call_edit, name="call_edit"),
    path("staff/members/", views.members, name="members"),
    path("staff/meetings/<int:pk>/", views.meeting, name="meeting"),
    path("staff/committee/<str:reference>/", views.committee, name="committee"),
    path("staff/investees/<str:reference>/", views.investee, name="investee"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard.csv", views.dashboard_csv, name="dashboard_csv"),
]
