"""Korean address search: juso.go.kr (primary) or Kakao Local, one structured model."""

from integrations.address.client import AddressIntegration
from integrations.address.models import Address, AddressDetails, AddressPage

__all__ = ["Address", "AddressDetails", "AddressIntegration", "AddressPage"]
