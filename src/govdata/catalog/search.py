"""Catalog search (CAT-5): substring search over Chinese text, facets and the classification tree.

Chinese search terms are often two characters (人口, 社保, 医保), which trigram indexes (SQLite FTS5
``trigram``, PostgreSQL ``pg_trgm``) cannot serve. So every published entry gets one row in
``catalog_search`` whose ``document`` is a normalised token text: each run of CJK characters becomes its
overlapping character bigrams followed by its last character alone (人口信息 → ``人口 口信 信息 息``), every
other word its lower-cased self. A substring of two or more CJK characters is then exactly a *phrase* of
consecutive bigrams, and a single character is a *prefix* of some token. Both databases index that text
with their own full-text engine, and the query is translated the same way:

- SQLite: an FTS5 table (``unicode61`` tokenizer, external content = ``catalog_search``, kept in step by
  triggers; see migration 0004), queried with ``MATCH '"人口 口信" "gis"*'``.
- PostgreSQL: a ``tsv`` column (``to_tsvector('simple', document)``, filled by a trigger, GIN-indexed; it is
  not in the model, as SQLite has no such column), queried with
  ``tsv @@ to_tsquery('simple', '''人口'' <-> ''口信'' & ''gis'':*')``.

Terms separated by spaces or punctuation must all occur (AND); Latin words and numbers match by prefix
(``gis`` finds ``gis``, ``gisdata``; the middle of a word is not found). A query with nothing searchable in
it (only punctuation such as ``%`` or ``"``) is matched literally with an escaped LIKE. User input never
reaches either query language unquoted: tokens contain only letters and digits.

The index holds published, not withdrawn entries only; ``reindex`` is called by the catalog service when a
version is published or an entry withdrawn, ``rebuild`` rebuilds it all (bulk, for migrations of the
tokenisation and for benchmarks).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    ForeignKey,
    Integer,
    Select,
    String,
    Text,
    column,
    delete,
    func,
    insert,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from govdata.catalog.models import Classification, Resource, ResourceItem, ResourceVersion
from govdata.catalog.standard import FORMATS, SHARE_TYPES, UPDATE_CYCLES
from govdata.core.db import Base
from govdata.org.models import Department

# Han (BMP, extension A, compatibility, extensions B-G), 々 〇, kana, hangul: written without spaces.
_CJK = ("\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
        "\U00020000-\U0003134f")
_WORD = re.compile(f"[{_CJK}]+|[^\\W_{_CJK}]+")  # a CJK run, or a run of other letters and digits
_CJK_CHAR = re.compile(f"[{_CJK}]")
FTS_TABLE = "catalog_search_fts"
FACETS = ("department_id", "classification_code", "share_type", "format", "update_cycle", "open_to_public")
OPEN_LABELS = {True: "向社会开放", False: "不向社会开放"}


class SearchEntry(Base):
    """One published catalog entry as the search sees it: what it is filtered and faceted by, and its
    token document (name, summary, information item names, keywords and code; see the module notes).
    Derived data: ``reindex`` rewrites a row, ``rebuild`` all of them."""

    __tablename__ = "catalog_search"
    resource_id: Mapped[int] = mapped_column(Integer, ForeignKey("catalog_resources.id"), primary_key=True,
                                             autoincrement=False)
    code: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int] = mapped_column(Integer, index=True)
    classification_code: Mapped[str] = mapped_column(String(12), index=True)
    share_type: Mapped[str] = mapped_column(String(10))
    format: Mapped[str] = mapped_column(String(10))
    update_cycle: Mapped[str] = mapped_column(String(10))
    open_to_public: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(200))
    document: Mapped[str] = mapped_column(Text)


# --- tokens ------------------------------------------------------------------------------------------

def _words(text: str) -> list[str]:
    """NFKC (full-width Latin → ASCII), lower case, CJK runs split from everything else, punctuation dropped."""
    if not unicodedata.is_normalized("NFKC", text):  # the check is ~1000x cheaper than normalising
        text = unicodedata.normalize("NFKC", text)
    return _WORD.findall(text.lower())


def _is_cjk(word: str) -> bool:
    return _CJK_CHAR.match(word) is not None


def _bigrams(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)]


def tokens(text: str) -> list[str]:
    """The document tokens of ``text``: bigrams plus the last character of each CJK run, other words whole."""
    out: list[str] = []
    for word in _words(text):
        if _is_cjk(word):
            out.extend(_bigrams(word))
            out.append(word[-1])
        else:
            out.append(word)
    return out


def document(name: str, summary: str, item_names: Iterable[str], keywords: str | None, code: str) -> str:
    parts = [name, summary, *item_names, keywords or "", code]
    return " ".join(tokens(" ".join(parts)))


@dataclass(frozen=True)
class Term:
    """One part of a query: a phrase of consecutive tokens, or a single token matched as a prefix."""

    tokens: tuple[str, ...]
    prefix: bool


def query_terms(q: str) -> list[Term]:
    terms = []
    for word in _words(q):
        if _is_cjk(word) and len(word) > 1:
            terms.append(Term(tuple(_bigrams(word)), prefix=False))
        else:  # one CJK character, or a Latin word / number
            terms.append(Term((word,), prefix=True))
    return list(dict.fromkeys(terms))


def fts5_query(terms: Sequence[Term]) -> str:
    """An FTS5 MATCH expression: quoted phrases and prefix tokens, implicitly ANDed."""
    return " ".join(f'"{" ".join(t.tokens)}"' + ("*" if t.prefix else "") for t in terms)


def tsquery(terms: Sequence[Term]) -> str:
    """A PostgreSQL to_tsquery expression: ``<->`` phrases and ``:*`` prefixes joined with ``&``."""
    return " & ".join(" <-> ".join(f"'{tok}'" + (":*" if t.prefix else "") for tok in t.tokens) for t in terms)


# --- matching ----------------------------------------------------------------------------------------

_SIMPLE = literal_column("'simple'::regconfig")
_fts = table(FTS_TABLE, column("rowid", Integer), column("document", Text))
_pg = table("catalog_search", column("resource_id", Integer), column("tsv"))  # tsv: PostgreSQL only


def _escape_like(q: str) -> str:
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def matching(session: Session, q: str) -> Select[tuple[int]]:
    """The ids of published entries whose name, summary, item names, keywords or code contain ``q``."""
    terms = query_terms(q)
    if not terms:  # only punctuation: take it literally
        like = _escape_like(q.strip() or q)
        items = select(ResourceItem.version_id).where(ResourceItem.name.like(like, escape="\\"))
        return (select(SearchEntry.resource_id)
                .join(Resource, Resource.id == SearchEntry.resource_id)
                .join(ResourceVersion, ResourceVersion.id == Resource.published_version_id)
                .where(or_(ResourceVersion.name.like(like, escape="\\"),
                           ResourceVersion.summary.like(like, escape="\\"),
                           ResourceVersion.keywords.like(like, escape="\\"),
                           SearchEntry.code.like(like, escape="\\"), ResourceVersion.id.in_(items)))
                .correlate(None))
    if session.get_bind().dialect.name == "postgresql":
        return select(_pg.c.resource_id).where(_pg.c.tsv.op("@@")(func.to_tsquery(_SIMPLE, tsquery(terms))))
    return select(_fts.c.rowid).where(_fts.c.document.match(fts5_query(terms)))


# --- maintenance -------------------------------------------------------------------------------------

def _row(resource_id: int, code: str, department_id: int, classification_code: str, v: Any,
         item_names: Iterable[str]) -> dict[str, Any]:
    return {"resource_id": resource_id, "code": code, "department_id": department_id,
            "classification_code": classification_code, "share_type": v.share_type, "format": v.format,
            "update_cycle": v.update_cycle, "open_to_public": bool(v.open_to_public), "name": v.name,
            "document": document(v.name, v.summary, item_names, v.keywords, code)}


def reindex(session: Session, resource: Resource) -> None:
    """Bring the entry's search row in line with what is published: its published version, or nothing
    once it is withdrawn or was never published."""
    session.execute(delete(SearchEntry).where(SearchEntry.resource_id == resource.id))
    if resource.status == "withdrawn" or resource.published_version_id is None:
        return
    v = session.get(ResourceVersion, resource.published_version_id)
    assert v is not None
    session.execute(insert(SearchEntry), [_row(resource.id, resource.code, resource.department_id,
                                               v.classification.code, v, [i.name for i in v.items])])


def rebuild(session: Session, batch: int = 5000) -> int:
    """Rebuild the whole index from the published versions, in batches of plain rows (no ORM objects);
    returns the number of entries indexed."""
    session.execute(delete(SearchEntry))
    ids = list(session.scalars(select(Resource.id).where(Resource.published_version_id.is_not(None),
                                                         Resource.status != "withdrawn").order_by(Resource.id)))
    done = 0
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        rows = session.execute(
            select(Resource.id, Resource.code, Resource.department_id, Classification.code.label("cls"),
                   ResourceVersion.id.label("vid"), ResourceVersion.name, ResourceVersion.summary,
                   ResourceVersion.keywords, ResourceVersion.share_type, ResourceVersion.format,
                   ResourceVersion.update_cycle, ResourceVersion.open_to_public)
            .join(ResourceVersion, ResourceVersion.id == Resource.published_version_id)
            .join(Classification, Classification.id == ResourceVersion.classification_id)
            .where(Resource.id.between(chunk[0], chunk[-1]), Resource.published_version_id.is_not(None),
                   Resource.status != "withdrawn")).all()
        names: dict[int, list[str]] = defaultdict(list)
        for vid, name in session.execute(select(ResourceItem.version_id, ResourceItem.name)
                                         .where(ResourceItem.version_id.in_([r.vid for r in rows]))
                                         .order_by(ResourceItem.version_id, ResourceItem.position)):
            names[vid].append(name)
        if rows:
            session.execute(insert(SearchEntry), [_row(r.id, r.code, r.department_id, r.cls, r, names[r.vid])
                                                  for r in rows])
        done += len(rows)
    return done


# --- facets and the classification tree --------------------------------------------------------------

def _filters(session: Session, filt: Any) -> dict[str, ColumnElement[bool]]:
    """The filter's conditions on ``catalog_search``, by facet name (``q`` under "q")."""
    clauses: dict[str, ColumnElement[bool]] = {}
    if filt.q:
        terms = query_terms(filt.q)
        if terms and session.get_bind().dialect.name == "postgresql":  # on the row itself, no self-join
            clauses["q"] = literal_column("catalog_search.tsv").op("@@")(func.to_tsquery(_SIMPLE, tsquery(terms)))
        else:
            clauses["q"] = SearchEntry.resource_id.in_(matching(session, filt.q))
    if filt.department_id:
        clauses["department_id"] = SearchEntry.department_id == filt.department_id
    if filt.classification_code:
        clauses["classification_code"] = SearchEntry.classification_code.startswith(filt.classification_code,
                                                                                     autoescape=True)
    for name in ("share_type", "format", "update_cycle", "open_to_public"):
        value = getattr(filt, name)
        if value is not None:
            clauses[name] = getattr(SearchEntry, name) == value
    return clauses


def find(session: Session, filt: Any) -> tuple[list[int], int]:
    """One page of matching published entries (ids, ordered by code) and their total, from the search table
    alone and in one pass over the matches: the query and the filters never join the catalog tables, and
    the total comes with the page (``count(*) OVER ()``). There is deliberately no index on ``code``: with
    one, PostgreSQL walks it for ``ORDER BY code LIMIT 20`` hoping to meet matches early, which for a rare
    term clustered in one classification meant reading most of the table (220 ms, measured)."""
    where = list(_filters(session, filt).values())
    rows = session.execute(select(SearchEntry.resource_id, func.count().over()).where(*where)
                           .order_by(SearchEntry.code).offset(filt.offset).limit(filt.limit)).all()
    if rows:
        return [r[0] for r in rows], rows[0][1]
    total = session.scalar(select(func.count()).select_from(SearchEntry).where(*where)) if filt.offset else 0
    return [], total or 0


def facet_counts(session: Session, filt: Any) -> dict[str, list[tuple[Any, str, int]]]:
    """Counts of published entries per value of each facet. Each facet is counted under the query and
    every *other* facet's filter, so the values a user could switch to keep their counts."""
    clauses = _filters(session, filt)
    top = func.substr(SearchEntry.classification_code, 1, 3)
    keys: dict[str, Any] = {"department_id": SearchEntry.department_id, "classification_code": top,
                            "share_type": SearchEntry.share_type, "format": SearchEntry.format,
                            "update_cycle": SearchEntry.update_cycle, "open_to_public": SearchEntry.open_to_public}
    counts: dict[str, dict[Any, int]] = {}
    for name, key in keys.items():
        where = [c for n, c in clauses.items() if n != name]
        counts[name] = dict(session.execute(select(key, func.count()).where(*where).group_by(key)).all())
    departments = dict(session.execute(select(Department.id, Department.name)
                                       .where(Department.id.in_(list(counts["department_id"])))).all())
    classes = dict(session.execute(select(Classification.code, Classification.name)
                                   .where(Classification.code.in_(list(counts["classification_code"])))).all())
    out: dict[str, list[tuple[Any, str, int]]] = {
        "department_id": sorted(((k, departments.get(k, str(k)), n) for k, n in counts["department_id"].items()),
                                key=lambda x: (-x[2], x[1])),
        "classification_code": [(k, classes.get(k, k), n) for k, n in sorted(counts["classification_code"].items())],
        "open_to_public": [(k, OPEN_LABELS[bool(k)], counts["open_to_public"][k])
                           for k in (True, False) if k in counts["open_to_public"]],
    }
    for name, order in (("share_type", SHARE_TYPES), ("format", FORMATS), ("update_cycle", UPDATE_CYCLES)):
        found = counts[name]
        out[name] = [(k, k, found[k]) for k in order if k in found] + \
                    [(k, k, n) for k, n in sorted(found.items()) if k not in order]
    return {name: out[name] for name in FACETS}


@dataclass
class TreeNode:
    code: str
    name: str
    level: int
    count: int = 0
    children: list[TreeNode] = field(default_factory=list)


def tree(session: Session) -> list[TreeNode]:
    """The classification as a tree; each node counts the published entries filed under it or below."""
    rows = session.execute(select(Classification.id, Classification.parent_id, Classification.code,
                                  Classification.name, Classification.level).order_by(Classification.code)).all()
    nodes = {r.id: TreeNode(r.code, r.name, r.level) for r in rows}
    parents = {r.id: r.parent_id for r in rows}
    by_code = {r.code: r.id for r in rows}
    for code, n in session.execute(select(SearchEntry.classification_code, func.count())
                                   .group_by(SearchEntry.classification_code)):
        node_id: int | None = by_code.get(code)
        while node_id is not None:
            nodes[node_id].count += n
            node_id = parents[node_id]
    roots = []
    for r in rows:
        (nodes[r.parent_id].children if r.parent_id in nodes else roots).append(nodes[r.id])
    return roots
