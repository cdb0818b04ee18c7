"""Prices as data and cost as a pure function of billing units."""
