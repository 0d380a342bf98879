"""What a file load tells a clerk is what happened (issue 13): a file without data rows is refused, said once
and plainly, and changes nothing — no load, no batch, no 最近汇聚, no timeliness; the 入库方式 chosen at
upload stays with the load."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from govdata.aggregation.models import Batch, FileLoad
from tests.aggregation.test_file_pages import HEADER, csv_bytes, good_rows, upload_api, upload_page, xlsx_bytes
from tests.aggregation.test_push import ITEMS
from tests.catalog.helpers import publish
from tests.conftest import bearer, csrf_from, login


@pytest.fixture
def entry(data_client):
    return data_client, publish(data_client, items=ITEMS)


def _state(client, code) -> tuple[int, int, dict]:
    """Loads and batches on record, and the dataset's 最近汇聚 and timeliness as its API twin shows them."""
    with client.db.session() as session:
        loads = session.scalar(select(func.count()).select_from(FileLoad))
        batches = session.scalar(select(func.count()).select_from(Batch))
    shown = client.get(f"/api/v1/datasets/{code}", headers=bearer(client, "ps_manager")).json()
    return loads, batches, {"last_batch_at": shown["last_batch_at"], "timeliness": shown["timeliness"]}


def _alert(html: str) -> str:
    found = re.search(r'data-testid="error">(.*?)</div>', html, re.S)
    return found.group(1) if found else ""


@pytest.mark.parametrize("content, filename", [
    (csv_bytes([]), "只有列名.csv"),
    (csv_bytes([]) + b"\n\n", "列名和空行.csv"),
    (xlsx_bytes([]), "只有列名.xlsx"),
])
def test_a_file_without_data_rows_is_refused_and_changes_nothing(entry, content, filename):
    client, code = entry
    token = login(client, "ps_manager")
    before = _state(client, code)
    refused = upload_page(client, code, content, filename, token)
    assert refused.status_code == 422
    assert "没有数据行" in refused.text and "全部行校验通过" not in refused.text
    assert refused.text.count("没有数据行") == 1  # beside the file field, not again in the alert
    assert _state(client, code) == before and before[2]["last_batch_at"] is None

    api = upload_api(client, code, content, filename, bearer(client, "ps_manager"))
    assert api.status_code == 422 and api.json()["code"] == "file_no_rows"
    assert _state(client, code) == before


def test_an_empty_file_and_an_unknown_encoding_are_each_said_once(entry):
    client, code = entry
    token = login(client, "ps_manager")
    empty = upload_page(client, code, b"", "empty.csv", token)
    assert empty.status_code == 422
    assert "文件为空：文件为空" not in empty.text and empty.text.count("文件为空") == 1
    assert _alert(empty.text) and "文件为空" not in _alert(empty.text)
    garbled = upload_page(client, code, b"\xff\xfe\x00\xd8" * 40, "garbled.csv", token)
    assert garbled.status_code == 422
    assert garbled.text.count("无法识别文件编码") == 1


def test_the_mode_chosen_at_upload_stays_with_the_load(entry):
    client, code = entry
    token = login(client, "ps_manager")
    uploaded = upload_page(client, code, csv_bytes(good_rows(2)), "部分.csv", token, mode="partial")
    assert uploaded.status_code == 303
    load_url = uploaded.headers["location"]
    load_id = int(load_url.rsplit("/", 1)[1])
    listed = client.get(f"/aggregation/datasets/{code}/loads")
    row = re.search(rf"<tr><td>{load_id}</td>.*?</tr>", listed.text, re.S).group(0)
    assert "部分入库" in row and "全部或全不" not in row
    reopened = client.get(load_url)  # 继续
    assert re.search(r'value="partial" checked', reopened.text) and not re.search(r'value="all" checked', reopened.text)
    assert csrf_from(reopened.text)

    # the API: the mode given at upload, kept when the mapping leaves it out
    headers = bearer(client, "ps_manager")
    api = client.post(f"/api/v1/datasets/{code}/loads", files={"file": ("p.csv", csv_bytes(good_rows(2, 10)))},
                      data={"mode": "partial"}, headers=headers)
    assert api.status_code == 201 and api.json()["mode"] == "partial", api.text
    mapping = {column: field for column, field in zip(HEADER, ["id_number", "name", "amount", None], strict=True)}
    mapped = client.put(f"/api/v1/loads/{api.json()['id']}/mapping", json={"mapping": mapping}, headers=headers)
    assert mapped.status_code == 200 and mapped.json()["mode"] == "partial", mapped.text
    bad = client.post(f"/api/v1/datasets/{code}/loads", files={"file": ("p.csv", csv_bytes(good_rows(1, 20)))},
                      data={"mode": "some"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "mode"
