"""Background jobs: one `@job` declaration each, run by procrastinate on PostgreSQL or by
the embedded runner (the single-process default), with the same semantics.

`runner_for(services)` picks the runner; `JobWorker` runs it (and the embedded cron
scheduler) inside `integrations serve` or `integrations worker`.
"""

from integrations.jobs.context import JobContext
from integrations.jobs.registry import JOBS, JobSpec, full_jitter, job
from integrations.jobs.runner import JobRunner, queue_depth, runner_for, runner_kind

__all__ = [
    "JOBS",
    "JobContext",
    "JobRunner",
    "JobSpec",
    "full_jitter",
    "job",
    "queue_depth",
    "runner_for",
    "runner_kind",
]
