"""Use cases: the one place rules live, called by the UI state, the CLI and the API."""
