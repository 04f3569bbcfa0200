"""The shapes of keys recctl recognizes anywhere, as data: adding a kind is one entry here.

Kept apart from the scanner (``recctl.secrets``) and free of heavy imports: the output layer
asks every string it prints whether one of these prefixes occurs in it, and loads the
scanner only when one does.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Rule(NamedTuple):
    """One kind of key with a recognizable shape."""

    kind: str
    prefix: bytes
    """What every match starts with (a regex of literals): the quick scan looks for it."""
    pattern: bytes
    """A regex over the file's bytes that starts with ``prefix``."""
    example: str
    """A value of the real-world shape, for tests and the README; not a real key."""


# Order matters where prefixes overlap: the first rule that matches a place names its kind.
RULES: tuple[Rule, ...] = (
    Rule("anthropic-key", rb"sk-", rb"sk-ant-[A-Za-z0-9_-]{20,}", "sk-ant-api03-" + "Ab3dE" * 18),
    Rule("openrouter-key", rb"sk-", rb"sk-or-v1-[0-9a-f]{64}", "sk-or-v1-" + "0f3a9b2c" * 8),
    Rule(
        "openai-key",
        rb"sk-",
        rb"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}",
        "sk-proj-" + "Tz4kQ9mW2xLp" * 7,
    ),
    Rule(
        "stripe-key",
        rb"[rs]k_(?:live|test)_",
        rb"[rs]k_(?:live|test)_[0-9A-Za-z]{20,}",
        "sk_live_" + "51HqLyj2eZvKYlo2C" * 3,
    ),
    Rule(
        "google-api-key", rb"AIza", rb"AIza[0-9A-Za-z_-]{35}", "AIzaSyD" + "x7Kq2" * 6 + "mN9pQ"[:2]
    ),
    Rule(
        "aws-access-key-id",
        rb"A(?:KIA|SIA|BIA|CCA)",
        rb"(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}",
        "AKIAIOSFODNN7EXAMPL3",
    ),
    Rule("github-token", rb"gh[opusr]_", rb"gh[opusr]_[A-Za-z0-9]{36,}", "ghp_" + "wXy7Zq3Lm9" * 4),
    Rule(
        "github-token",
        rb"github_pat_",
        rb"github_pat_[A-Za-z0-9_]{22,}",
        "github_pat_11ABCDE" + "x9Yz" * 16,
    ),
    Rule(
        "gitlab-token", rb"glpat-", rb"glpat-[A-Za-z0-9_-]{20,}", "glpat-" + "Xq7Lm9Wz2Kp4Rt6Vb8Nc"
    ),
    Rule("huggingface-token", rb"hf_", rb"hf_[A-Za-z0-9]{30,}", "hf_" + "QwErTy7UiOp3" * 3),
    Rule("groq-key", rb"gsk_", rb"gsk_[A-Za-z0-9]{40,}", "gsk_" + "Wq3Er5Ty7Ui9Op1As" * 3),
    Rule(
        "together-key", rb"tgp_v1_", rb"tgp_v1_[A-Za-z0-9_-]{30,}", "tgp_v1_" + "Zx8Cv6Bn4Mq2" * 4
    ),
    Rule("fireworks-key", rb"fw_", rb"fw_[A-Za-z0-9]{20,}", "fw_" + "3ZqKp9Lm7Xw2Vb5Nc8" * 2),
    Rule("xai-key", rb"xai-", rb"xai-[A-Za-z0-9]{40,}", "xai-" + "Lp9Xw2Vb5Nc8Qz4Rt6Ym" * 4),
    Rule("perplexity-key", rb"pplx-", rb"pplx-[A-Za-z0-9]{40,}", "pplx-" + "a1B2c3D4e5F6g7H8" * 3),
    Rule(
        "replicate-token",
        rb"r8_",
        rb"r8_[A-Za-z0-9]{37}",
        "r8_" + "Kq7Wz3Lp9Xv2Bn5Mc8Tr6Yh4Jd1Fs0Ga3Eu7x",
    ),
    Rule("nvidia-key", rb"nvapi-", rb"nvapi-[A-Za-z0-9_-]{40,}", "nvapi-" + "Qz4Rt6Ym8Lp9Xw2V" * 4),
    Rule("databricks-token", rb"dapi", rb"dapi[0-9a-f]{32}", "dapi" + "0a1b2c3d4e5f6a7b" * 2),
    Rule(
        "slack-token",
        rb"xox[abposr]-",
        rb"xox[abposr]-[A-Za-z0-9-]{10,}",
        "xoxb-" + "1234567890-0987654321-Ab3Cd5Ef7Gh9",
    ),
    Rule(
        "jwt",
        rb"eyJ",
        rb"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV",
    ),
    Rule(
        "private-key",
        rb"-----BEGIN ",
        # The whole block, END line included, in the JSON string's escaped form (\n).
        rb"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:(?:[^\"\\-]|\\.|-(?!----END)){0,16384}"
        rb"-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----)?",
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC"
        + "BKcwggSjAgEAAoIBAQC7" * 4
        + "\n-----END PRIVATE KEY-----",
    ),
    Rule(
        "bearer-token",
        rb"Bearer ",
        rb"Bearer [A-Za-z0-9._~+/-]{20,}=*",
        "Bearer " + "Zq7Lm9Xw2Vb5Nc8Kp3Rt" * 2,
    ),
)


def literals(prefix: bytes) -> list[bytes]:
    """Every text a rule's prefix matches: its syntax is literals, ``[abc]`` classes and
    ``(?:ab|cd)`` groups, none nested (a test holds every rule to it)."""
    texts = [b""]
    position = 0
    while position < len(prefix):
        char = prefix[position : position + 1]
        if char == b"[":
            end = prefix.index(b"]", position)
            options = [bytes([byte]) for byte in prefix[position + 1 : end]]
        elif prefix.startswith(b"(?:", position):
            end = prefix.index(b")", position)
            options = prefix[position + 3 : end].split(b"|")
        else:
            end = position
            options = [char]
        texts = [text + option for text in texts for option in options]
        position = end + 1
    return texts


# The characters of recctl's output, most frequent first: paths, hex names, English words.
# A character not listed (a capital, most punctuation) is rarer than all of them.
_FREQUENT = " etaoinsrhldcumfpgwybvkxjqz0123456789/-_.:'\"=,;()[]"


def _rarity(char: str) -> int:
    """Lower for rarer characters in output (``_FREQUENT``)."""
    place = _FREQUENT.find(char)
    return len(_FREQUENT) - place if place >= 0 else 0


def _by_rarest_letter(texts: list[bytes]) -> str:
    """A regex that finds any of ``texts``, each found from its rarest character: the text
    before it asked by a lookbehind, the rest by a lookahead. ``re`` skips in C every
    position whose character begins no alternative, so the rarer those characters are, the
    fewer positions it tries (``sk-`` from its ``-``, ``AKIA`` from its ``A``): 2.7 times as
    fast on a line of ``check``'s output as starting every text from its first letter."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for text in sorted({text.decode() for text in texts}):
        at = min(range(len(text)), key=lambda index: (_rarity(text[index]), index))
        groups.setdefault(text[at], []).append((text[:at], text[at + 1 :]))
    branches = []
    for anchor, around in sorted(groups.items()):
        tests = [
            (f"(?<={re.escape(before + anchor)})" if before else "")
            + (f"(?={re.escape(after)})" if after else "")
            for before, after in around
        ]
        # A one-character text needs no test: the anchor alone is a match.
        rest = "" if not all(tests) else "(?:" + "|".join(tests) + ")"
        branches.append(re.escape(anchor) + rest)
    return "|".join(branches)


# Every text a rule's prefix stands for (sk-, AKIA, ASIA, ghp_, ...), each once, in the
# rules' order.
PREFIX_LITERALS: tuple[bytes, ...] = tuple(
    dict.fromkeys(text for rule in RULES for text in literals(rule.prefix))
)

# Whether a text may hold a shaped key: one of the rules' leading literals occurs in it. Every
# line of output asks it.
MAY_HOLD_KEY = re.compile(_by_rarest_letter(list(PREFIX_LITERALS)))


# Keys that are published by design: a credential-named field holding one is no finding.
# PostHog project keys (phc_) and Stripe publishable keys (pk_live_, pk_test_) ship in
# every web page that uses them.
PUBLIC_KEY = re.compile(r"^(?:phc_|pk_(?:live|test)_)[A-Za-z0-9]+$")
