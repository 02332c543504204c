"""Pydantic models of what the API answers, as its OpenAPI document describes them."""

from integrations.api.schemas.errors import ErrorBody, ErrorDetail, FieldProblem, error_responses

__all__ = ["ErrorBody", "ErrorDetail", "FieldProblem", "error_responses"]
