"""Status badges differ by meaning: each app's statuses are all mapped, each kind has its own
colours and icon, and every colour pair is readable (WCAG AA, 4.5:1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.template import Context, Template

from seoul.core import badges

STATIC = Path(__file__).resolve().parents[1] / "static"


def test_every_mapped_status_field_maps_every_choice_to_a_kind() -> None:
    mapped = badges.status_kinds()
    assert {"plan", "metro", "tracing", "guarantee"} <= set(mapped)
    for app_label, fields in mapped.items():
        for key, kinds in fields.items():
            model_name, field_name = key.split(".")
            field = apps.get_model(app_label, model_name)._meta.get_field(field_name)
            choices = {value for value, _label in field.choices}  # type: ignore[union-attr]
            assert set(kinds) == choices, f"{app_label}.{key}: {set(kinds) ^ choices}"
            assert set(kinds.values()) <= set(badges.MEANINGS), f"{app_label}.{key}"


def test_opposite_outcomes_look_different() -> None:
    kinds = badges.status_kinds()
    assert kinds["guarantee"]["application.state"]["approved"] != kinds["guarantee"]["application.state"]["rejected"]
    assert kinds["tracing"]["followup.status"]["seen_symptoms"] == "alert"
    assert kinds["plan"]["project.status"]["delayed"] == "warning"


def render(source: str, **context: object) -> str:
    return Template("{% load seoul %}" + source).render(Context(context))


@pytest.mark.django_db
def test_badge_from_a_model_uses_its_label_and_meaning(reference: None) -> None:
    project = apps.get_model("plan", "Project").objects.first()  # the core imports no app
    assert project is not None
    project.status = "delayed"
    html = render('{% status_badge p "status" %}', p=project)
    assert 'class="status-badge status-badge--warning"' in html
    assert html.endswith(f"{project.get_status_display()}</span>")
    assert '<span class="status-badge-icon" aria-hidden="true"></span>' in html


def test_badge_with_a_kind_and_words_escapes_them() -> None:
    html = render('{% status_badge "alert" words %}', words="<b>symptoms</b>")
    assert "status-badge--alert" in html and "&lt;b&gt;symptoms&lt;/b&gt;" in html
    with pytest.raises(ValueError, match="unknown badge kind"):
        render('{% status_badge "pink" "x" %}')


def _hex(token: str, tokens: dict[str, str]) -> str:
    value = tokens[token]
    while value.startswith("var("):
        value = tokens[value[6:-1]]
    return value


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def test_every_kind_has_its_own_readable_colours_and_icon() -> None:
    css = (STATIC / "seoul" / "platform.css").read_text()
    krds = (STATIC / "vendor" / "krds" / "krds.min.css").read_text()
    tokens = dict(re.findall(r"--(krds-color-light-[a-z0-9-]+):(#[0-9a-fA-F]{6})", krds))
    seen: set[tuple[str, str]] = set()
    icons: set[str] = set()
    for kind in badges.MEANINGS:
        rule = re.search(rf"\.status-badge--{kind} \{{([^}}]*)\}}", css)
        assert rule is not None, kind
        text = re.search(r"\bcolor: var\(--([a-z0-9-]+)\)", rule.group(1))
        background = re.search(r"background-color: var\(--([a-z0-9-]+)\)", rule.group(1))
        assert text and background, kind
        fg, bg = _hex(text.group(1), tokens), _hex(background.group(1), tokens)
        light, dark = sorted([_luminance(fg), _luminance(bg)], reverse=True)
        assert (light + 0.05) / (dark + 0.05) >= 4.5, f"{kind}: {fg} on {bg}"
        seen.add((fg, bg))
        icon = re.search(rf"\.status-badge--{kind} \.status-badge-icon \{{([^}}]*)\}}", css)
        assert icon is not None, f"{kind} has no icon of its own"
        icons.add(icon.group(1).strip())
    assert len(seen) == len(badges.MEANINGS), "two kinds share their colours"
    assert len(icons) == len(badges.MEANINGS), "two kinds share their icon"
