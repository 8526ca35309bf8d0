"""Every write of the hospital network, by use-case family (re-exported here)."""

from seoul.hospitals.actions.reports import submit_report, upload_reports

__all__ = ["submit_report", "upload_reports"]
