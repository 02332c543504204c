"""PracticePanther: OAuth2 (authorization code), contacts → matters (exchanges) → tasks sync.

The client is `PracticePantherIntegration`; reads are in `.operations`, declared operations in
`.tools`, the sync definition in `.streams` (mapping in `.mappings`), OAuth in `.auth`.
"""

from integrations.practicepanther.client import PracticePantherIntegration
from integrations.practicepanther.spec import PRACTICEPANTHER_SPEC

__all__ = ["PRACTICEPANTHER_SPEC", "PracticePantherIntegration"]
