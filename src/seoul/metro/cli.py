"""``seoul metro ...``: fares (and later simulation and batch pricing) from the command line."""

from __future__ import annotations

import json
import sys
from datetime import datetime

import click
from django.utils import timezone

from seoul.metro import selectors
from seoul.metro.engine.fares import Category, FareError, Payment
from seoul.metro.engine.network import UnknownStation


@click.group(name="metro")
def group() -> None:
    """Seoul Metro: fares, tagless gates, journeys."""


@group.command()
@click.argument("origin")
@click.argument("destination")
@click.option(
    "--card",
    "category",
    type=click.Choice([c.value for c in Category]),
    default="adult",
    show_default=True,
    help="rider category",
)
@click.option("--payment", type=click.Choice([p.value for p in Payment]), default="card", show_default=True)
@click.option(
    "--at",
    "at_text",
    default=None,
    metavar="ISO-DATETIME",
    help="boarding time (default: now; no zone means Seoul time)",
)
@click.option(
    "--line", "lines", multiple=True, metavar="LINE", help="a separately charged line the journey used, e.g. SBD"
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object")
def fare(
    origin: str,
    destination: str,
    category: str,
    payment: str,
    at_text: str | None,
    lines: tuple[str, ...],
    as_json: bool,
) -> None:
    """The fare of a subway journey from ORIGIN to DESTINATION (station names as in stations.csv)."""
    try:
        at = parse_at(at_text)
        b = selectors.subway_fare(
            origin, destination, category=category, payment=payment, at=at, lines=frozenset(lines)
        )
    except UnknownStation as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    except (FareError, ValueError) as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(fare_json(b), ensure_ascii=False))
        return
    click.echo(
        f"{origin} → {destination}: {b.fare:,}원  ({b.distance_km} km, tariff {b.tariff_version}, {category}, {payment})"
    )
    click.echo(
        f"  base {b.base:,} − early bird {b.early_bird_discount:,} + distance {b.distance_steps} steps {b.distance_surcharge:,}"
        f" + surcharges {sum(b.separate_surcharges.values()):,} + cash {b.cash_extra:,}"
    )


def parse_at(text: str | None) -> datetime:
    if not text:
        return timezone.now()
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        at = at.replace(tzinfo=selectors.tariffs_timezone())
    return at


def fare_json(b: object) -> dict[str, object]:
    d = b.as_dict()  # type: ignore[attr-defined]
    return {
        "fare": d["fare"],
        "distance_km": d["distance_km"],
        "base": d["base"],
        "distance_surcharge": d["distance_surcharge"],
        "breakdown": d,
    }
