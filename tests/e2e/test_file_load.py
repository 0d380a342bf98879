"""The file-load acceptance test (AGG-5), driven through a real browser: a department data manager opens a
published structured dataset, uploads a CSV with three bad rows in partial mode, maps its columns (a column
left without a choice is refused in place), starts the load, waits for the result, sees 3 rejected rows and
downloads the rejection report, which lists those 3 rows with their reasons.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from govdata.core.db import make_engine, make_session_factory
from tests.aggregation.test_file_pages import HEADER, bad_rows, csv_bytes, good_rows
from tests.aggregation.test_push import ITEMS
from tests.catalog.helpers import publish
from tests.conftest import TEST_SETTINGS, Database
from tests.e2e.helpers import sign_in

pytestmark = pytest.mark.e2e

GOOD = 20


def published_dataset(base_url: str, tmp_path: Path) -> str:
    """Register, review and publish a structured entry through the API of the live server (personal tokens
    made in its database); the publication makes its dataset table."""
    url = f"sqlite:///{tmp_path / 'govdata.db'}"  # the live server's copy (tests/e2e/conftest.py)
    engine = make_engine(url)
    try:
        with httpx.Client(base_url=base_url, timeout=10.0) as api:
            api.db = Database("sqlite", url, engine, make_session_factory(engine, TEST_SETTINGS))  # type: ignore[attr-defined]
            return publish(api, items=ITEMS)  # type: ignore[arg-type]
    finally:
        engine.dispose()


def test_partial_csv_load_with_three_bad_rows_and_the_report(page: Page, live_server: str, tmp_path: Path) -> None:
    code = published_dataset(live_server, tmp_path)
    data = tmp_path / "居民补贴发放名单.csv"
    data.write_bytes(csv_bytes(good_rows(GOOD) + bad_rows()))

    # 1. the data manager opens the dataset's file loads and uploads the file in partial mode
    sign_in(page, "ps_manager")
    page.goto(f"/aggregation/datasets/{code}/loads")
    expect(page.get_by_role("heading", level=1)).to_contain_text("文件导入")
    expect(page.get_by_test_id("no-loads")).to_be_visible()
    page.get_by_label("数据文件（CSV 或 .xlsx）").set_input_files(data)
    page.get_by_label(re.compile("^部分入库")).check()
    page.get_by_role("button", name="上传文件").click()

    # 2. the mapping: proposed by item name, 备注 waits for a choice; starting without it is refused in place
    expect(page).to_have_url(re.compile(rf"/aggregation/datasets/{code}/loads/\d+$"))  # the mode is kept with the load
    expect(page.get_by_test_id("mapping-row")).to_have_count(len(HEADER))
    expect(page.get_by_label("公民身份号码", exact=True)).to_have_value("id_number")
    expect(page.get_by_label("补贴金额", exact=True)).to_have_value("amount")
    expect(page.get_by_label("备注", exact=True)).to_have_value("")
    expect(page.get_by_test_id("mapping-table")).to_contain_text("居民0")  # sample values
    expect(page.get_by_label(re.compile("^部分入库"))).to_be_checked()
    page.get_by_role("button", name="开始导入").click()
    expect(page.get_by_test_id("error")).to_contain_text("备注")
    page.get_by_label("备注", exact=True).select_option(label="不导入")
    page.get_by_role("button", name="开始导入").click()

    # 3. progress (polled) until the result: 20 written, 3 rejected with their reasons
    expect(page.get_by_role("heading", level=1)).to_contain_text("导入结果", timeout=30_000)
    expect(page.get_by_test_id("load-status")).to_have_text("已入库")
    expect(page.get_by_test_id("count-received")).to_have_text(str(GOOD + 3))
    expect(page.get_by_test_id("count-inserted")).to_have_text(str(GOOD))
    expect(page.get_by_test_id("count-rejected")).to_have_text("3")
    rejected = page.get_by_test_id("rejections-table").locator("tr:has(td)")
    expect(rejected).to_have_count(3)
    expect(page.get_by_test_id("rejections-table")).to_contain_text("身份证号码校验位错误")

    # 4. the rejection report lists exactly those rows, with their reasons and original values
    with page.expect_download() as info:
        page.get_by_role("link", name="下载拒收报告").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    report = Path(download.path()).read_bytes()
    assert report.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(report.decode("utf-8-sig"))))
    assert lines[0] == ["行号", "记录主键", "问题", *HEADER]
    first_bad = GOOD + 2  # the header is line 1
    assert [line[0] for line in lines[1:]] == [str(first_bad), str(first_bad + 1), str(first_bad + 2)]
    by_line = {line[0]: line for line in lines[1:]}
    assert "身份证号码校验位错误" in by_line[str(first_bad)][2] and by_line[str(first_bad)][4] == "错号"
    assert "姓名（name）为必填项" in by_line[str(first_bad + 1)][2]
    assert "应为金额" in by_line[str(first_bad + 2)][2] and by_line[str(first_bad + 2)][5] == "abc"

    # 5. the load is on the dataset's list
    page.get_by_role("link", name="返回导入记录").click()
    expect(page.get_by_test_id("loads-table")).to_contain_text(data.name)
    expect(page.get_by_test_id("loads-table")).to_contain_text("已入库")
