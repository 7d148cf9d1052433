"""Recognising and masking keys."""

from __future__ import annotations

import pytest

from tierwise.config.secrets import looks_like_secret, mask, mask_secrets_in_text, safe_repr


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("sk-test-SECRET123456", "sk-…3456"),
        ("sk-ant-api03-abcdefghijklmnop", "sk-…mnop"),
        ("AIzaSyA1234567890abcdefghijkl", "AIza…ijkl"),
        ("short", "…"),
    ],
)
def test_mask(value, masked):
    assert mask(value) == masked


@pytest.mark.parametrize(
    "value",
    ["sk-test-SECRET123456", "sk-or-v1-0123456789abcdef", "AIzaSyA1234567890abcdefghijkl", "a1B2c3D4e5F6g7H8i9J0k1L2m3"],
)
def test_secrets_are_recognised(value):
    assert looks_like_secret(value)


@pytest.mark.parametrize(
    "value",
    [
        "ANTHROPIC_API_KEY",
        "anthropic/claude-sonnet-4-5",
        "openrouter/google/gemini-2.5-flash",
        "http://127.0.0.1:11434/v1",
        "environment defaults (ANTHROPIC_API_KEY)",
        "frontier",
        "qwen2.5-coder:7b",
    ],
)
def test_ordinary_values_are_not_secrets(value):
    assert not looks_like_secret(value)


def test_mask_in_text_and_known_values():
    text = "url https://h/v1?key=sk-test-SECRET123456 and token abcdefgh1234 here"
    out = mask_secrets_in_text(text, known=("abcdefgh1234",))
    assert "SECRET123456" not in out and "abcdefgh1234" not in out
    assert "sk-…3456" in out and "https" in out


def test_safe_repr_masks_and_truncates():
    assert "SECRET" not in safe_repr("sk-test-SECRET123456")
    assert len(safe_repr("x" * 500)) <= 62
