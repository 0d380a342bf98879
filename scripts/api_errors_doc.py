"""Rewrite the table of docs/api-errors.md from govdata.core.errors.MESSAGES (run after adding a code)."""

from pathlib import Path

from govdata.core.errors import MESSAGES

doc = Path(__file__).resolve().parent.parent / "docs" / "api-errors.md"
text = doc.read_text()
head, _, rest = text.partition("| code | HTTP status")
tail = rest[rest.index("\n\n"):] if "\n\n" in rest else "\n"
rows = ["| code | HTTP status | 中文标题 | English title |", "|---|---|---|---|"]
rows += [f"| `{code}` | {status} | {zh} | {en} |" for code, (status, zh, en) in MESSAGES.items()]
doc.write_text(head + "\n".join(rows) + tail)
print(f"{len(MESSAGES)} codes written to {doc}")
