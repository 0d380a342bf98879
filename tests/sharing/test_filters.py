"""Row conditions on shared datasets (sharing.filters): query and row-scope parsing, conversion to what the
dataset column stores, and bound SQL on SQLite and PostgreSQL — hostile values are data, never SQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, MetaData, String, Table, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from govdata.aggregation.tables import column_type
from govdata.aggregation.validation import ItemSpec, Validator
from govdata.core.errors import Invalid
from govdata.sharing.filters import Condition, ItemNotGranted, parse_query, parse_scope, where
from tests.conftest import Database

UTC = dt.UTC
TYPES = {"county": "C", "name": "C", "note": "M", "n": "N", "amount": "Y", "birth": "D", "at": "T", "flag": "L",
         "count": "I", "score": "F", "blob": "G"}
HOSTILE = ["' OR 1=1 --", "%", "_", "居民%", "a_b", "a/b\\c", "'; DROP TABLE x; --", "\"", "ABC", "abc"]


def test_query_values_are_converted_the_way_aggregation_stores_them() -> None:
    conditions = parse_query([
        ("county", "eq:530102"), ("county", "in:530102,530103,530102"), ("name", "prefix:居民%_"),
        ("n", "eq:1.50"), ("n", "range:9,10"), ("amount", "eq:12.50"), ("amount", "range:,100"),
        ("birth", "range:1990-01-01,19901231"), ("at", "range:2024-01-01,2024-01-01"),
        ("at", "eq:2024-01-01T08:00:00"), ("flag", "eq:是"), ("count", "in:1,-2"), ("score", "range:0.5,"),
        ("note", "eq:a:b"),
    ], TYPES)
    assert [(c.item, c.op, c.value) for c in conditions] == [
        ("county", "eq", "530102"),
        ("county", "in", ("530102", "530103")),  # duplicates dropped
        ("name", "prefix", "居民%_"),
        ("n", "eq", "1.5"),  # canonical decimal text, as stored
        ("n", "range", ("9", "10")),  # a valid range although "9" > "10" as text
        ("amount", "eq", 1250),  # money in fen
        ("amount", "range", (None, 10000)),
        ("birth", "range", (dt.date(1990, 1, 1), dt.date(1990, 12, 31))),
        # a bare date bounds a datetime range by the whole day in Asia/Shanghai time
        ("at", "range", (dt.datetime(2023, 12, 31, 16, tzinfo=UTC), dt.datetime(2024, 1, 1, 15, 59, 59, 999999, UTC))),
        ("at", "eq", dt.datetime(2024, 1, 1, 0, tzinfo=UTC)),  # naive: Asia/Shanghai
        ("flag", "eq", True),
        ("count", "in", (1, -2)),
        ("score", "range", (0.5, None)),
        ("note", "eq", "a:b"),  # only the first colon separates the operator
    ]
    assert parse_query([], TYPES) == []


@pytest.mark.parametrize(("params", "field", "message"), [
    ([("county", "530102")], "county", "条件格式应为"),
    ([("county", "like:53%")], "county", "不支持的条件"),
    ([("county", "eq:")], "county", "不能为空"),
    ([("county", "eq:5301\x0002")], "county", "控制字符"),
    ([("county", "eq:\ud800")], "county", "无效字符"),
    ([("county", "eq:" + "9" * 201)], "county", "不能超过200个字符"),
    ([("county", "in:" + ",".join(map(str, range(51))))], "county", "最多50个值"),
    ([("county", "in:530102,,530103")], "county", "不能为空"),
    ([("county", "range:1,2")], "county", "不支持“range”"),
    ([("birth", "prefix:1990")], "birth", "不支持“prefix”"),
    ([("blob", "eq:AAAA")], "blob", "不支持“eq”"),
    ([("birth", "eq:1990-02-30")], "birth", "不是有效的日期"),
    ([("birth", "range:1990-01-01")], "birth", "下限,上限"),
    ([("birth", "range:,")], "birth", "至少应给出"),
    ([("n", "range:10,9")], "n", "下限不能大于上限"),
    ([("amount", "eq:1.234")], "amount", "两位小数"),
    ([("count", "eq:1.5")], "count", "应为整数"),
    ([("flag", "eq:maybe")], "flag", "应为逻辑值"),
    ([("at", "eq:2024-01-01")], "at", "应为日期时间"),  # a bare date only bounds a range
    ([("county", "eq:1")] * 21, "county", "最多20个"),
])
def test_malformed_conditions_are_refused_naming_the_item(params: list[tuple[str, str]], field: str,
                                                          message: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_query(params, TYPES)
    error = caught.value
    assert error.status == 422 and error.code == "validation_failed"
    assert [e.field for e in error.errors] == [field]
    assert message in error.errors[0].message, error.errors[0].message


def test_an_item_outside_the_grant_is_forbidden() -> None:
    with pytest.raises(ItemNotGranted) as caught:
        parse_query([("county", "eq:530102"), ("id_number' OR 1=1 --", "eq:1")], TYPES)
    problem = caught.value.problem("zh")
    assert caught.value.status == 403 and problem["code"] == "share_item_not_granted"
    assert problem["item"] == "id_number' OR 1=1 --" and "不在授权范围内" in problem["detail"]
    assert caught.value.problem("en")["title"] == "The item is not in the grant"


def test_row_scope_takes_json_values_and_refuses_bad_entries() -> None:
    scope = [{"item": "county", "op": "in", "value": ["530102", "530103"]},
             {"item": "birth", "op": "range", "value": ["1990-01-01", None]},
             {"item": "amount", "op": "range", "value": "12.50,"},
             {"item": "count", "op": "eq", "value": 3}, {"item": "flag", "op": "eq", "value": False}]
    assert parse_scope(scope, TYPES) == [
        Condition("county", "in", ("530102", "530103"), "C"), Condition("birth", "range", (dt.date(1990, 1, 1), None), "D"),
        Condition("amount", "range", (1250, None), "Y"), Condition("count", "eq", 3, "I"),
        Condition("flag", "eq", False, "L")]
    assert parse_scope([], TYPES) == []
    for bad, field in [([{"item": "id_number", "op": "eq", "value": "1"}], "id_number"),  # not granted: 422
                       (["county=eq:1"], "row_scope[0]"), ([{"item": "county", "op": "eq"}], "row_scope[0]"),
                       ([{"item": "county", "op": "eq", "value": ["1"]}], "county"),
                       ([{"item": "county", "op": "eq", "value": {"$ne": 1}}], "county"),
                       ([{"item": "count", "op": "range", "value": [1, 2, 3]}], "count")]:
        with pytest.raises(Invalid) as caught:
            parse_scope(bad, TYPES)
        assert [e.field for e in caught.value.errors] == [field]


# ---------------------------------------------------------------------------------------------------------
# On the database: a table typed like a dataset table, rows stored as the aggregation validator converts them
# ---------------------------------------------------------------------------------------------------------

RAW_ROWS: list[dict[str, Any]] = [
    {"k": "r1", "county": "530102", "name": "居民1", "n": "9", "amount": "12.50", "birth": "1990-01-01",
     "at": "2024-01-01T00:30:00+08:00", "flag": "是", "count": 5, "score": 1.5},
    {"k": "r2", "county": "530103", "name": "居民%2", "n": "10", "amount": "100.5", "birth": "1990-12-31",
     "at": "2024-01-01T23:59:59+08:00", "flag": "否", "count": -3, "score": 2.0},
    {"k": "r3", "county": "530111", "name": "居民_3", "n": "1.50", "amount": "0", "birth": "1991-01-01",
     "at": "2024-01-02T00:00:00+08:00", "flag": True, "count": 0, "score": -0.5},
    {"k": "r4", "county": "530102", "name": "ABC", "n": "-2", "amount": "0.99", "birth": "1989-12-31",
     "at": "2023-12-31T23:59:59+08:00"},
] + [{"k": f"h{n}", "county": "530102", "name": value} for n, value in enumerate(HOSTILE)] + [{"k": "r0"}]


@pytest.fixture
def dataset(db: Database) -> Iterator[tuple[Database, Table]]:
    dialect = db.engine.dialect.name
    table = Table("ds_test_sharing_filters", MetaData(), Column("k", String(8), primary_key=True),
                  *(Column(code, column_type(t, None, dialect)) for code, t in TYPES.items()))
    specs = [ItemSpec("k", "键", "C", is_key=True)] + [ItemSpec(code, code, t) for code, t in TYPES.items()]
    validator = Validator(specs)
    rows = []
    for raw in RAW_ROWS:
        result = validator.check(raw)
        assert result.ok, result.problems
        rows.append(result.values)
    table.create(db.engine)
    with db.engine.begin() as conn:
        conn.execute(insert(table), rows)
    yield db, table
    table.drop(db.engine)


def _keys(db: Database, table: Table, params: list[tuple[str, str]]) -> list[str]:
    clauses = where(table, parse_query(params, TYPES))
    with db.engine.connect() as conn:
        return list(conn.scalars(select(table.c.k).where(*clauses).order_by(table.c.k)))


def test_filters_select_the_same_rows_on_both_databases(dataset: tuple[Database, Table]) -> None:
    db, table = dataset
    hostile_keys = [f"h{n}" for n in range(len(HOSTILE))]
    cases: list[tuple[list[tuple[str, str]], list[str]]] = [
        ([("county", "eq:530103")], ["r2"]),
        ([("county", "in:530103,530111")], ["r2", "r3"]),
        ([("county", "eq:530102"), ("name", "prefix:居民")], ["h3", "r1"]),  # conditions all hold
        ([("name", "prefix:居民")], ["h3", "r1", "r2", "r3"]),
        ([("name", "prefix:居民%")], ["h3", "r2"]),  # % is a character, not a wildcard
        ([("name", "prefix:居民_")], ["r3"]),  # _ too
        ([("name", "prefix:%")], ["h1"]),
        ([("name", "prefix:a")], ["h4", "h5", "h9"]),  # case-sensitive on SQLite as on PostgreSQL
        ([("name", "eq:' OR 1=1 --")], ["h0"]),
        ([("name", "in:' OR 1=1 --,abc")], ["h0", "h9"]),
        ([("name", "prefix:a/b\\")], ["h5"]),  # the LIKE escape character is escaped too
        ([("n", "range:1.5,9")], ["r1", "r3"]),  # numbers, not text: "10" > "9"
        ([("n", "range:,0")], ["r4"]),
        ([("n", "eq:1.5")], ["r3"]),
        ([("amount", "range:0.99,12.5")], ["r1", "r4"]),
        ([("amount", "eq:100.50")], ["r2"]),
        ([("birth", "range:1990-01-01,1990-12-31")], ["r1", "r2"]),
        ([("birth", "range:1991-01-01,")], ["r3"]),
        ([("at", "range:2024-01-01,2024-01-01")], ["r1", "r2"]),  # the whole local day
        ([("at", "range:2024-01-01T00:00:00+08:00,2024-01-02T00:00:00+08:00")], ["r1", "r2", "r3"]),
        ([("at", "eq:2024-01-02T00:00:00")], ["r3"]),
        ([("flag", "eq:true")], ["r1", "r3"]),
        ([("count", "range:-3,0")], ["r2", "r3"]),
        ([("score", "range:,1.5")], ["r1", "r3"]),
        ([("county", "eq:530102"), ("county", "in:530103")], []),
    ]
    for params, expected in cases:
        assert _keys(db, table, params) == expected, params
    assert len(_keys(db, table, [("county", "eq:530102")])) == 2 + len(hostile_keys)


NAMES = [row["name"] for row in RAW_ROWS if row.get("name")]
hostile_text = st.one_of(
    st.sampled_from(NAMES + ["\x00", "%%", "' OR '1'='1", "\\%", "居民\x00"]),
    st.sampled_from(NAMES).flatmap(lambda name: st.integers(1, len(name)).map(lambda n: name[:n])),
    st.text(alphabet=st.sampled_from("%_'\"\\/;-= ORaAbB居民\x00\x1f"), min_size=1, max_size=12),
)


def _sql(clauses: list[Any]) -> list[str]:
    return [str(c.compile(dialect=d)) for c in clauses for d in (sqlite.dialect(), postgresql.dialect())]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(op=st.sampled_from(["eq", "prefix", "in"]), values=st.lists(hostile_text, min_size=1, max_size=3))
def test_hostile_values_are_only_ever_bound_parameters(dataset: tuple[Database, Table], op: str,
                                                       values: list[str]) -> None:
    db, table = dataset
    raw = ",".join(values) if op == "in" else values[0]
    try:
        conditions = parse_query([("name", f"{op}:{raw}")], TYPES)
    except Invalid as error:  # refused only for what no stored value can hold
        assert any(ch in raw for ch in "\x00\x1f") or (op == "in" and "" in raw.split(",")), error
        return
    clauses = where(table, conditions)
    # the SQL text is the same as for a harmless value: the value travels only as a parameter
    assert _sql(clauses) == _sql(where(table, [Condition("name", op, ("x",) if op == "in" else "x", "C")]))
    parts = raw.split(",") if op == "in" else [raw]
    if op == "prefix":
        expected = sorted(r["k"] for r in RAW_ROWS if r.get("name") and r["name"].startswith(raw))
    else:
        expected = sorted(r["k"] for r in RAW_ROWS if r.get("name") in parts)
    with db.engine.connect() as conn:
        assert sorted(conn.scalars(select(table.c.k).where(*clauses))) == expected


def test_where_refuses_a_column_the_table_lacks() -> None:
    table = Table("ds_x", MetaData(), Column("county", String(6)))
    with pytest.raises(ItemNotGranted):
        where(table, [Condition("name", "eq", "x")])
