"""Shared test helpers: service discovery, factories."""
