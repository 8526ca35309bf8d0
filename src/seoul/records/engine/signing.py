"""Signs the archive copy: a PAdES signature with the platform's key and an RFC 3161 timestamp.

What a signature is here
    A PAdES baseline signature (``/SubFilter /ETSI.CAdES.detached``, pyHanko's
    :class:`~pyhanko.sign.signers.PdfSigner`) made with the platform's own key, whose
    certificate a self-made platform CA issued (:func:`make_platform_identity`), carrying a
    signature timestamp token from a timestamp authority (TSA) spoken to over HTTP
    (``application/timestamp-query`` → ``application/timestamp-reply``): PAdES-B-T. The token
    proves the signature existed at the authority's time, whatever the platform's clock said.

    The signature is an incremental update: the bytes of the file before it stay exactly as
    they were (a PDF/A archive copy stays the PDF/A it was; pyHanko sets the print flag on
    the invisible signature widget, as PDF/A requires, and updates the XMP metadata along
    with the document information). The signed file is written next to ``target`` and moved
    into place only when complete: when the TSA is busy, slow or unreachable, :class:`SigningError`
    says so and no ``target`` is left behind.

Talking to the TSA
    pyHanko asks the authority twice per signature: once with a dummy digest (to size the
    signature's place in the file) and once for the real token. Each request is tried up to
    ``attempts`` times (a TSA's answer is a fresh token, so asking again is safe); an answer
    whose nonce or message imprint is not the one asked for (a stale or repeated answer) is
    refused and asked again, never embedded.

Checking
    :func:`verify_pdf` checks each signature of a file with pyHanko against the trust roots
    given (the platform CA and the TSA's CA): the signed bytes unchanged (intact), the
    signature value right (valid), the signer's chain trusted, the timestamp intact, valid and
    trusted, and whether the last signature covers the whole file. When not, ``reason`` says
    why in a sentence. Revocation is not checked (the self-made CA publishes no CRL or OCSP);
    no validation data is embedded (no PAdES-LT/LTA).

Plain Python: no Django.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import io
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.keys import load_certs_from_pemder_data, load_private_key_from_pemder_data
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.metadata.model import VENDOR
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import find_unique_cms_attribute
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

FIELD_NAME = "ArchiveSignature"

_P = ParamSpec("_P")
_T = TypeVar("_T")


def _outside_a_running_loop(work: Callable[_P, _T]) -> Callable[_P, _T]:
    """pyHanko's synchronous calls use ``asyncio.run``, which refuses to start inside a thread
    whose event loop is running (an ASGI server's, or Playwright's in the browser tests). There
    the call goes to a short-lived thread of its own; elsewhere it runs where it is."""

    @functools.wraps(work)
    def run(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop running here: the common case
            return work(*args, **kwargs)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pyhanko") as pool:
            return pool.submit(work, *args, **kwargs).result()

    return run


class SigningError(Exception):
    """The file was not signed; ``reason`` says why, in a sentence for a person."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Identity:
    """A signing key and its certificate (PEM), with the CA certificate that issued it."""

    key_pem: bytes
    cert_pem: bytes
    ca_cert_pem: bytes

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the certificate (DER), hex."""
        return fingerprint(self.cert_pem)


@dataclass(frozen=True)
class Signed:
    """A signed file: when it was signed (the signer's clock, UTC), the timestamp authority's
    time and name (None and "" without a TSA), the signer certificate's SHA-256 fingerprint and
    the SHA-256 and size of the signed file."""

    signed_at: datetime
    timestamp: datetime | None
    tsa_name: str
    signer_fingerprint: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Verification:
    """What :func:`verify_pdf` found. ``valid`` is the verdict (every check below passed);
    ``reason`` says in a sentence why not ("" when valid)."""

    valid: bool
    reason: str
    intact: bool = False  # the signed bytes are unchanged
    trusted: bool = False  # the signer's certificate chains to a trust root
    timestamp_valid: bool = False  # a timestamp token is there, intact, valid and trusted
    covers_whole_document: bool = False  # nothing was added after the last signature
    signer: str = ""
    signer_fingerprint: str = ""
    signed_at: datetime | None = None
    timestamp: datetime | None = None
    tsa_name: str = ""
    signatures: int = 0


def certificates(pem: bytes) -> list[Any]:
    """The certificates in PEM (or DER) data, as asn1crypto objects (none raises ValueError)."""
    found = list(load_certs_from_pemder_data(pem))
    if not found:
        raise ValueError("no certificate in the data")
    return found


def certificate_store(certs: list[Any]) -> SimpleCertificateStore:
    store: SimpleCertificateStore = SimpleCertificateStore.from_certs(certs)  # type: ignore[no-untyped-call]
    return store


def fingerprint(cert_pem: bytes) -> str:
    cert = x509.load_pem_x509_certificate(cert_pem)
    return cert.fingerprint(hashes.SHA256()).hex()


# --- identities ----------------------------------------------------------------------------------


def _pem_key(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Seoul Metropolitan Government"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _issue(
    common_name: str,
    days: int,
    make_key: Any,
    *,
    leaf_usage: x509.KeyUsage,
    extended: x509.ExtendedKeyUsage | None,
) -> Identity:
    """A new CA and a certificate it issues for ``common_name`` (the CA's key is not kept: it
    issues this one certificate only)."""
    now = datetime.now(UTC)
    start, end = now - timedelta(minutes=5), now + timedelta(days=days)
    ca_key = make_key()
    leaf_key = make_key()
    ca_name = _name(f"{common_name} CA")
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(leaf_usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
    )
    if extended is not None:
        builder = builder.add_extension(extended, critical=True)
    cert = builder.sign(ca_key, hashes.SHA256())
    return Identity(
        key_pem=_pem_key(leaf_key),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        ca_cert_pem=ca_cert.public_bytes(serialization.Encoding.PEM),
    )


def _usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=signing,  # non-repudiation: what pyHanko asks of a document signer
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def make_platform_identity(common_name: str, *, days: int = 3650) -> Identity:
    """The platform's signing identity: an ECDSA P-256 key and a document-signing certificate
    (digital signature and non-repudiation) issued by a new self-made CA, valid ``days``."""
    return _issue(
        common_name,
        days,
        lambda: ec.generate_private_key(ec.SECP256R1()),
        leaf_usage=_usage(signing=True),
        extended=None,
    )


def make_tsa_identity(common_name: str, *, days: int = 3650) -> Identity:
    """A timestamp authority's identity: an RSA-2048 key (pyHanko's token maker signs with RSA
    only) and a certificate whose only, critical, extended key usage is timeStamping (RFC 3161
    §2.3), issued by a new self-made CA."""
    return _issue(
        common_name,
        days,
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        leaf_usage=_usage(signing=False),
        extended=x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
    )


# --- the timestamp authority's client --------------------------------------------------------------


def _why(exc: BaseException, url: str, timeout: float) -> str:
    """A sentence for why a request to the TSA failed, from the cause pyHanko wrapped."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, aiohttp.ClientResponseError):
            return f"the timestamp authority at {url} answered HTTP {seen.status} ({seen.message})"
        if isinstance(seen, TimeoutError | aiohttp.ServerTimeoutError):
            return f"the timestamp authority at {url} did not answer within {timeout:g} s"
        if isinstance(seen, aiohttp.ClientConnectorError | ConnectionError):
            return f"the timestamp authority at {url} cannot be reached"
        if isinstance(seen, aiohttp.ContentTypeError):
            return f"the timestamp authority at {url} did not answer with a timestamp reply"
        if isinstance(seen, ValueError):
            return f"the timestamp authority at {url} sent an answer that is not a timestamp token ({seen})"
        if seen.__cause__ is None and isinstance(seen, TimestampRequestError):
            return f"the timestamp authority at {url} gave no usable token: {seen}"
        seen = seen.__cause__
    return f"the timestamp authority at {url} failed: {exc}"


class _Authority(HTTPTimeStamper):
    """pyHanko's HTTP timestamp client, asking again (up to ``attempts``) when a request fails
    or its answer is not for this request (a repeated, stale token: wrong nonce or imprint)."""

    def __init__(self, url: str, *, timeout: float, attempts: int) -> None:
        super().__init__(url, timeout=timeout)
        self.attempts = max(1, attempts)
        self.failure = ""

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> Any:
        last: BaseException | None = None
        for attempt in range(self.attempts):
            if attempt:
                await asyncio.sleep(min(0.2 * 2 ** (attempt - 1), 2.0))
            nonce, request = self.request_cms(message_digest, md_algorithm)  # type: ignore[no-untyped-call]
            try:
                answer = await self.async_request_tsa_response(request)
                token = _accept(answer, nonce, message_digest, md_algorithm)
                self.failure = ""
                return token
            except (TimestampRequestError, OSError, ValueError, KeyError, TypeError) as exc:
                last = exc
                self.failure = _why(exc, self.url, self.timeout)
        raise TimestampRequestError(self.failure) from last


def _accept(answer: Any, nonce: int | None, digest: bytes, md_algorithm: str) -> Any:
    """The token in ``answer`` if it grants this request (pyHanko's own check stumbles on a
    wrong nonce, and asn1crypto cannot read a refusal, which carries no token)."""
    status = answer["status"]
    if status["status"].native != "granted":
        said = "; ".join(status["status_string"].native or []) or status["status"].native
        raise TimestampRequestError(f"the authority refused the request ({said})")
    token = answer["time_stamp_token"]
    info = token["content"]["encap_content_info"]["content"].parsed
    if nonce is not None and info["nonce"].native != nonce:
        raise TimestampRequestError("the token is for another request (its nonce differs)")
    imprint = info["message_imprint"]
    if imprint["hashed_message"].native != digest or imprint["hash_algorithm"]["algorithm"].native != md_algorithm:
        raise TimestampRequestError("the token is for another request (its message imprint differs)")
    return token


# --- reading a signature -------------------------------------------------------------------------


def _token_facts(signer_info: Any) -> tuple[datetime | None, str, Any]:
    """The time and authority name of the signature timestamp token in ``signer_info``'s
    unsigned attributes, and the token (None, "", None without one)."""
    try:
        token = find_unique_cms_attribute(signer_info["unsigned_attrs"], "signature_time_stamp_token")
    except Exception:  # no token (or not exactly one): reported as none
        return None, "", None
    info = token["content"]["encap_content_info"]["content"].parsed
    when = info["gen_time"].native
    tsa = info["tsa"]
    name = ""
    if tsa.native is not None and tsa.name == "directory_name":
        name = _common_name(tsa.chosen)
    if not name:
        for cert in token["content"]["certificates"]:
            if cert.name == "certificate" and cert.chosen.extended_key_usage_value is not None:
                name = _common_name(cert.chosen.subject)
    return (when.astimezone(UTC) if isinstance(when, datetime) else None), name, token


def _common_name(name: Any) -> str:
    """The common name of an X.509 name, else all of it in words."""
    native = name.native
    if isinstance(native, dict) and native.get("common_name"):
        return str(native["common_name"])
    return str(name.human_friendly)


def _signing_time(signature: Any) -> datetime | None:
    """The time the signer's clock said (PAdES keeps it in the signature dictionary's /M)."""
    value = signature.self_reported_timestamp
    return value.astimezone(UTC) if isinstance(value, datetime) else None


# --- signing -------------------------------------------------------------------------------------


def _signer(identity: Identity) -> signers.SimpleSigner:
    try:
        cert = certificates(identity.cert_pem)[0]
        key = load_private_key_from_pemder_data(identity.key_pem, passphrase=None)
        chain = certificates(identity.ca_cert_pem)
    except Exception as exc:  # a broken key file is a reason, not a crash
        raise SigningError(f"the platform's signing key or certificate cannot be read ({exc})") from exc
    return signers.SimpleSigner(signing_cert=cert, signing_key=key, cert_registry=certificate_store(chain))


@_outside_a_running_loop
def sign_pdf(
    source: Path,
    target: Path,
    identity: Identity,
    *,
    tsa_url: str | None,
    reason: str,
    location: str,
    timeout: float = 10,
    attempts: int = 2,
) -> Signed:
    """Sign ``source`` into ``target`` (they may be the same file) with ``identity`` and a
    timestamp from the TSA at ``tsa_url`` (none when None: PAdES-B-B only). ``timeout`` is
    per request to the TSA, each tried up to ``attempts`` times. Raises :class:`SigningError`
    (and leaves no ``target``) when the file cannot be signed or the TSA gives no token."""
    try:
        data = Path(source).read_bytes()
    except OSError as exc:
        raise SigningError(f"the file to sign cannot be read ({exc.strerror or exc})") from exc
    signer = _signer(identity)
    authority = _Authority(tsa_url, timeout=timeout, attempts=attempts) if tsa_url else None
    out = io.BytesIO()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        if writer.prev.encrypted:
            raise SigningError("the file is encrypted and cannot be signed")
        _align_producer(writer)
        taken = {signature.field_name for signature in writer.prev.embedded_signatures}
        field_name = next(
            f"{FIELD_NAME}{n or ''}" for n in range(len(taken) + 1) if f"{FIELD_NAME}{n or ''}" not in taken
        )
        meta = signers.PdfSignatureMetadata(
            field_name=field_name,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=reason,
            location=location,
        )
        pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=authority)
        pdf_signer.sign_pdf(writer, output=out)
    except SigningError:
        raise
    except Exception as exc:  # pyHanko, the PDF reader and the TSA fail in many ways
        if authority is not None and (authority.failure or isinstance(exc, TimestampRequestError | OSError)):
            raise SigningError(
                f"no timestamp: {authority.failure or _why(exc, authority.url, timeout)}; the file was not signed"
            ) from exc
        raise SigningError(f"the file cannot be signed ({type(exc).__name__}: {exc})") from exc
    signed = out.getvalue()
    signed_at, when, tsa_name = _facts_of(signed)
    _write_atomically(Path(target), signed)
    return Signed(
        signed_at=signed_at or datetime.now(UTC),
        timestamp=when,
        tsa_name=tsa_name,
        signer_fingerprint=identity.fingerprint,
        sha256=hashlib.sha256(signed).hexdigest(),
        size=len(signed),
    )


def _align_producer(writer: IncrementalPdfFileWriter) -> None:
    """pyHanko sets the XMP ``pdf:Producer`` to itself but appends itself to the information
    dictionary's ``/Producer``; PDF/A wants the two to agree, so both say pyHanko."""
    if "/Metadata" not in writer.root or "/Info" not in writer.trailer:
        return
    reference = writer.trailer.raw_get("/Info")
    info = reference.get_object()
    if isinstance(info, generic.DictionaryObject):
        info["/Producer"] = generic.TextStringObject(VENDOR)
        writer.mark_update(reference)


def _facts_of(signed: bytes) -> tuple[datetime | None, datetime | None, str]:
    reader = PdfFileReader(io.BytesIO(signed))
    last = reader.embedded_regular_signatures[-1]
    when, tsa_name, _token = _token_facts(last.signer_info)
    return _signing_time(last), when, tsa_name


def _write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target`` and move it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


# --- verifying -----------------------------------------------------------------------------------


def _context(trust_roots_pem: list[bytes]) -> ValidationContext:
    roots = [cert for pem in trust_roots_pem for cert in certificates(pem)]
    # no revocation sources exist for the self-made CAs: soft-fail means "none found, go on"
    return ValidationContext(trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail")


def _problem(status: PdfSignatureStatus, last: bool) -> str:
    """Why ``status`` is not a good signature ("" if it is)."""
    if not status.intact:
        return "the file was changed after it was signed: the signed bytes no longer match the signature"
    if not status.valid:
        return "the signature value does not match the signed bytes and the signer's key"
    if not status.trusted:
        indication = f" ({status.trust_problem_indic.standard_name})" if status.trust_problem_indic else ""
        return f"the signer's certificate does not lead to a trusted certificate authority{indication}"
    if last and status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return "something was added to the file after it was signed: the signature no longer covers the whole file"
    if not last and not status.bottom_line:
        return "the file was changed in a way the earlier signature does not allow"
    ts = status.timestamp_validity
    if ts is None:
        return "the signature has no timestamp from a timestamp authority"
    if not (ts.intact and ts.valid):
        return "the timestamp does not match the signature it is for"
    if not ts.trusted:
        indication = f" ({ts.trust_problem_indic.standard_name})" if ts.trust_problem_indic else ""
        return f"the timestamp authority's certificate does not lead to a trusted certificate authority{indication}"
    return ""


@_outside_a_running_loop
def verify_pdf(path: Path, trust_roots_pem: list[bytes]) -> Verification:
    """Check every signature of the PDF at ``path`` against ``trust_roots_pem`` (PEM data, each
    may hold several certificates: the platform CA and the TSA's CA). Never raises for a bad
    file: the verdict says what is wrong."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return Verification(False, f"the file cannot be read ({exc.strerror or exc})")
    try:
        context = _context(trust_roots_pem)
    except Exception as exc:  # a broken trust root is a reason, not a crash
        return Verification(False, f"a trust root cannot be read ({exc})")
    try:
        reader = PdfFileReader(io.BytesIO(data))
        embedded = list(reader.embedded_regular_signatures)
    except Exception as exc:  # a damaged file is a verdict
        return Verification(False, f"the file cannot be read as a PDF ({type(exc).__name__}: {exc})")
    if not embedded:
        return Verification(False, "the file has no signature")
    reason = ""
    status: PdfSignatureStatus | None = None
    for position, signature in enumerate(embedded):
        last = position == len(embedded) - 1
        try:
            status = validate_pdf_signature(signature, context, context)
        except Exception as exc:  # a signature pyHanko cannot even evaluate
            return Verification(
                False,
                f"the signature cannot be checked ({type(exc).__name__}: {exc})",
                signatures=len(embedded),
            )
        reason = reason or _problem(status, last)
    assert status is not None  # noqa: S101 - the loop ran at least once
    signer_info = embedded[-1].signer_info
    when, tsa_name, _token = _token_facts(signer_info)
    ts = status.timestamp_validity
    return Verification(
        valid=not reason,
        reason=reason,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        timestamp_valid=bool(ts is not None and ts.intact and ts.valid and ts.trusted),
        covers_whole_document=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=_common_name(status.signing_cert.subject),
        signer_fingerprint=hashlib.sha256(status.signing_cert.dump()).hexdigest(),
        signed_at=_signing_time(embedded[-1]),
        timestamp=when,
        tsa_name=tsa_name,
        signatures=len(embedded),
    )
