"""The care app's engines, plain Python (no Django): the airborne infection risk of a room
(:mod:`.airborne`, an own implementation of CERN CAiMIRA's model), Seoul's outdoor temperatures
(:mod:`.climate`) and the JSON scenario contract (:mod:`.scenario`).

    from seoul.care.engine import risk, ScenarioError
    risk({"room": {...}, "month": 1, "ventilation": [...], "infected": {...}, "exposed": {...},
          "samples": 100000, "seed": 1})
"""

from .scenario import ParsedScenario, ScenarioError, parse_scenario, risk

__all__ = ["ParsedScenario", "ScenarioError", "parse_scenario", "risk"]
