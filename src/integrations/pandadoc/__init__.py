"""PandaDoc: documents from templates or PDFs, e-signature, status webhooks.

Operations are in `integrations.pandadoc.operations`, MCP tools in `.tools`, the webhook
handler in `.webhooks`.
"""

from integrations.pandadoc.client import PandaDocIntegration
from integrations.pandadoc.models import DocumentStatus
from integrations.pandadoc.spec import PANDADOC_SPEC, PandaDocSpec

__all__ = ["PANDADOC_SPEC", "DocumentStatus", "PandaDocIntegration", "PandaDocSpec"]
