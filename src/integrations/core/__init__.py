"""The resilient call pipeline; no connector names in here."""

__all__: list[str] = []
