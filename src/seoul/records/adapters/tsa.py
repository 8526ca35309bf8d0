"""The timestamp authority (TSA) that stamps the signatures of archive copies, and the
platform's signing identity (ADR 14; the signing itself is ``engine/signing.py``).

The protocol is RFC 3161 over HTTP: a DER ``TimeStampReq`` POSTed as
``application/timestamp-query``, a DER ``TimeStampResp`` answered as
``application/timestamp-reply``. The real authority is on the far side of the city's network
(``SEOUL_RECORDS_TSA_URL``, its CA certificate(s) in the PEM file ``SEOUL_RECORDS_TSA_CA_FILE``);
with no URL configured, :class:`TsaStandIn` is started once per process on an ephemeral
loopback port (``SEOUL_RECORDS_TSA_STANDIN_PORT`` to fix the port) and answers with real signed
tokens (pyHanko's ``DummyTimeStamper``) from its own self-made TSA certificate, kept under
``SEOUL_RECORDS_DIR/signing/`` so that tokens stay verifiable after a restart.

The stand-in has the common fault knobs (``delay``, ``fail_next`` and ``failure_rate`` answer
503, ``late_next``/``late_by`` answer after the caller gave up) and repeats itself:

* a request it has answered before (the same bytes, so the same nonce: a client's retry) gets
  the same token again, not a second one;
* ``repeat_next``: the next *n* requests, whatever they ask, get the previous answer again (a
  stale token with another nonce and imprint; the client must refuse it and ask again).

:func:`platform_identity` is the platform's signing key and certificate, made once (a
self-made CA, ``engine.signing.make_platform_identity``) and kept in
``SEOUL_RECORDS_DIR/signing/`` (the key file mode 0600), never in the repository;
:func:`trust_roots` is what a signed archive copy is checked against.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from pathlib import Path

from asn1crypto import core, tsp
from django.conf import settings
from pyhanko.keys import load_private_key_from_pemder_data
from pyhanko.sign.timestamps import DummyTimeStamper

from seoul.core.adapters.config import setting
from seoul.core.adapters.standin import Answer, Request, Running, StandIn, error
from seoul.records.engine.signing import (
    Identity,
    certificate_store,
    certificates,
    make_platform_identity,
    make_tsa_identity,
)

log = logging.getLogger("seoul.records.adapters.tsa")

QUERY = "application/timestamp-query"
REPLY = "application/timestamp-reply"
STANDIN_NAME = "Seoul Records Stand-in Timestamp Authority"
PLATFORM_NAME = "Seoul Electronic Document Center"
REMEMBERED = 512  # answers kept for repeated requests

_running = Running()
_identities: dict[str, Identity] = {}
_identities_lock = threading.Lock()


# --- the stand-in ------------------------------------------------------------------------------


class Refusal(core.Sequence):  # type: ignore[misc] # asn1crypto is untyped
    """A ``TimeStampResp`` without a token (asn1crypto's own type insists on one)."""

    _fields = [("status", tsp.PKIStatusInfo)]


def _refuse(fail_info: str, text: str) -> Answer:
    status = tsp.PKIStatusInfo(
        {"status": "rejection", "status_string": [text], "fail_info": tsp.PKIFailureInfo({fail_info})}
    )
    return Answer(200, Refusal({"status": status}).dump(), REPLY)


class TsaStandIn(StandIn):
    """An RFC 3161 timestamp authority on loopback: ``POST /`` (any path) with a DER
    ``TimeStampReq`` → a DER ``TimeStampResp`` granting a token signed by ``identity`` (a new
    one when none is given), the TSA certificate and its CA certificate embedded."""

    KNOBS = {**StandIn.KNOBS, "repeat_next": int}

    def __init__(
        self,
        identity: Identity | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        start: bool = True,
        seed: int | None = None,
    ) -> None:
        self.identity = identity or make_tsa_identity(STANDIN_NAME)
        self._stamper = DummyTimeStamper(
            tsa_cert=certificates(self.identity.cert_pem)[0],
            tsa_key=load_private_key_from_pemder_data(self.identity.key_pem, passphrase=None),
            certs_to_embed=certificate_store(certificates(self.identity.ca_cert_pem)),
        )
        self._answers: OrderedDict[str, bytes] = OrderedDict()
        self._last: bytes | None = None
        self.issued = 0  # tokens made
        self.answered = 0  # timestamp replies sent (made, repeated or remembered)
        super().__init__(host=host, port=port, start=start, seed=seed)

    @property
    def ca_cert_pem(self) -> bytes:
        return self.identity.ca_cert_pem

    def reset_faults(self) -> None:
        with self.lock:
            super().reset_faults()
            self.repeat_next = 0

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self._answers.clear()
            self._last = None
            self.issued = self.answered = 0

    def respond(self, request: Request) -> Answer:
        if request.method != "POST":
            return error(405, "method_not_allowed", f"POST an RFC 3161 request ({QUERY})")
        if request.header("Content-Type").split(";")[0].strip().lower() != QUERY:
            return error(415, "unsupported_media_type", f"expected Content-Type {QUERY}")
        key = hashlib.sha256(request.body).hexdigest()
        with self.lock:
            if self.repeat_next > 0 and self._last is not None:
                self.repeat_next -= 1
                self.answered += 1
                return Answer(200, self._last, REPLY)
            remembered = self._answers.get(key)
            if remembered is not None:
                self.answered += 1
                return Answer(200, remembered, REPLY)
        try:
            parsed = tsp.TimeStampReq.load(request.body)
            algorithm = parsed["message_imprint"]["hash_algorithm"]["algorithm"].native
            digest = parsed["message_imprint"]["hashed_message"].native
        except (ValueError, TypeError, KeyError):
            return _refuse("bad_data_format", "not a DER TimeStampReq")
        if algorithm not in ("sha256", "sha384", "sha512") or len(digest) != hashlib.new(algorithm).digest_size:
            return _refuse("bad_alg", f"unsupported message imprint algorithm {algorithm}")
        body = self._stamper.request_tsa_response(parsed).dump()
        with self.lock:
            self.issued += 1
            self.answered += 1
            self._last = body
            self._answers[key] = body
            while len(self._answers) > REMEMBERED:
                self._answers.popitem(last=False)
        return Answer(200, body, REPLY)


# --- identities kept on disk -------------------------------------------------------------------


def signing_dir() -> Path:
    return Path(settings.SEOUL_RECORDS_DIR) / "signing"


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One process at a time makes identities in ``folder`` (workers start together)."""
    folder.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        folder.chmod(0o700)
    with open(folder / ".lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write(path: Path, data: bytes, mode: int) -> None:
    partial = path.with_name(path.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(partial, mode)
    os.replace(partial, path)


def load_or_make(stem: str, make: Callable[[], Identity]) -> Identity:
    """The identity kept as ``<stem>-key.pem`` (0600), ``<stem>-cert.pem`` and
    ``<stem>-ca.pem`` in :func:`signing_dir`; made by ``make`` and kept when missing."""
    folder = signing_dir()
    paths = [folder / f"{stem}-{part}.pem" for part in ("key", "cert", "ca")]
    with _identities_lock:
        cached = _identities.get(f"{folder}:{stem}")
        if cached is not None:
            return cached
        with _locked(folder):
            if not all(p.exists() for p in paths):
                made = make()
                # the key last: its presence says the three are complete
                _write(paths[2], made.ca_cert_pem, 0o644)
                _write(paths[1], made.cert_pem, 0o644)
                _write(paths[0], made.key_pem, 0o600)
                log.info("made the %s signing identity in %s", stem, folder)
            identity = Identity(
                key_pem=paths[0].read_bytes(), cert_pem=paths[1].read_bytes(), ca_cert_pem=paths[2].read_bytes()
            )
        _identities[f"{folder}:{stem}"] = identity
        return identity


def platform_identity() -> Identity:
    """The platform's signing identity, made on first use and kept in :func:`signing_dir`."""
    name = str(setting("SEOUL_RECORDS_SIGNER_NAME", PLATFORM_NAME))
    return load_or_make("platform", lambda: make_platform_identity(name))


def standin_identity() -> Identity:
    """The stand-in TSA's identity, kept like the platform's so its tokens outlive a restart."""
    return load_or_make("standin-tsa", lambda: make_tsa_identity(STANDIN_NAME))


# --- configuration -----------------------------------------------------------------------------


_started: list[TsaStandIn] = []  # the stand-in this process started, if any


def _make(port: int) -> TsaStandIn:
    made = TsaStandIn(standin_identity(), port=port)
    _started.append(made)
    return made


def _standin_port() -> int:
    return int(setting("SEOUL_RECORDS_TSA_STANDIN_PORT", 0))


def standin() -> TsaStandIn:
    """This process's stand-in TSA (started on first use): tests turn its knobs."""
    made = _running.get("tsa", _make, _standin_port())
    assert isinstance(made, TsaStandIn)  # noqa: S101 - the registry holds what _make made
    return made


def tsa_url() -> str:
    """``SEOUL_RECORDS_TSA_URL``, else this process's stand-in (started on first use)."""
    configured = setting("SEOUL_RECORDS_TSA_URL")
    if configured:
        return str(configured)
    return _running.url("tsa", _make, _standin_port())


def tsa_timeout() -> float:
    return float(setting("SEOUL_RECORDS_TSA_TIMEOUT", 10))


def trust_roots() -> list[bytes]:
    """The CA certificates (PEM) a signed archive copy is checked against: the platform's CA,
    the configured TSA's (``SEOUL_RECORDS_TSA_CA_FILE``) and, when no TSA is configured, the
    stand-in's."""
    roots = [platform_identity().ca_cert_pem]
    ca_file = setting("SEOUL_RECORDS_TSA_CA_FILE")
    if ca_file:
        roots.append(Path(str(ca_file)).read_bytes())
    if not setting("SEOUL_RECORDS_TSA_URL"):
        roots.append(standin_identity().ca_cert_pem)
        # a stand-in started earlier in this process under another SEOUL_RECORDS_DIR (tests)
        roots.extend(made.ca_cert_pem for made in _started if made.ca_cert_pem not in roots)
    return roots
