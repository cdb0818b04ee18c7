"""The catalogue: every model mediaws offers, its prices and lifecycle, as dated data."""
