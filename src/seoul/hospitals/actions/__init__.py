"""Every write of the hospital network, by use-case family (re-exported here)."""

from seoul.hospitals.actions.patients import (
    NewPatient,
    answer_offer,
    answer_transfer,
    cancel,
    decide,
    discharge,
    handover_from_tracing,
    propose,
    register_patient,
)
from seoul.hospitals.actions.register import NewHospital, assign_post, move_district, register_hospital
from seoul.hospitals.actions.reports import submit_report, upload_reports
from seoul.hospitals.actions.sharing import close_loan, decide_loan, offer, request_resource

__all__ = [
    "NewHospital",
    "NewPatient",
    "answer_offer",
    "answer_transfer",
    "assign_post",
    "cancel",
    "close_loan",
    "decide",
    "decide_loan",
    "discharge",
    "handover_from_tracing",
    "move_district",
    "offer",
    "propose",
    "register_hospital",
    "register_patient",
    "request_resource",
    "submit_report",
    "upload_reports",
]
