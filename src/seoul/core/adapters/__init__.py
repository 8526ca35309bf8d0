"""Adapters to outside services every app may need, and the pieces each adapter is built of
(ADR 14): the JSON client (``http``), webhook signatures (``signing``), configuration
(``config``), the loopback stand-in base (``standin``) and the SMS gateway (``sms``). A
service's own adapters live in ``<app>/adapters/`` and build on these."""
