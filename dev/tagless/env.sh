export SIM='{"far": 16.0}' GATES='{"zone_rows": [3.0, 8.0, 13.0]}' CFG='{"deep_y": 5.0, "shadow_model": "disc", "y_extent": 16.0, "census_cap": 3, "x_margin": 7.0, "x_fine": 1.35, "fine_y": 2.5}'
