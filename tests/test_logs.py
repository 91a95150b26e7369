"""Customer ids and tokens are masked in logs, wherever they come from."""

from __future__ import annotations

import logging

import pytest

from ivr.logs import install_masking, mask_digits


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("idpel 532110000001 not found", "idpel ********0001 not found"),
        ("token 12345678901234567890", "token ****************7890"),
        ("step 3 of call CA12", "step 3 of call CA12"),
        ("meter=14000000001,", "meter=*******0001,"),
    ],
)
def test_long_digit_runs_are_masked(text: str, expected: str) -> None:
    assert mask_digits(text) == expected


def test_masking_applies_to_messages_and_arguments(caplog) -> None:
    install_masking()
    with caplog.at_level(logging.INFO):
        logging.getLogger("ivr.anything").info("lookup %s from %s", "532110000001", "+6281234567890")
        logging.getLogger("werkzeug").info("customer 14000000001 called")

    assert "532110000001" not in caplog.text
    assert "14000000001" not in caplog.text
    assert "********0001" in caplog.text
    assert "+*********7890" in caplog.text
