"""Proof runs: a connector scenario recorded to a file (requests, responses, timings,
webhook arrivals) and replayed from it on a virtual clock to the same final state.

`runner.record` / `runner.replay` do the work; `format` is the file, `recording` and
`replaying` the transports, `scenarios` what can be recorded, `state` what is compared.
"""

from integrations.proof.format import ProofFormatError, ProofRun, load_proof, save_proof
from integrations.proof.runner import ReplayOutcome, record, replay
from integrations.proof.scenarios import SCENARIOS

__all__ = [
    "SCENARIOS",
    "ProofFormatError",
    "ProofRun",
    "ReplayOutcome",
    "load_proof",
    "record",
    "replay",
    "save_proof",
]
