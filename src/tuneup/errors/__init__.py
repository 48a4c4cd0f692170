"""Error analysis: metrics, slices, thresholds."""
