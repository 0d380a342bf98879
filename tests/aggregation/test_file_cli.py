"""``govdata load``: a CSV or XLSX file into a dataset from the command line (AGG-5), with the proposed mapping,
``--map``/``--ignore`` overrides, ``--as`` a user, the mode, the report path and the exit code — both
databases."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from govdata.aggregation.models import Batch, FileLoad
from govdata.cli import app
from govdata.config import get_settings
from tests.aggregation.test_file_pages import HEADER, bad_rows, csv_bytes, good_rows, xlsx_bytes
from tests.aggregation.test_push import ITEMS, rows
from tests.catalog.helpers import publish
from tests.conftest import TEST_SECRET


runner = CliRunner()


@pytest.fixture
def cli(data_client, tmp_path, monkeypatch):
    """The command pointed at the test database and the app's $GOVDATA_HOME; returns (client, code, run)."""
    code = publish(data_client, items=ITEMS)
    monkeypatch.setenv("GOVDATA_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GOVDATA_DATABASE_URL", data_client.db.url)
    monkeypatch.setenv("GOVDATA_SECRET_KEY", TEST_SECRET)
    get_settings.cache_clear()

    def run(*args: str):
        return runner.invoke(app, ["load", code, *args])

    yield data_client, code, run
    get_settings.cache_clear()


def write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def loads(client) -> list[FileLoad]:
    with client.db.session() as session:
        return list(session.scalars(select(FileLoad).order_by(FileLoad.id)))


def test_partial_load_prints_the_counts_and_the_report_path(cli, tmp_path):
    client, code, run = cli
    path = write(tmp_path, "补贴.csv", csv_bytes(good_rows(4) + bad_rows()))
    result = run(path, "--mode", "partial", "--ignore", "备注")
    assert result.exit_code == 0, result.output
    assert "received=7  inserted=4  updated=0  unchanged=0  rejected=3" in result.output
    assert "第6行" in result.output and "第8行" in result.output
    report = Path(result.output.split("rejection report: ", 1)[1].split("\n", 1)[0].strip())
    lines = list(csv.reader(io.StringIO(report.read_text(encoding="utf-8-sig"))))
    assert lines[0] == ["行号", "记录主键", "问题", *HEADER] and [line[0] for line in lines[1:]] == ["6", "7", "8"]
    assert all(line[2] for line in lines[1:])
    assert len(rows(client, code)) == 4
    [load] = loads(client)
    assert (load.status, load.mode, load.mapping["备注"], load.actor_name) == ("committed", "partial", None,
                                                                            "govdata-cli")


def test_a_column_neither_mapped_nor_ignored_is_refused_by_name(cli, tmp_path):
    client, _, run = cli
    result = run(write(tmp_path, "a.csv", csv_bytes(good_rows(2))))
    assert result.exit_code == 1
    assert "备注" in result.output and "既未对应信息项也未声明不导入" in result.output
    assert loads(client) == []  # nothing recorded


def test_map_overrides_names_and_as_acts_as_that_user(cli, tmp_path):
    client, code, run = cli
    path = write(tmp_path, "legacy.xlsx", xlsx_bytes(good_rows(3), header=["身份证号", "名字", "金额", "备注"]))
    refused = run(path, "--map", "身份证号=id_number", "--map", "名字=name", "--map", "金额=amount",
                  "--ignore", "备注", "--as", "hr_manager")
    assert refused.exit_code == 1 and "无权" in refused.output
    done = run(path, "--map", "身份证号=id_number", "--map", "名字=name", "--map", "金额=amount",
               "--ignore", "备注", "--as", "ps_manager")
    assert done.exit_code == 0, done.output
    assert "inserted=3" in done.output and "rejection report" not in done.output
    assert [r["name"] for r in rows(client, code)] == ["居民0", "居民1", "居民2"]
    with client.db.session() as session:
        assert session.scalars(select(Batch.actor_name)).all() == ["ps_manager"]
    assert run(path, "--map", "名字", "--as", "ps_manager").exit_code == 1  # not COL=FIELD
    assert run(path, "--as", "nobody").exit_code == 1


def test_mode_all_with_bad_rows_exits_1_and_names_the_report(cli, tmp_path):
    client, code, run = cli
    result = run(write(tmp_path, "b.csv", csv_bytes(good_rows(2) + bad_rows())), "--ignore", "备注")
    assert result.exit_code == 1
    assert "rejected=3" in result.output and "rejection report: " in result.output
    assert "整批未写入" in result.output
    assert rows(client, code) == []
    [load] = loads(client)
    assert load.status == "rejected" and load.report_name


def test_a_rerun_with_the_same_idempotency_key_is_answered_not_applied(cli, tmp_path):
    client, _, run = cli
    path = write(tmp_path, "c.csv", csv_bytes(good_rows(3)))
    first = run(path, "--ignore", "备注", "--idempotency-key", "migration-2024-001")
    second = run(path, "--ignore", "备注", "--idempotency-key", "migration-2024-001")
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    assert "inserted=3" in second.output
    with client.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Batch)) == 1
