"""File loads through the service (AGG-5): CSV in UTF-8 and GB18030, XLSX, the mapping step, all-or-nothing
and partial modes with a rejection report, upsert into versions across chunks, malformed rows, idempotent
retries — on both databases."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import MetaData, select

from govdata.aggregation import readers, service
from govdata.aggregation.models import Batch, Dataset, FileLoad
from govdata.aggregation.tables import dataset_table
from govdata.catalog.models import Resource
from govdata.core.errors import DomainError, Forbidden
from govdata.org.models import User
from govdata.org.signin import actor_for
from tests.aggregation.test_push import ITEMS, id_number
from tests.catalog.helpers import publish

HEADER = ["公民身份号码", "姓名", "补贴金额"]


@pytest.fixture
def entry(data_client):
    return data_client, publish(data_client, items=ITEMS)


def actor(client, username="ps_manager"):
    with client.db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        return actor_for(user, "ui")


def csv_bytes(rows, header=HEADER, encoding="utf-8"):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def people(n, start=0, amount="10.50"):
    return [[id_number(start + i), f"居民{start + i}", amount] for i in range(n)]


def run(client, code, data: bytes, filename="data.csv", mode="all", mapping=None, username="ps_manager", **kw):
    who = actor(client, username)
    with client.app.state.sessions() as session:
        load = service.upload_file(session, who, code, filename, io.BytesIO(data))
        service.map_columns(session, who, load.id, mapping or load.mapping, mode)
        session.commit()
        load_id = load.id
    with client.app.state.sessions() as session:
        try:
            load = service.run_file_load(session, who, load_id, **kw)
            session.commit()
        except DomainError:
            session.commit()  # keep_writes: the record of the rejected attempt stays
            raise
        return load


def current(client, code):
    with client.db.session() as session:
        dataset = session.scalar(select(Dataset).join(Resource, Resource.id == Dataset.resource_id)
                                 .where(Resource.code == code))
        table = dataset_table(dataset, MetaData())
        return [dict(r) for r in session.execute(
            select(table).order_by(table.c.record_key, table.c.record_version)).mappings()]


def test_utf8_csv_loads_every_row_with_typed_values(entry):
    client, code = entry
    load = run(client, code, csv_bytes(people(5)))
    assert load.status == "committed"
    assert {k: load.result[k] for k in ("received", "inserted", "updated", "unchanged", "rejected")} == {
        "received": 5, "inserted": 5, "updated": 0, "unchanged": 0, "rejected": 0}
    rows = current(client, code)
    assert [r["record_key"] for r in rows] == sorted(id_number(i) for i in range(5))
    assert {r["amount"] for r in rows} == {1050}  # money as fen
    assert all(r["record_version"] == 1 and r["content_hash"] for r in rows)


def test_gb18030_csv_is_detected_and_read(entry):
    client, code = entry
    data = csv_bytes([[id_number(1), "欧阳䶮", "3.00"]], encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    load = run(client, code, data)
    assert load.encoding == "gb18030" and load.result["inserted"] == 1
    assert current(client, code)[0]["name"] == "欧阳䶮"


def test_xlsx_with_typed_cells_loads(entry):
    client, code = entry
    book = Workbook()
    sheet = book.active
    sheet.append(["身份证", "姓名", "补贴金额"])  # first column does not match: mapped by hand below
    sheet.append([id_number(7), "张三", 12.5])
    sheet.append([None, None, None])  # a blank worksheet row is not a record
    sheet.append([id_number(8), "李四", 100])
    buffer = io.BytesIO()
    book.save(buffer)
    load = run(client, code, buffer.getvalue(), filename="名单.xlsx",
               mapping={"身份证": "id_number", "姓名": "name", "补贴金额": "amount"})
    assert load.file_format == "xlsx" and load.result["inserted"] == 2
    assert sorted(r["amount"] for r in current(client, code)) == [1250, 10000]


def test_reloading_the_same_rows_changes_nothing_and_changed_rows_become_new_versions(entry):
    client, code = entry
    run(client, code, csv_bytes(people(4)))
    again = run(client, code, csv_bytes(people(4)))
    assert (again.result["inserted"], again.result["unchanged"]) == (0, 4)
    changed = run(client, code, csv_bytes(people(2, amount="99.00") + people(1, start=10)))
    assert {k: changed.result[k] for k in ("inserted", "updated", "unchanged")} == {
        "inserted": 1, "updated": 2, "unchanged": 0}
    rows = current(client, code)
    assert len(rows) == 4 + 2 + 1  # old versions kept
    assert max(r["record_version"] for r in rows) == 2


def test_a_key_repeated_across_chunks_gets_versions_in_order(entry, monkeypatch):
    client, code = entry
    monkeypatch.setattr(readers, "CHUNK_ROWS", 2)
    monkeypatch.setattr(readers, "BLOCK_SIZE", 64)  # several reader batches → several chunks
    rows = people(3) + [[id_number(0), "居民0", "20.00"]] + [[id_number(0), "居民0", "30.00"]]
    load = run(client, code, csv_bytes(rows))
    assert load.result["status"] == "committed"
    key_rows = [r for r in current(client, code) if r["record_key"] == id_number(0)]
    # the last row of a key in the file is its current value; versions never collide
    assert [r["amount"] for r in key_rows][-1] == 3000
    assert len({r["record_version"] for r in key_rows}) == len(key_rows)


def test_mode_all_writes_nothing_but_keeps_the_record_of_the_attempt(entry):
    client, code = entry
    bad = people(3) + [[id_number(3)[:-1] + "0", "坏号", "1.00"], [id_number(4), "", "abc"]]
    with pytest.raises(DomainError) as caught:
        run(client, code, csv_bytes(bad))
    assert caught.value.code == "batch_rejected"
    assert current(client, code) == []
    with client.db.session() as session:
        load = session.scalars(select(FileLoad).order_by(FileLoad.id.desc())).first()
        batch = session.get(Batch, load.batch_id)
        assert load.status == "rejected" and batch.status == "rejected" and batch.rejected == 2
        assert [r["row"] for r in load.result["rejections"]] == [5, 6]  # file rows: the header is row 1


def test_partial_mode_commits_good_rows_and_reports_every_bad_one(entry):
    client, code = entry
    good = people(4)
    bad = [[id_number(20)[:-1] + ("0" if id_number(20)[-1] != "0" else "1"), "校验位错", "1.00"],
           [id_number(21), "", "2.00"], [id_number(22), "金额错", "1.234"]]
    load = run(client, code, csv_bytes(good[:2] + bad + good[2:]), mode="partial")
    assert (load.result["inserted"], load.result["rejected"]) == (4, 3)
    codes = {r["row"]: [p["code"] for p in r["problems"]] for r in load.result["rejections"]}
    assert codes == {4: ["invalid_id_number"], 5: ["required"], 6: ["invalid_value"]} or set(codes) == {4, 5, 6}
    with client.app.state.sessions() as session:
        path = service.rejection_report(session, actor(client), load.id)
        session.commit()
    lines = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    assert lines[0][:3] == ["行号", "记录主键", "问题"] and lines[0][3:] == HEADER
    assert [line[0] for line in lines[1:]] == ["4", "5", "6"]
    assert lines[2][4] == "" and "必填" in lines[2][2]


def test_rows_with_the_wrong_number_of_fields_are_rejected_not_lost(entry):
    client, code = entry
    lines = csv_bytes(people(2) + [[id_number(5), "多一列", "1.00", "extra"]] + people(1, start=9)).decode()
    data = lines.encode()
    load = run(client, code, data, mode="partial")
    assert (load.result["inserted"], load.result["rejected"]) == (3, 1)
    assert load.result["rejections"][0]["row"] == 4
    assert load.result["rejections"][0]["problems"][0]["code"] == "row_malformed"


def test_mapping_must_cover_every_column_and_the_key(entry):
    client, code = entry
    who = actor(client)
    with client.app.state.sessions() as session:
        load = service.upload_file(session, who, code, "x.csv", io.BytesIO(csv_bytes([people(1)[0] + ["内部使用"]], header=[
            "公民身份号码", "姓名", "补贴金额", "内部备注"])))
        assert load.mapping == {"公民身份号码": "id_number", "姓名": "name", "补贴金额": "amount", "内部备注": None}
        with pytest.raises(DomainError) as missing:
            service.map_columns(session, who, load.id, {"公民身份号码": "id_number"})
        assert missing.value.code == "columns_unmapped"
        with pytest.raises(DomainError) as no_key:
            service.map_columns(session, who, load.id, {"公民身份号码": None, "姓名": "name", "补贴金额": "amount",
                                                        "内部备注": None})
        assert no_key.value.code == "mapping_invalid"
        with pytest.raises(DomainError) as twice:
            service.map_columns(session, who, load.id, {"公民身份号码": "id_number", "姓名": "name",
                                                        "补贴金额": "name", "内部备注": None})
        assert twice.value.code == "mapping_invalid"
        # an ignored column is not collected
        service.map_columns(session, who, load.id, load.mapping)
        done = service.run_file_load(session, who, load.id)
        session.commit()
    assert done.result["inserted"] == 1
    assert "内部备注" not in current(client, code)[0]


@pytest.mark.parametrize("data, code_", [
    (b"", "file_empty"),
    (b"\x81\x30\x81\x30\xff\xff\xff\xfe,\n", "file_encoding"),
    ("身份证,姓名,身份证\n1,2,3\n".encode(), "file_duplicate_column"),
])
def test_unreadable_files_are_refused_with_a_reason(entry, data, code_):
    client, code = entry
    with client.app.state.sessions() as session, pytest.raises(DomainError) as caught:
        service.upload_file(session, actor(client), code, "bad.csv", io.BytesIO(data))
    assert caught.value.code == code_


def test_a_retry_with_the_same_idempotency_key_is_answered_not_applied(entry):
    client, code = entry
    first = run(client, code, csv_bytes(people(3)), idempotency_key="legacy-2026-11")
    second = run(client, code, csv_bytes(people(3)), idempotency_key="legacy-2026-11")
    assert second.result["batch_id"] == first.result["batch_id"]
    assert len(current(client, code)) == 3


def test_another_departments_manager_cannot_load(entry):
    client, code = entry
    with client.app.state.sessions() as session, pytest.raises(Forbidden):
        service.upload_file(session, actor(client, "hr_manager"), code, "x.csv", io.BytesIO(csv_bytes(people(1))))


def test_the_uploaded_file_is_kept_by_its_digest(entry):
    client, code = entry
    load = run(client, code, csv_bytes(people(2)))
    stored = Path(client.app.state.settings.home) / "uploads" / load.stored_name
    assert stored.read_bytes() == csv_bytes(people(2))
    assert load.stored_name.startswith(load.digest)


def test_a_bulk_load_leaves_the_table_measurement_to_the_quality_job(entry, monkeypatch):
    from govdata.aggregation.models import QualitySnapshot
    from govdata.aggregation.service import quality
    from govdata.core.actor import platform_actor

    client, code = entry
    monkeypatch.setattr(quality, "FULL_IN_BATCH_MAX", 2)
    run(client, code, csv_bytes(people(3)))
    with client.app.state.sessions() as session:
        first = session.scalars(select(QualitySnapshot)).one()
        assert not first.full and first.completeness is None and first.validity == 1.0
        summary = quality.refresh_stale_quality(session, platform_actor())
        session.commit()
    assert summary["refreshed"] == 1
    with client.db.session() as session:
        latest = session.scalars(select(QualitySnapshot).order_by(QualitySnapshot.id.desc())).first()
        assert latest.full and latest.completeness == 1.0 and latest.current_rows == 3
