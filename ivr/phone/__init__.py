"""Phone numbers (parsing, E.164, national display) and region routing."""
