from django.urls import path, re_path

from seoul.plan import views

app_name = "plan"

urlpatterns = [
    path("", views.public_page, name="public"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("projects/new/", views.register_project, name="register"),
    path("projects/<str:code>/", views.project_detail, name="project"),
    path("projects/<str:code>/progress/", views.report_progress, name="report_progress"),
    path("projects/<str:code>/kpi-values/", views.record_kpi_value, name="record_kpi_value"),
    path("projects/<str:code>/milestones/", views.add_milestone, name="add_milestone"),
    path(
        "projects/<str:code>/milestones/<int:milestone_id>/done/", views.complete_milestone, name="complete_milestone"
    ),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.export, name="export"),
]
