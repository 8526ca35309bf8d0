"""Tracing's side of the metro service's published interface (``seoul.metro.interfaces``):
the network as the engine's geometry. The only module here that talks to metro."""

from __future__ import annotations

from functools import lru_cache

from seoul.metro import interfaces as metro
from seoul.tracing.engine import trains


@lru_cache(maxsize=1)
def geometry() -> trains.Geometry:
    """The metro network, as the metro service publishes it, for the timetable model."""
    net = metro.network()
    return trains.Geometry.build(
        (
            trains.Station(s.name, frozenset(s.lines), s.lat, s.lon)
            for s in net.stations
            if s.lat is not None and s.lon is not None
        ),
        (trains.Segment(s.line, s.a, s.b, s.metres) for s in net.segments),
        line_names=dict(net.line_names),
    )
