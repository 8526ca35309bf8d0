from django.urls import path

from seoul.care import views

app_name = "care"

urlpatterns = [
    path("", views.facilities, name="facilities"),
    path("facilities.csv", views.facilities_csv, name="facilities_csv"),
    path("readers/", views.readers, name="readers"),
    path("new/", views.facility_new, name="facility_new"),
    path("costs/", views.costs, name="costs"),
    path("<int:pk>/", views.facility, name="facility"),
    path("<int:pk>/apply/", views.facility_apply, name="facility_apply"),
    path("<int:pk>/changes/<str:change>/", views.facility_change, name="facility_change"),
    path("<int:pk>/report.pdf", views.facility_report, name="facility_report"),
    path("<int:pk>/plan.svg", views.facility_plan, name="facility_plan"),
    path("<int:pk>/model/<int:number>.json", views.facility_model, name="facility_model"),
]
