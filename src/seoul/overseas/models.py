"""Models of the overseas app."""
