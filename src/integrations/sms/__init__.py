"""SMS through AWS SNS: phone validation (E.164, default KR), size rules, bulk sends."""

from integrations.sms.client import PublishOutcome, SmsIntegration, SmsType
from integrations.sms.exceptions import InvalidPhoneNumberError, MessageTooLongError
from integrations.sms.message import SmsSize, measure_sms
from integrations.sms.models import SmsMessage, SmsSendResult
from integrations.sms.phone import PhoneValidation, mask_phone, validate_phone_number

__all__ = [
    "InvalidPhoneNumberError",
    "MessageTooLongError",
    "PhoneValidation",
    "PublishOutcome",
    "SmsIntegration",
    "SmsMessage",
    "SmsSendResult",
    "SmsSize",
    "SmsType",
    "mask_phone",
    "measure_sms",
    "validate_phone_number",
]
