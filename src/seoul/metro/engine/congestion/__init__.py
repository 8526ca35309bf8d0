"""Per-car congestion of Seoul subway trains: levels, the published baseline, a simulated line
and the forecast for the next trains at a platform (issue 16). Plain Python and NumPy."""
