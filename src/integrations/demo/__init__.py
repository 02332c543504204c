"""`integrations demo`: every connector in mock mode, one scripted scenario, one report.

`setup` prepares the embedded database (connectors enabled in mock mode, short breaker
settings, an admin token); `steps` runs timed steps that never abort one another; the
scenario steps live in `vendor_steps` (PandaDoc, Typeform, email, SMS, searches) and
`ops_steps` (PracticePanther sync, a 503 storm with its breaker and alert).
"""

from integrations.demo.steps import DemoContext, StepResult, run_steps

__all__ = ["DemoContext", "StepResult", "run_steps"]
