from django.urls import path

from seoul.hospitals import views

app_name = "hospitals"

urlpatterns = [
    path("", views.summary, name="summary"),
    path("board/", views.board, name="board"),
    path("board/<str:region>/", views.board, name="region_board"),
    path("report/", views.report_home, name="report_home"),
    path("report/upload/", views.upload, name="upload"),
    path("report/template.csv", views.template_csv, name="template_csv"),
    path("report/<str:code>/", views.report, name="report"),
    path("patients/", views.patients, name="patients"),
    path("patients/new/", views.new_patient, name="new_patient"),
    path("patients/<str:reference>/", views.patient, name="patient"),
    path("proposals/<int:pk>/", views.proposal, name="proposal"),
    path("incoming/", views.incoming, name="incoming"),
    path("sharing/", views.sharing, name="sharing"),
    path("sharing/ledger/<str:code>/", views.ledger, name="ledger"),
    path("performance/", views.performance, name="performance"),
    path("register/", views.register, name="register"),
]
