"""Language choice: Chinese first, English when the caller prefers it (``Accept-Language: en``)."""

from __future__ import annotations

SUPPORTED = ("zh", "en")


def pick_language(accept_language: str | None) -> str:
    """Return "en" when English ranks above Chinese in an Accept-Language header, else "zh"."""
    if not accept_language:
        return "zh"
    best_lang, best_q = "zh", -1.0
    for part in accept_language.split(","):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in SUPPORTED and q > best_q:
            best_lang, best_q = primary, q
    return best_lang
