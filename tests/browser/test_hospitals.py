"""The city hospital network in the browser (issue 14, "Done when").

- A hospital's bed manager, on a phone in Korean, sends a contradictory daily report (more
  critical beds occupied than there are): the error summary at the top takes the focus and links
  to the field, the field says what is wrong, nothing is accepted; then a good report is accepted
  and the history shows both, the refused one with its reason.
- The city's patient-management team, on a desktop in English, asks for placements from the
  waiting list, reads a reason for every line, keeps the proposal and sends the offers (the
  patients are then offered); then approves a staff loan between two hospitals (on loan on both
  ledgers).
- A citizen reads the public summary (Korean on a phone, English on a desktop): the city's beds
  by tier and the sub-region table, and no patient anywhere.

Each test makes its own hospitals, people and reports through the service's actions, committed
for the live server. Expected words come from the catalogue (``gettext`` in the page's
language), so the tests read what a person reads whichever words the translator chooses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest

from tests.browser.a11y import assert_accessible
from tests.browser.people import new_staff
from tests.browser.test_walk_services import WIDEST

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PATIENT_REFERENCE = re.compile(r"H-\d{8}-")
ITEM = "중환자실 간호사"  # what Boramae asks for, as its staff typed it


@dataclass
class Network:
    """The reference register and the people of these tests, each with a password."""

    smc: Any
    seonam: Any
    boramae: Any
    bed_smc: Any
    bed_boramae: Any
    city: Any
    today: date


def _person(username: str, password: str, institution: str, role: str, **post: Any) -> Any:
    """Staff of the network with a role in ``hospitals`` and a post (a hospital, a region or,
    with neither, the city's patient-management team)."""
    from seoul.hospitals.models import Post

    user = new_staff(username, password, institution, "hospitals", role)
    Post.objects.create(user=user, **post)
    return user


@pytest.fixture
def network(reference_data: None) -> Network:
    from seoul.core.validation import today
    from seoul.hospitals import reference
    from seoul.hospitals.models import Hospital

    reference.load()
    smc, seonam, boramae = (Hospital.objects.get(code=c) for c in ("SMC", "SN", "BRM"))
    return Network(
        smc=smc,
        seonam=seonam,
        boramae=boramae,
        bed_smc=_person("bed.smc", "Sinnae-ward-9-oxygen", "SMC", "operator", hospital=smc),
        bed_boramae=_person("bed.boramae", "Boramae-park-3-ventilators", "CITY_HALL", "operator", hospital=boramae),
        city=_person("patients.city", "Jungnang-stream-5-ambulances", "CITY_HALL", "approver"),
        today=today(),
    )


def _fits(page: Any, width: int, where: str) -> None:
    """Nothing is wider than the screen (no sideways scrolling)."""
    scroll = page.evaluate("() => document.documentElement.scrollWidth")
    if scroll > width:
        raise AssertionError(f"{where}: {scroll - width} px wider than the screen: {page.evaluate(WIDEST, width)}")


def _watch(page: Any) -> list[str]:
    """Script errors and Content-Security-Policy refusals on the page, collected as they happen."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(msg.text) if "Content Security Policy" in msg.text else None)
    return problems


def _send(page: Any, button: str) -> int:
    with page.expect_navigation() as nav:
        page.click(button)
    return int(nav.value.status)


def _texts(locator: Any) -> list[str]:
    return [t.strip() for t in locator.all_inner_texts()]


# --- 1. the bed manager's daily report -----------------------------------------------------------


@pytest.mark.browser
def test_a_contradictory_report_is_refused_on_its_field_then_a_good_one_is_accepted(
    live_server: Any, network: Network, new_context: Any, sign_in: Any, axe: Any
) -> None:
    from django.utils import translation
    from django.utils.translation import gettext

    from seoul.hospitals.models import CapacityReport
    from seoul.hospitals.tests.builders import reported

    net = network
    yesterday = net.today - timedelta(days=1)
    reported(net.smc, yesterday, net.bed_smc, critical=(10, 7, 10, 3), severe=(30, 20, 28, 8))
    with translation.override("ko"):
        title = gettext("Daily report: %(h)s") % {"h": net.smc.name_ko}
        occupied_label = gettext("%(kind)s: occupied") % {"kind": gettext("Critical")}
        too_many = gettext("More beds occupied than there are beds (%(limit)s).") % {"limit": "10"}
        accepted_words = gettext("Report for %(day)s accepted. The control towers see it now.") % {
            "day": net.today.isoformat()
        }
        accepted, refused = str(CapacityReport.Status.ACCEPTED.label), str(CapacityReport.Status.REFUSED.label)

    page = new_context(**PHONE).new_page()
    problems = _watch(page)
    sign_in(page, net.bed_smc)
    # a bed manager of one hospital lands on that hospital's form, in Korean
    assert page.url == f"{live_server.url}/hospitals/report/SMC/", page.url
    assert page.get_attribute("html", "lang") == "ko"
    assert page.inner_text("main h1").strip() == title
    # the form starts from yesterday's accepted report, for today
    assert page.input_value("#id_day") == net.today.isoformat()
    assert [page.input_value(f"#id_critical_{f}") for f in ("total", "occupied", "staffed", "available")] == [
        "10",
        "7",
        "10",
        "3",
    ]
    assert page.input_value("#id_severe_staffed") == "28"

    # --- a contradiction: 12 critical beds occupied of 10
    page.fill("#id_critical_occupied", "12")
    page.fill("#id_critical_available", "0")
    assert _send(page, "#report-form button[type=submit]") == 400
    assert page.url == f"{live_server.url}/hospitals/report/SMC/"
    summary = page.locator("main .error-summary[role=alert]")
    assert summary.count() == 1 and summary.is_visible()
    # at the top: above the form, and the focus is on it
    assert summary.bounding_box()["y"] < page.locator("#report-form").bounding_box()["y"]
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    links = summary.locator("li a")
    assert [a.get_attribute("href") for a in links.all()] == ["#id_critical_occupied"], summary.inner_text()
    assert occupied_label in links.first.inner_text() and too_many in links.first.inner_text()
    # the field says it too, is marked invalid, and keeps what was typed
    assert page.locator("#id_critical_occupied_error").is_visible()
    assert too_many in page.inner_text("#id_critical_occupied_error")
    assert page.get_attribute("#id_critical_occupied", "aria-invalid") == "true"
    assert page.input_value("#id_critical_occupied") == "12"
    # nothing accepted; the refused report is kept with its reason
    assert not CapacityReport.objects.filter(hospital=net.smc, day=net.today, status="accepted").exists()
    assert CapacityReport.objects.filter(hospital=net.smc, day=net.today, status="refused").count() == 1
    first = page.locator("#report-history tbody tr").first
    assert net.today.isoformat() in first.inner_text() and refused in first.inner_text()
    assert_accessible(axe(page), "the daily report with a refused field (ko, 390 px)")
    _fits(page, 390, "the daily report with a refused field (ko, 390 px)")
    # the summary's link takes the focus to the field
    links.first.click()
    assert page.evaluate("document.activeElement.id") == "id_critical_occupied"

    # --- corrected: 8 occupied, 2 available
    page.fill("#id_critical_occupied", "8")
    page.fill("#id_critical_available", "2")
    assert _send(page, "#report-form button[type=submit]") == 200
    assert page.url == f"{live_server.url}/hospitals/report/SMC/"
    assert page.locator("main .error-summary").count() == 0
    assert _texts(page.locator("main .messages .message-success")) == [accepted_words]
    good = CapacityReport.objects.get(hospital=net.smc, day=net.today, status="accepted")
    assert good.beds.get(kind="critical").occupied == 8
    assert good.submitted_by == net.bed_smc
    # the history: today's good report, today's refused one with why, yesterday's
    rows = page.locator("#report-history tbody tr")
    assert rows.count() == 3, page.inner_text("#report-history")
    cells = [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()] for i in range(3)]
    assert [(c[0], c[4].splitlines()[0].strip()) for c in cells] == [
        (net.today.isoformat(), accepted),
        (net.today.isoformat(), refused),
        (yesterday.isoformat(), accepted),
    ]
    reasons = _texts(rows.nth(1).locator("td ul li"))
    assert reasons == [f"{occupied_label} — {too_many}"], reasons
    assert cells[0][2] == cells[1][2] == net.bed_smc.username  # who sent them
    assert_accessible(axe(page), "the daily report after it was accepted (ko, 390 px)")
    _fits(page, 390, "the daily report after it was accepted (ko, 390 px)")
    assert not problems, f"script errors or CSP refusals: {problems}"


# --- 2. the patient-management team places patients and approves a loan --------------------------


@pytest.mark.browser
def test_the_city_team_places_the_waiting_patients_and_approves_a_staff_loan(
    live_server: Any, network: Network, new_context: Any, sign_in: Any, axe: Any
) -> None:
    from django.utils import translation

    from seoul.hospitals import actions, selectors
    from seoul.hospitals.actions.sharing import Need as Asked
    from seoul.hospitals.engine.report import Tier
    from seoul.hospitals.models import Loan, Patient, Proposal, ResourceRequest
    from seoul.hospitals.tests.builders import patient, reported

    net = network
    # free staffed beds today: Seoul Medical Center (north-east) one critical, two severe;
    # Seonam (south-west) one severe, ten moderate. The other hospitals have not reported.
    reported(net.smc, net.today, net.bed_smc, critical=(10, 9, 10, 1), severe=(20, 18, 20, 2))
    seonam_manager = _person("bed.seonam", "Sinjeong-ward-2-gowns", "CITY_HALL", "operator", hospital=net.seonam)
    reported(net.seonam, net.today, seonam_manager, severe=(8, 7, 8, 1), moderate=(30, 20, 30, 10))
    waiting = [
        patient(net.city, "노원구", Tier.CRITICAL, name="김하늘"),
        patient(net.city, "중랑구", Tier.SEVERE, name="이바다"),
        patient(net.city, "관악구", Tier.MODERATE, name="박구름"),
    ]
    refs = [p.reference for p in waiting]
    # Boramae asks for four ICU nurses for two weeks; Seoul Medical Center offers two
    asked = actions.request_resource(
        net.boramae,
        Asked(ResourceRequest.Kind.STAFF, ITEM, 4, net.today, net.today + timedelta(days=14)),
        actor=net.bed_boramae,
    )
    loan = actions.offer(asked, net.smc, 2, actor=net.bed_smc)

    page = new_context(**DESKTOP).new_page()
    problems = _watch(page)
    sign_in(page, net.city)
    assert page.url == f"{live_server.url}/hospitals/patients/", page.url  # the team's worklist
    with page.expect_navigation():
        page.click("header form.lang-switch button[name=language][value=en]")
    assert page.get_attribute("html", "lang") == "en"
    assert page.url == f"{live_server.url}/hospitals/patients/"
    assert page.inner_text("main h1").strip() == "Patients waiting for a bed"

    # --- the waiting list: longest waiting first, references only (no names)
    listed = _texts(page.locator("#waiting-table tbody th a"))
    assert listed == refs
    main = page.inner_text("main")
    assert not any(name in main for name in ("김하늘", "이바다", "박구름")), "the list shows no names"
    for p in waiting:
        row = page.locator(f"#waiting-table tbody tr:has(a:text-is('{p.reference}'))")
        assert "Waiting for a bed" in row.inner_text(), row.inner_text()
        assert p.district_obj.name_en in row.inner_text()
    assert_accessible(axe(page), "the waiting list (en, 1366 px)")

    # --- ask the solver
    assert _send(page, "#propose") == 200
    proposal = Proposal.objects.get()
    assert page.url == f"{live_server.url}/hospitals/proposals/{proposal.pk}/"
    assert page.inner_text("main h1").strip() == "Placement proposal"
    lines = {line.patient.reference: line for line in selectors.proposal_lines(proposal)}
    assert sorted(lines) == sorted(refs)
    rows = page.locator("#proposal-table tbody tr")
    assert rows.count() == 3
    assert [lines[ref].kind for ref in refs] == ["place", "place", "place"], [lines[r].wait_reason for r in refs]
    assert [lines[ref].hospital.code for ref in refs] == ["SMC", "SMC", "SN"]
    for ref in refs:
        line, row = lines[ref], page.locator(f"#proposal-table tbody tr:has(th a:text-is('{ref}'))")
        cells = row.locator("td")
        with translation.override("en"):
            expected_reasons = selectors.line_reasons(line)
            bed = str(line.get_bed_display())
        assert cells.nth(1).inner_text().splitlines()[0].strip() == line.hospital.name_en
        assert bed in cells.nth(1).inner_text()
        reasons = _texts(cells.nth(2).locator("li"))
        assert reasons and reasons == expected_reasons, (ref, reasons, expected_reasons)
        # the decision starts at "as proposed"
        assert cells.nth(3).locator("select").input_value() == "accept"
        assert cells.nth(3).locator("select option:checked").inner_text().strip() == "As proposed"
    # the moderate patient of the south-west goes to Seonam, in their own sub-region
    assert "A moderate bed in the patient's own sub-region." in _texts(
        page.locator(f"#proposal-table tbody tr:has(th a:text-is('{refs[2]}')) td li")
    )
    assert_accessible(axe(page), "the placement proposal (en, 1366 px)")

    # --- keep every line and send the offers
    assert _send(page, "#decide") == 200
    assert page.url == f"{live_server.url}/hospitals/patients/"
    assert _texts(page.locator("main .messages .message-success")) == [
        "Decided. The receiving hospitals see their offers now."
    ]
    for ref, hospital in zip(refs, (net.smc, net.smc, net.seonam), strict=True):
        row = page.locator(f"#waiting-table tbody tr:has(a:text-is('{ref}'))")
        status = row.locator("td").last
        assert status.locator(".status-badge").inner_text().strip() == "Bed offered, hospital to accept"
        assert status.locator(".small").inner_text().strip() == hospital.name_en
    assert {(p.reference, p.status, p.hospital.code) for p in Patient.objects.select_related("hospital")} == {
        (refs[0], "offered", "SMC"),
        (refs[1], "offered", "SMC"),
        (refs[2], "offered", "SN"),
    }

    # --- sharing: the offer waits for the team's approval
    with page.expect_navigation():
        page.click("nav.main-nav a[href='/hospitals/sharing/']")
    assert page.inner_text("main h1").strip() == "Sharing staff and supplies"
    to_decide = page.locator("section[aria-labelledby=decide-h] li")
    assert to_decide.count() == 1
    assert f"{net.smc.name_en} lends 2 × {ITEM} to {net.boramae.name_en}" in to_decide.inner_text()
    request_row = page.locator("#requests-table tbody tr", has_text=ITEM)
    assert net.boramae.name_en in request_row.inner_text() and "4" in request_row.locator("td.num").inner_text()
    assert_accessible(axe(page), "the sharing page with an offer to decide (en, 1366 px)")
    assert _send(page, "section[aria-labelledby=decide-h] button[name=do][value=approve]") == 200
    assert page.url == f"{live_server.url}/hospitals/sharing/"
    assert _texts(page.locator("main .messages .message-success")) == ["Decision recorded."]
    assert page.locator("section[aria-labelledby=decide-h]").count() == 0, "nothing left to decide"
    loan.refresh_from_db()
    assert (loan.status, loan.decided_by) == (Loan.Status.ON_LOAN, net.city)
    asked.refresh_from_db()
    assert asked.status == ResourceRequest.Status.OPEN  # two of four: still asking for two more
    assert_accessible(axe(page), "the sharing page after the approval (en, 1366 px)")

    # --- on loan on both hospitals' ledgers
    for code, table, other in (("BRM", "#borrowed-table", net.smc), ("SMC", "#lent-table", net.boramae)):
        page.goto(f"{live_server.url}/hospitals/sharing/ledger/{code}/")
        cells = _texts(page.locator(f"{table} tbody tr").first.locator("td"))
        assert cells == [other.name_en, ITEM, "2", net.today.isoformat(), "On loan"], (code, cells)
    assert not problems, f"script errors or CSP refusals: {problems}"


# --- 3. the public summary ------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize(("lang", "width"), [("ko", 390), ("en", 1366)])
def test_the_public_summary_shows_beds_by_tier_and_sub_region_and_no_patient(
    live_server: Any, network: Network, new_context: Any, axe: Any, lang: str, width: int
) -> None:
    from django.utils import translation
    from django.utils.translation import gettext

    from seoul.hospitals.engine.report import BED_KINDS, Tier
    from seoul.hospitals.labels import KIND_SHORT
    from seoul.hospitals.models import Patient, Region
    from seoul.hospitals.state import hospitals_in
    from seoul.hospitals.tests.builders import patient, reported

    net = network
    seonam_manager = _person("bed.seonam", "Sinjeong-ward-2-gowns", "CITY_HALL", "operator", hospital=net.seonam)
    reported(
        net.smc,
        net.today,
        net.bed_smc,
        critical=(10, 7, 10, 3),
        severe=(20, 15, 20, 5),
        moderate=(100, 60, 100, 40),
        isolation=(24, 10, 24, 14),
    )
    reported(net.seonam, net.today, seonam_manager, severe=(8, 6, 8, 2), moderate=(30, 20, 30, 10))
    reported(net.boramae, net.today - timedelta(days=1), net.bed_boramae, moderate=(50, 50, 50, 0))
    for where, tier in (("노원구", Tier.CRITICAL), ("관악구", Tier.SEVERE)):
        patient(net.city, where, tier, name="공개금지")
    assert all(PATIENT_REFERENCE.match(ref) for ref in Patient.objects.values_list("reference", flat=True))

    # (beds, occupied, available) per kind: the city, and each sub-region
    city = {
        "critical": (10, 7, 3),
        "severe": (28, 21, 7),
        "moderate": (180, 130, 50),
        "mild": (0, 0, 0),
        "isolation": (24, 10, 14),
    }
    regions = {
        "NE": {"critical": (10, 7, 3), "severe": (20, 15, 5), "moderate": (100, 60, 40), "isolation": (24, 10, 14)},
        "SW": {"severe": (8, 6, 2), "moderate": (80, 70, 10)},  # Seonam and Boramae (동작구)
        "NW": {},
        "SE": {},
    }
    with translation.override(lang):
        title = gettext("Hospital beds today")
        newest = gettext("Newest report: %(day)s. %(n)s of %(total)s hospitals have reported today or yesterday.") % {
            "day": net.today.isoformat(),
            "n": 3,
            "total": hospitals_in(None).count(),
        }
        kinds = [str(KIND_SHORT[k]) for k in BED_KINDS]
        notes = [
            gettext("available of %(beds)s beds (%(occ)s occupied)") % {"beds": b, "occ": o}
            for b, o, _a in city.values()
        ]
        occupied = gettext("%(pct)s%% occupied")
        region_rows = [
            (r.name, r.control_tower.name if r.control_tower else "–", r.code) for r in Region.objects.order_by("code")
        ]

    ctx = new_context(**PHONE) if width == 390 else new_context(**DESKTOP)
    page = ctx.new_page()
    problems = _watch(page)
    page.goto(f"{live_server.url}/hospitals/")
    if lang == "en":  # the citizen chooses English in the language menu
        with page.expect_navigation():
            page.click("header form.lang-switch button[name=language][value=en]")
        assert page.url == f"{live_server.url}/hospitals/"
    assert page.get_attribute("html", "lang") == lang
    assert page.locator("a.account-link").count() == 0, "nobody is signed in"
    assert page.inner_text("main h1").strip() == title
    assert newest in page.inner_text("main")

    # the whole city: one figure per kind of bed, available now and of how many
    cards = page.locator("section[aria-labelledby=city-h] .stat")
    assert _texts(cards.locator(".stat-label")) == kinds
    assert _texts(cards.locator(".stat-value")) == [str(a) for _b, _o, a in city.values()]
    assert _texts(cards.locator(".stat-note")) == notes

    # the sub-regions: control tower and available / beds with occupancy per kind
    rows = page.locator("#region-table tbody tr")
    assert rows.count() == len(region_rows)
    for i, (name, tower, code) in enumerate(region_rows):
        row = rows.nth(i)
        assert row.locator("th").inner_text().strip() == name
        cells = _texts(row.locator("td"))
        assert cells[0] == tower
        expected = []
        for kind in ("critical", "severe", "moderate", "mild", "isolation"):
            figures = regions[code].get(kind)
            if figures is None:
                expected.append("–")
            else:
                beds, occ, avail = figures
                expected.append(f"{avail} / {beds}\n{occupied % {'pct': round(100 * occ / beds)}}")
        assert [c.replace("\r", "") for c in cells[1:]] == expected, (code, cells)

    # no patient: neither a reference nor a name, in the text or in the markup
    html = page.content()
    assert not PATIENT_REFERENCE.search(html), PATIENT_REFERENCE.search(html)
    assert "공개금지" not in html
    where = f"the public summary ({lang}, {width} px)"
    assert_accessible(axe(page), where)
    _fits(page, width, where)
    assert not problems, f"script errors or CSP refusals: {problems}"
