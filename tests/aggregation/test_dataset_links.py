"""No dead ends from a dataset's page (issue 13): each link it shows opens for the person who sees it — a link
to a page the policy refuses (文件导入 for a department's data user) is not shown."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from govdata.org.models import User
from tests.aggregation.test_push import ITEMS
from tests.catalog.helpers import publish
from tests.conftest import bearer, login

PASSWORD = "Data#User2026x"


@pytest.fixture
def dataset(data_client):
    client = data_client
    code = publish(client, items=ITEMS)  # of the public security bureau (ps_manager's department)
    with client.db.session() as session:
        department_id = session.scalar(select(User.department_id).where(User.username == "ps_manager"))
    made = client.post("/api/v1/users", headers=bearer(client, "admin"), json={
        "username": "ps_user", "display_name": "公安数据使用人", "department_id": department_id,
        "roles": ["data_user"], "password": PASSWORD})
    assert made.status_code == 201, made.text
    return client, code


@pytest.mark.parametrize("username, loads_link", [
    ("ps_user", False), ("ps_reviewer", True), ("ps_manager", True), ("supervisor", True), ("admin", True)])
def test_every_link_of_the_dataset_page_opens(dataset, username, loads_link):
    client, code = dataset
    login(client, username, PASSWORD if username == "ps_user" else None)
    page = client.get(f"/aggregation/datasets/{code}")
    assert page.status_code == 200
    assert (f'href="/aggregation/datasets/{code}/loads"' in page.text) is loads_link
    links = {href for href in re.findall(r'href="(/[^"#]*)"', page.text)
             if not href.startswith(("/static/", "/api/")) and href != "/logout"}
    assert f"/catalog/{code}" in links
    for href in sorted(links):
        opened = client.get(href, headers={"accept": "text/html"})
        assert opened.status_code == 200, (username, href, opened.status_code)
