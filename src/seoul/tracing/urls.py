from django.urls import path

from seoul.tracing import views

app_name = "tracing"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("texts/", views.send_daily_texts, name="send_daily_texts"),
    path("cases/new/", views.new_case, name="new_case"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/isolate/", views.isolate, name="isolate"),
    path("cases/<int:pk>/timeline/", views.add_timeline, name="add_timeline"),
    path("cases/<int:pk>/lab-results/", views.add_lab_result, name="add_lab_result"),
    path("cases/<int:pk>/fever/", views.record_fever_end, name="record_fever_end"),
    path("cases/<int:pk>/release/", views.release, name="release"),
    path("cases/<int:pk>/outcome/", views.record_outcome, name="record_outcome"),
    path("cases/<int:pk>/contacts/", views.add_contact, name="add_contact"),
    path("cases/<int:pk>/discover/", views.discover, name="discover"),
    path("timeline/<int:pk>/", views.edit_timeline, name="edit_timeline"),
    path("candidates/<int:pk>/", views.decide_candidate, name="decide_candidate"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
    path("contacts/<int:pk>/follow-up/", views.record_follow_up, name="follow_up"),
    path("contacts/<int:pk>/convert/", views.convert, name="convert"),
    path("contacts/<int:pk>/close/", views.close_contact, name="close_contact"),
    path("contacts/<int:pk>/text/", views.send_text, name="send_text"),
    path("contacts/<int:pk>/flag/", views.clear_flag, name="clear_flag"),
    path("search/", views.search, name="search"),
    path("export/quarantine.csv", views.export_quarantine, name="export_quarantine"),
    path("supervisor/", views.supervisor, name="supervisor"),
    path("assignments/<int:pk>/reassign/", views.reassign, name="reassign"),
    path("duplicates/<int:pk>/review/", views.review_duplicate, name="review_duplicate"),
    path("outbreaks/", views.outbreaks, name="outbreaks"),
    path("outbreaks/new/", views.new_outbreak, name="new_outbreak"),
    path("outbreaks/<int:pk>/investigators/", views.add_investigator, name="add_investigator"),
    path("outbreaks/<int:pk>/investigators/remove/", views.remove_investigator, name="remove_investigator"),
    path("tracers/", views.tracers, name="tracers"),
    path("outbreaks/<int:pk>/chains/", views.chains, name="chains"),
    path("r/<str:invite>/", views.self_report, name="self_report"),
]
