"""Models of the fund app."""
