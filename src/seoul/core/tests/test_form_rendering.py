"""core/_field.html and core/_form_errors.html: every id a widget points at exists, every summary
link reaches a real input, groups of options are fieldsets."""

from __future__ import annotations

import re

from django import forms
from django.template.loader import render_to_string
from django.utils import translation


class ExampleForm(forms.Form):
    name = forms.CharField(label="Name", help_text="As on your ID card.", min_length=3)
    colour = forms.ChoiceField(
        label="Colour", choices=[("red", "Red"), ("blue", "Blue")], widget=forms.RadioSelect, help_text="One."
    )
    extras = forms.MultipleChoiceField(
        label="Extras", choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple, required=False
    )
    agree = forms.BooleanField(label="I agree")
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self) -> dict[str, object]:
        raise forms.ValidationError("The whole form is wrong.")


def render(form: forms.Form) -> str:
    with translation.override("en"):
        fields = "".join(render_to_string("core/_field.html", {"field": f}) for f in form)
        return render_to_string("core/_form_errors.html", {"form": form}) + fields


def ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def test_described_by_points_at_ids_that_exist() -> None:
    html = render(ExampleForm({"name": "x"}))
    described = [i for group in re.findall(r'aria-describedby="([^"]+)"', html) for i in group.split()]
    assert "id_name_helptext" in described and "id_name_error" in described
    assert "id_colour_error" in described  # on the fieldset of the group
    assert set(described) <= ids(html), set(described) - ids(html)
    assert len(re.findall(r'\bid="([^"]+)"', html)) == len(ids(html)), "duplicate ids"


def test_fields_with_errors_are_marked_invalid() -> None:
    html = render(ExampleForm({"name": "x"}))
    name_input = re.search(r"<input[^>]*name=\"name\"[^>]*>", html)
    assert name_input is not None and 'aria-invalid="true"' in name_input.group(0)
    radios = re.findall(r'<input type="radio"[^>]*>', html)
    assert len(radios) == 2 and all('aria-invalid="true"' in r for r in radios)
    valid = render(ExampleForm({"name": "Kim Ji-won", "colour": "red", "agree": "on", "token": "t"}))
    assert 'aria-invalid="true"' not in valid.split('class="field')[1]  # name is fine now


def test_groups_of_options_are_fieldsets_with_a_legend() -> None:
    html = render(ExampleForm())
    for label, first in (("Colour", "id_colour_0"), ("Extras", "id_extras_0")):
        fieldset = re.search(rf"<fieldset[^>]*>\s*<legend>{label}.*?</fieldset>", html, re.S)
        assert fieldset is not None, label
        assert f'<label for="{first}">' in fieldset.group(0)
    assert '<label for=""' not in html


def test_summary_links_reach_real_inputs_and_form_errors_are_text() -> None:
    html = render(ExampleForm({"name": "x"}))
    summary = html[: html.index("</div>")]
    targets = re.findall(r'href="#([^"]*)"', summary)
    assert targets == ["id_name", "id_colour_0", "id_agree"]
    assert all(re.search(rf'<(input|select|textarea)[^>]*\bid="{t}"', html) for t in targets)
    assert "<li>The whole form is wrong.</li>" in summary
    assert "<li>This field is required.</li>" in summary  # the hidden token: nothing to go to
