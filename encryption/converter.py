"""The data converter every client, worker and replayer of this project uses."""

from __future__ import annotations

import dataclasses

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from encryption.codec import EncryptionCodec, parse_keys


def data_converter(payload_keys: str) -> DataConverter:
    """Pydantic JSON (dates, nested dataclasses) + AES-GCM; error messages are encrypted
    too, because a rejected registration's message names the candidate."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(parse_keys(payload_keys)),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
