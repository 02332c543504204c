"""Imported by worker subprocesses (`INTEGRATIONS_JOBS__MODULES`): installs `syncdemo`."""

from tests.integrations.sync.demo_sync import install

install()
