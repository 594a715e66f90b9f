"""Scenario files: the TOML contract, loaded and validated at the edge."""
