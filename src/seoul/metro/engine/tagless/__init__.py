"""Tagless ("walk-through") fare gates: beacon readings from a phone -> a passage to charge or a refusal.

Pure engine (stdlib + NumPy). Public API::

    detect(window, gates) -> Decision
    detect_batch(batch, gates) -> list[Decision]
    confirm(decisions, sensor_passages) -> list[Decision]  # a charge needs a lane-sensor passage
    simulate(n, seed, mix) -> Iterator[SimulatedEvent]     # with ground truth
    evaluate(events, detector) -> Metrics

See docs/metro-tagless.md for the model, the decision rule and measured figures.
"""

from .detector import DetectorConfig, detect, detect_batch
from .metrics import Metrics, evaluate
from .model import Beacon, Decision, GateArray, ReadingBatch, ReadingWindow
from .sensors import SensorPassage, confirm
from .simulator import DEFAULT_MIX, SCENARIOS, SimBatch, SimParams, SimulatedEvent, Truth, simulate, simulate_batches

__all__ = [
    "DEFAULT_MIX",
    "SCENARIOS",
    "Beacon",
    "Decision",
    "DetectorConfig",
    "GateArray",
    "Metrics",
    "ReadingBatch",
    "ReadingWindow",
    "SensorPassage",
    "SimBatch",
    "SimParams",
    "SimulatedEvent",
    "Truth",
    "confirm",
    "detect",
    "detect_batch",
    "evaluate",
    "simulate",
    "simulate_batches",
]
