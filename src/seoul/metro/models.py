"""Transactional state of the metro service (gate events, journeys, ledger): see actions.py."""
