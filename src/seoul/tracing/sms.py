"""The SMS adapter now lives in the core (``seoul.core.adapters.sms``, ADR 14): every service
texts people. These names stay so that a configured ``SEOUL_TRACING_SMS_SENDER`` of
``seoul.tracing.sms.HttpGateway`` or ``...FileOutbox`` keeps working."""

from seoul.core.adapters.sms import (
    FileOutbox,
    HttpGateway,
    SmsError,
    SmsSender,
    SmsStandIn,
    outbox_path,
    read_outbox,
    sender,
    standin_server,
)

__all__ = [
    "FileOutbox",
    "HttpGateway",
    "SmsError",
    "SmsSender",
    "SmsStandIn",
    "outbox_path",
    "read_outbox",
    "sender",
    "standin_server",
]
