from django.db import models
from django.utils.translation import gettext_lazy as _


class HospitalsEvent(models.TextChoices):
    REPORT_ACCEPTED = "hospitals.report.accepted", _("Daily capacity report accepted")
    REPORT_CORRECTED = "hospitals.report.corrected", _("Daily capacity report corrected")
    REPORT_REFUSED = "hospitals.report.refused", _("Daily capacity report refused")
    REPORTS_UPLOADED = "hospitals.reports.uploaded", _("Daily capacity reports uploaded as CSV")
    DISTRICT_REGION_CHANGED = "hospitals.district_region.changed", _("District moved to another sub-region")
    HOSPITAL_REGISTERED = "hospitals.hospital.registered", _("Partner hospital registered")
    EXPORTED = "hospitals.exported", _("Hospital network figures exported")
