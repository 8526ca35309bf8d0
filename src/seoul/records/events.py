"""What the audit log records of the Electronic Document Center (kept as long as the records)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from seoul.core.personal_data import Purpose


class RecordsEvent(models.TextChoices):
    RECEIVED = "records.received", _("Document received for the archive")
    REFUSED = "records.refused", _("Document refused at receipt")
    READ = "records.read", _("Document read by OCR and stored")
    REGISTERED = "records.registered", _("Record registered")
    CORRECTED = "records.corrected", _("Registration data corrected")
    VIEWED = "records.viewed", _("Record opened")
    DOWNLOADED = "records.downloaded", _("Record file downloaded")
    SEARCHED = "records.searched", _("Records searched")
    CHECKSUM_MISMATCH = "records.checksum_mismatch", _("Stored file does not match its checksum")
    SANITY_CHECKED = "records.sanity_checked", _("Checksums of every stored file verified")
    SIGNED = "records.signed", _("Archive copy signed and timestamped later")
    INDEX_REBUILT = "records.index_rebuilt", _("Search index rebuilt from the database")
    DISPOSAL_OPENED = "records.disposal.opened", _("Disposal review opened")
    DISPOSAL_DECIDED = "records.disposal.decided", _("Review committee's decision recorded")
    DISPOSAL_DONE = "records.disposal.done", _("Disposal review carried out")
    PAGE_VIEWED = "records.page_viewed", _("Record page image viewed (watermarked)")
    SHARED = "records.shared", _("Share link made for another institution")
    SHARE_REVOKED = "records.share_revoked", _("Share link withdrawn")
    SHARE_VIEWED = "records.share_viewed", _("Record viewed through a share link")
    SHARE_REFUSED = "records.share_refused", _("Share link refused (expired, withdrawn or not for this reader)")
    SECOND_FACTOR_ENROLLED = "records.otp.enrolled", _("Authenticator app set up for outside the office")
    SECOND_FACTOR_PASSED = "records.otp.passed", _("Second factor passed outside the office")
    SECOND_FACTOR_FAILED = "records.otp.failed", _("Wrong second-factor code")
    REQUEST_FILED = "records.request.filed", _("Request for information received")
    REQUEST_VIEWED = "records.request.viewed", _("Request for information opened by staff")
    REQUEST_EXTENDED = "records.request.extended", _("Decision period extended")
    REQUEST_DECIDED = "records.request.decided", _("Decision on a request for information")
    REQUEST_DELIVERED = "records.request.delivered", _("Disclosed file downloaded")
    DESTROYED = "records.destroyed", _("Record destroyed (files and text removed, registration data kept)")


class RecordsPurpose(Purpose):
    """Why staff open a record that holds personal information (exemption 6), asked first."""

    WORK = "records.work", _("Handling this matter in my work")
    DISCLOSURE = "records.disclosure", _("Answering a disclosure request")
    MANAGEMENT = "records.management", _("Records management: review, disposal or audit")
