"""NICE D&B: Korean company and representative search (assumed contract, configurable)."""

from integrations.nicednb.client import NiceDnbIntegration
from integrations.nicednb.contract import NiceContract
from integrations.nicednb.models import Company, CompanySearch

__all__ = ["Company", "CompanySearch", "NiceContract", "NiceDnbIntegration"]
