from django.db import models
from django.utils.translation import gettext_lazy as _

from seoul.core.personal_data import Purpose


class HospitalsEvent(models.TextChoices):
    REPORT_ACCEPTED = "hospitals.report.accepted", _("Daily capacity report accepted")
    REPORT_CORRECTED = "hospitals.report.corrected", _("Daily capacity report corrected")
    REPORT_REFUSED = "hospitals.report.refused", _("Daily capacity report refused")
    REPORTS_UPLOADED = "hospitals.reports.uploaded", _("Daily capacity reports uploaded as CSV")
    DISTRICT_REGION_CHANGED = "hospitals.district_region.changed", _("District moved to another sub-region")
    HOSPITAL_REGISTERED = "hospitals.hospital.registered", _("Partner hospital registered")
    POST_ASSIGNED = "hospitals.post.assigned", _("Staff member posted at a hospital or a control tower")
    EXPORTED = "hospitals.exported", _("Hospital network figures exported")
    PATIENT_REGISTERED = "hospitals.patient.registered", _("Patient registered as needing a bed")
    PATIENT_HANDED_OVER = "hospitals.patient.handed_over", _("Patient handed over from contact tracing")
    PATIENT_VIEWED = "hospitals.patient.viewed", _("Patient record viewed")
    PROPOSAL_MADE = "hospitals.proposal.made", _("Placement proposal made")
    PATIENT_OFFERED = "hospitals.patient.offered", _("Bed offered to a hospital for a patient")
    OFFER_ANSWERED = "hospitals.offer.answered", _("Hospital answered a bed offer")
    TRANSFER_OFFERED = "hospitals.transfer.offered", _("Transfer of an admitted patient proposed to a hospital")
    TRANSFER_ANSWERED = "hospitals.transfer.answered", _("Hospital answered a transfer")
    PATIENT_DISCHARGED = "hospitals.patient.discharged", _("Patient discharged")
    PATIENT_CANCELLED = "hospitals.patient.cancelled", _("Bed request withdrawn")
    RESOURCE_REQUESTED = "hospitals.resource.requested", _("Staff, supplies or equipment requested")
    RESOURCE_OFFERED = "hospitals.resource.offered", _("Staff, supplies or equipment offered")
    LOAN_DECIDED = "hospitals.loan.decided", _("Loan approved or declined by the control tower")
    LOAN_CLOSED = "hospitals.loan.closed", _("Loan returned or consumed")


class HospitalsPurpose(Purpose):
    """Why staff of the network open a patient's record (asked before the page shows it)."""

    PLACEMENT = "hospitals.placement", _("Placing the patient in a bed")
    ADMISSION = "hospitals.admission", _("Receiving the patient at our hospital")
    TRANSFER = "hospitals.transfer", _("Arranging a transfer")
    FOLLOW_UP = "hospitals.follow_up", _("Answering the patient or their family")
