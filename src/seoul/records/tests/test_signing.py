"""Signing the archive copy: a PAdES signature with a timestamp from the stand-in timestamp
authority (RFC 3161 over HTTP on loopback), checked with pyHanko; tampering, a busy, slow,
late or repeating authority, a PDF/A made by OCRmyPDF, and the platform's key kept on disk."""

from __future__ import annotations

import asyncio
import hashlib
import io
import shutil
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pikepdf
import pytest
from asn1crypto import algos, tsp
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from seoul.records.adapters import tsa
from seoul.records.engine.signing import (
    Identity,
    Signed,
    SigningError,
    Verification,
    make_platform_identity,
    sign_pdf,
    verify_pdf,
)

TEXT = b"Hello archive"


@pytest.fixture(scope="module")
def identity() -> Identity:
    return make_platform_identity("Test Records Platform", days=30)


@pytest.fixture(scope="module")
def module_authority() -> Iterator[tsa.TsaStandIn]:
    standin = tsa.TsaStandIn()
    yield standin
    standin.stop()


@pytest.fixture
def authority(module_authority: tsa.TsaStandIn) -> tsa.TsaStandIn:
    module_authority.reset()
    return module_authority


@pytest.fixture
def roots(identity: Identity, module_authority: tsa.TsaStandIn) -> list[bytes]:
    return [identity.ca_cert_pem, module_authority.ca_cert_pem]


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    """A one-page PDF whose page text is an uncompressed content stream (easy to tamper with)."""
    document = pikepdf.new()
    document.add_blank_page()
    document.pages[0].Contents = document.make_stream(b"BT /F1 12 Tf 72 720 Td (" + TEXT + b") Tj ET")
    path = tmp_path / "archive.pdf"
    document.save(path, compress_streams=False)
    return path


def _sign(source: Path, target: Path, identity: Identity, url: str, **options: float) -> object:
    return sign_pdf(source, target, identity, tsa_url=url, reason="Archive copy", location="Seoul", **options)


def test_a_signed_copy_verifies_with_its_timestamp_over_the_whole_file(
    pdf: Path, tmp_path: Path, identity: Identity, authority: tsa.TsaStandIn, roots: list[bytes]
) -> None:
    target = tmp_path / "signed.pdf"
    before = datetime.now(UTC) - timedelta(seconds=2)
    signed = sign_pdf(pdf, target, identity, tsa_url=authority.url, reason="Archive copy", location="Seoul")
    data = target.read_bytes()
    assert data.startswith(pdf.read_bytes())  # an incremental update: what was there stays as it was
    assert signed.sha256 == hashlib.sha256(data).hexdigest() and signed.size == len(data)
    assert signed.signer_fingerprint == identity.fingerprint
    assert signed.tsa_name == tsa.STANDIN_NAME
    assert signed.timestamp is not None and before <= signed.timestamp <= datetime.now(UTC)
    assert before <= signed.signed_at <= datetime.now(UTC)
    assert authority.issued == 2  # pyHanko asks once to size the signature, once for the token

    verdict = verify_pdf(target, roots)
    assert verdict.valid, verdict.reason
    assert verdict.reason == ""
    assert verdict.intact and verdict.trusted and verdict.timestamp_valid and verdict.covers_whole_document
    assert verdict.signer == "Test Records Platform"
    assert verdict.signer_fingerprint == identity.fingerprint
    assert verdict.timestamp == signed.timestamp and verdict.tsa_name == tsa.STANDIN_NAME
    assert verdict.signatures == 1
    with pikepdf.open(target) as opened:  # still a PDF another library reads
        assert len(opened.pages) == 1


def test_signing_and_verifying_work_inside_a_running_event_loop(
    pdf: Path, tmp_path: Path, identity: Identity, authority: tsa.TsaStandIn, roots: list[bytes]
) -> None:
    """An ASGI server or Playwright's sync API keeps a loop running in the caller's thread, where
    pyHanko's own ``asyncio.run`` would refuse to start."""
    target = tmp_path / "signed.pdf"

    async def inside() -> tuple[Signed, Verification]:
        signed = sign_pdf(pdf, target, identity, tsa_url=authority.url, reason="Archive copy", location="Seoul")
        return signed, verify_pdf(target, roots)

    # in a thread of its own: this worker's own thread may already run Playwright's loop
    with ThreadPoolExecutor(max_workers=1) as pool:
        signed, verdict = pool.submit(asyncio.run, inside()).result()
    assert signed.sha256 == hashlib.sha256(target.read_bytes()).hexdigest()
    assert verdict.valid, verdict.reason
    assert verdict.timestamp == signed.timestamp


def test_one_changed_byte_fails_verification(
    pdf: Path, tmp_path: Path, identity: Identity, authority: tsa.TsaStandIn, roots: list[bytes]
) -> None:
    target = tmp_path / "signed.pdf"
    _sign(pdf, target, identity, authority.url)
    data = bytearray(target.read_bytes())
    at = data.index(TEXT)
    data[at] = ord("J")  # "Jello archive": same length, so the file still opens
    target.write_bytes(bytes(data))
    verdict = verify_pdf(target, roots)
    assert not verdict.valid and not verdict.intact
    assert "changed after it was signed" in verdict.reason


def test_an_update_appended_after_signing_is_reported(
    pdf: Path, tmp_path: Path, identity: Identity, authority: tsa.TsaStandIn, roots: list[bytes]
) -> None:
    target = tmp_path / "signed.pdf"
    _sign(pdf, target, identity, authority.url)
    writer = IncrementalPdfFileWriter(io.BytesIO(target.read_bytes()))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(90)
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    target.write_bytes(out.getvalue())
    verdict = verify_pdf(target, roots)
    assert verdict.intact  # the signed revision itself is untouched
    assert not verdict.valid and not verdict.covers_whole_document
    assert "added to the file after it was signed" in verdict.reason


def test_trust_roots_decide(pdf: Path, tmp_path: Path, identity: Identity, authority: tsa.TsaStandIn) -> None:
    target = tmp_path / "signed.pdf"
    _sign(pdf, target, identity, authority.url)
    without_tsa = verify_pdf(target, [identity.ca_cert_pem])
    assert not without_tsa.valid and not without_tsa.timestamp_valid
    assert "timestamp authority" in without_tsa.reason
    stranger = make_platform_identity("Someone Else", days=1)
    without_platform = verify_pdf(target, [stranger.ca_cert_pem, authority.ca_cert_pem])
    assert not without_platform.valid and not without_platform.trusted
    assert "signer's certificate" in without_platform.reason


def test_without_signature_or_timestamp(pdf: Path, tmp_path: Path, identity: Identity, roots: list[bytes]) -> None:
    assert verify_pdf(pdf, roots).reason == "the file has no signature"
    target = tmp_path / "untimed.pdf"
    signed = sign_pdf(pdf, target, identity, tsa_url=None, reason="Archive copy", location="Seoul")
    assert signed.timestamp is None and signed.tsa_name == ""
    verdict = verify_pdf(target, roots)
    assert verdict.intact and verdict.trusted and not verdict.timestamp_valid and not verdict.valid
    assert "no timestamp" in verdict.reason


def test_a_signed_copy_can_be_signed_again(
    pdf: Path, tmp_path: Path, identity: Identity, authority: tsa.TsaStandIn, roots: list[bytes]
) -> None:
    target = tmp_path / "signed.pdf"
    _sign(pdf, target, identity, authority.url)
    _sign(target, target, identity, authority.url)  # in place, a second signature after the first
    verdict = verify_pdf(target, roots)
    assert verdict.valid, verdict.reason
    assert verdict.signatures == 2 and verdict.covers_whole_document


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_a_busy_authority_leaves_no_file(
    pdf: Path, tmp_path: Path, identity: Identity, authority: tsa.TsaStandIn
) -> None:
    target = tmp_path / "out" / "signed.pdf"
    authority.fail_next = 2  # both attempts of the first request
    with pytest.raises(SigningError) as caught:
        _sign(pdf, target, identity, authority.url)
    assert "503" in caught.value.reason and "not signed" in caught.value.reason
    assert not target.exists()
    assert not target.parent.exists() or _leftovers(target.parent) == []
    assert authority.issued == 0


def test_one_busy_answer_is_asked_again(
    pdf: Path, tmp_path: Path, identity: Identity, authority: tsa.TsaStandIn, roots: list[bytes]
) -> None:
    authority.fail_next = 1
    target = tmp_path / "signed.pdf"
    _sign(pdf, target, identity, authority.url)
    assert verify_pdf(target, roots).valid


def test_an_existing_target_is_kept_when_signing_fails(
    pdf: Path, tmp_path: Path, identity: Identity, authority: tsa.TsaStandIn
) -> None:
    target = tmp_path / "signed.pdf"
    target.write_bytes(b"the earlier copy")
    authority.failure_rate = 1.0
    with pytest.raises(SigningError):
        _sign(pdf, target, identity, authority.url)
    assert target.read_bytes() == b"the earlier copy" and _leftovers(tmp_path) == []


def test_a_slow_authority_times_out(pdf: Path, tmp_path: Path, identity: Identity, authority: tsa.TsaStandIn) -> None:
    authority.delay = 1.5
    target = tmp_path / "signed.pdf"
    started = time.monotonic()
    with pytest.raises(SigningError) as caught:
        _sign(pdf, target, identity, authority.url, timeout=0.3, attempts=1)
    assert time.monotonic() - started < 1.4  # gave up at the timeout, did not wait for the answer
    assert "did not answer within 0.3 s" in caught.value.reason
    assert not target.exists() and _leftovers(tmp_path) == []
    deadline = time.monotonic() + 3  # the authority still does the work, for nobody
    while authority.issued < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert authority.issued == 1


def test_an_unreachable_authority(pdf: Path, tmp_path: Path, identity: Identity) -> None:
    gone = tsa.TsaStandIn()
    url = gone.url
    gone.stop()
    with pytest.raises(SigningError) as caught:
        _sign(pdf, tmp_path / "signed.pdf", identity, url, timeout=1, attempts=1)
    assert "cannot be reached" in caught.value.reason


def test_a_late_answer_is_asked_again_and_the_second_token_used(
    pdf: Path, tmp_path: Path, identity: Identity, authority: tsa.TsaStandIn, roots: list[bytes]
) -> None:
    authority.late_next, authority.late_by = 1, 4.0  # the work is done, the answer comes too late
    target = tmp_path / "signed.pdf"
    _sign(pdf, target, identity, authority.url, timeout=1.5)  # roomy: a loaded machine answers slowly too
    assert authority.issued == 3  # one token made and never received
    assert verify_pdf(target, roots).valid


def test_a_repeated_stale_answer_is_refused_and_asked_again(
    pdf: Path, tmp_path: Path, identity: Identity, authority: tsa.TsaStandIn, roots: list[bytes]
) -> None:
    _sign(pdf, tmp_path / "first.pdf", identity, authority.url)
    authority.repeat_next = 1  # the next request gets the previous answer (another nonce and imprint)
    target = tmp_path / "second.pdf"
    _sign(pdf, target, identity, authority.url)
    assert authority.answered == authority.issued + 1
    assert verify_pdf(target, roots).valid

    authority.repeat_next = 1
    with pytest.raises(SigningError) as caught:
        _sign(pdf, tmp_path / "third.pdf", identity, authority.url, attempts=1)
    assert "for another request" in caught.value.reason
    assert not (tmp_path / "third.pdf").exists()


def _post(url: str, body: bytes, content_type: str = tsa.QUERY) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")  # noqa: S310 - the loopback stand-in
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def _query(nonce: int) -> bytes:
    imprint = tsp.MessageImprint(
        {
            "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
            "hashed_message": hashlib.sha256(b"document").digest(),
        }
    )
    return tsp.TimeStampReq({"version": 1, "message_imprint": imprint, "nonce": nonce, "cert_req": True}).dump()


def test_the_standin_speaks_rfc_3161_and_answers_a_repeated_request_alike(authority: tsa.TsaStandIn) -> None:
    status, kind, first = _post(authority.url, _query(1234))
    assert (status, kind) == (200, tsa.REPLY)
    reply = tsp.TimeStampResp.load(first)
    assert reply["status"]["status"].native == "granted"
    info = reply["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    assert info["nonce"].native == 1234
    assert info["message_imprint"]["hashed_message"].native == hashlib.sha256(b"document").digest()

    assert _post(authority.url, _query(1234))[2] == first  # the same request again: the same token
    assert authority.issued == 1 and authority.answered == 2
    assert _post(authority.url, _query(5678))[2] != first
    assert authority.issued == 2

    status, kind, refusal = _post(authority.url, b"\x30\x03junk")
    assert (status, kind) == (200, tsa.REPLY)
    assert tsa.Refusal.load(refusal)["status"]["fail_info"].native == {"bad_data_format"}
    assert _post(authority.url, _query(1), content_type="application/json")[0] == 415
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(authority.url, timeout=5)  # noqa: S310 - the loopback stand-in
    assert refused.value.code == 405


def test_the_standin_knobs_are_set_through_control(authority: tsa.TsaStandIn) -> None:
    assert authority.set_knobs({"repeat_next": 2, "fail_next": "1"})["repeat_next"] == 2
    assert authority.repeat_next == 2 and authority.fail_next == 1
    status, _kind, _body = _post(authority.url, _query(9))
    assert status == 503
    authority.reset()
    assert authority.repeat_next == 0 and authority.fail_next == 0


def _pdfa(source: Path, target: Path) -> Path:
    if shutil.which("gs") is None:
        pytest.skip("Ghostscript is missing: OCRmyPDF cannot make a PDF/A")
    options = ["-q", "--output-type", "pdfa", "--tesseract-timeout", "0", "--optimize", "0"]
    done = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "ocrmypdf", *options, str(source), str(target)],
        capture_output=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"OCRmyPDF could not make a PDF/A here: {done.stderr.decode()[-300:]}")
    return target


def _xmp(path: Path) -> str:
    with pikepdf.open(path) as opened:
        return str(opened.Root.Metadata.read_bytes().decode())


def test_the_signature_keeps_an_ocrmypdf_pdfa_what_it_was(
    tmp_path: Path, identity: Identity, authority: tsa.TsaStandIn, roots: list[bytes]
) -> None:
    import img2pdf
    from PIL import Image, ImageDraw

    image = Image.new("L", (827, 580), 255)
    ImageDraw.Draw(image).rectangle((80, 100, 700, 120), fill=0)
    image.save(tmp_path / "page.png", dpi=(100, 100))
    (tmp_path / "scan.pdf").write_bytes(img2pdf.convert(str(tmp_path / "page.png")))
    archive = _pdfa(tmp_path / "scan.pdf", tmp_path / "archive.pdf")
    target = tmp_path / "signed.pdf"
    _sign(archive, target, identity, authority.url)
    assert target.read_bytes().startswith(archive.read_bytes())
    assert verify_pdf(target, roots).valid
    xmp = _xmp(target)
    assert 'pdfaid:part="2"' in xmp or "<pdfaid:part>2<" in xmp
    with pikepdf.open(target) as opened:  # the information dictionary agrees with the XMP (PDF/A)
        producer = str(opened.trailer.Info.Producer)
        assert f'pdf:Producer="{producer}"' in xmp or f"<pdf:Producer>{producer}<" in xmp
        annotation = opened.Root.AcroForm.Fields[0]
        assert int(annotation.F) & 4  # printable, as PDF/A wants of every annotation
        assert not int(annotation.F) & 2  # and not hidden


# --- the Django side: the key kept on disk, the stand-in started on demand ----------------------


@pytest.fixture
def records_dir(settings: object, tmp_path: Path) -> Path:
    folder = tmp_path / "records"
    settings.SEOUL_RECORDS_DIR = folder  # type: ignore[attr-defined]
    settings.SEOUL_RECORDS_TSA_URL = ""  # type: ignore[attr-defined]
    return folder


def test_the_platform_identity_is_made_once_and_kept_private(records_dir: Path) -> None:
    made = tsa.platform_identity()
    key = records_dir / "signing" / "platform-key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((records_dir / "signing").stat().st_mode) == 0o700
    assert tsa.platform_identity() is made
    tsa._identities.clear()  # another process: read from disk, not made again
    assert tsa.platform_identity() == made
    assert b"PRIVATE KEY" in key.read_bytes() and made.key_pem == key.read_bytes()


def test_with_no_url_configured_the_standin_serves_and_its_tokens_verify(
    records_dir: Path, pdf: Path, tmp_path: Path
) -> None:
    url = tsa.tsa_url()
    assert url.startswith("http://127.0.0.1:") and tsa.tsa_url() == url
    target = tmp_path / "signed.pdf"
    sign_pdf(pdf, target, tsa.platform_identity(), tsa_url=url, reason="Archive copy", location="Seoul")
    verdict = verify_pdf(target, tsa.trust_roots())
    assert verdict.valid, verdict.reason


def test_a_configured_url_is_used_as_it_is(records_dir: Path, settings: object) -> None:
    settings.SEOUL_RECORDS_TSA_URL = "https://tsa.example.seoul.go.kr/tsp"  # type: ignore[attr-defined]
    assert tsa.tsa_url() == "https://tsa.example.seoul.go.kr/tsp"
