"""HTML forms: changes go through the services, bad input is answered in place, nothing half-written."""

from __future__ import annotations

from sqlalchemy import func, select

from govdata.core.validators import make_credit_code
from govdata.org.models import Department, User
from tests.conftest import PASSWORDS, login


def count(client, model) -> int:
    with client.db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_admin_creates_a_department_in_the_ui(client):
    token = login(client, "admin")
    code = make_credit_code("1", "1", "990121", "01219901")
    response = client.post("/departments", data={"csrf_token": token, "name": "青河县统计局", "kind": "行政机关",
                                                 "credit_code": code, "region_code": "990121"},
                           follow_redirects=False)
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "青河县统计局" in page.text and code in page.text


def test_bad_credit_code_is_shown_in_place_and_nothing_written(client):
    token = login(client, "admin")
    before = count(client, Department)
    response = client.post("/departments", data={"csrf_token": token, "name": "测试局", "kind": "行政机关",
                                                 "credit_code": "11990121012199010X", "region_code": "990121"})
    assert response.status_code == 422
    assert 'class="field-error"' in response.text and "校验" in response.text
    assert 'value="测试局"' in response.text  # what the user typed is kept
    assert count(client, Department) == before


def test_manager_cannot_create_departments(client):
    token = login(client, "ps_manager")
    page = client.get("/departments")
    assert "新增部门" not in page.text
    response = client.post("/departments", data={"csrf_token": token, "name": "x", "kind": "行政机关",
                                                 "credit_code": make_credit_code("1", "1", "990121", "01219902"),
                                                 "region_code": "990121"}, headers={"accept": "text/html"})
    assert response.status_code == 403


def test_admin_disables_a_user_who_is_then_signed_out(client):
    from fastapi.testclient import TestClient

    with TestClient(client.app) as other:
        login(other, "mca_user")
        assert other.get("/").status_code == 200
        token = login(client, "admin")
        with client.db.session() as session:
            user_id = session.scalar(select(User.id).where(User.username == "mca_user"))
        response = client.post(f"/users/{user_id}", data={"csrf_token": token, "display_name": "民政数据使用人",
                                                          "roles": ["data_user"]}, follow_redirects=False)
        assert response.status_code == 303
        assert other.get("/", headers={"accept": "text/html"}, follow_redirects=False).status_code == 303
    with client.db.session() as session:
        user = session.scalar(select(User).where(User.username == "mca_user"))
        assert user.active is False and user.display_name == "民政数据使用人"


def test_password_change_in_the_ui(client):
    token = login(client, "mca_user")
    weak = client.post("/me/password", data={"csrf_token": token, "current_password": PASSWORDS["mca_user"],
                                             "new_password": "short"})
    assert weak.status_code == 422 and "长度至少10位" in weak.text
    wrong = client.post("/me/password", data={"csrf_token": token, "current_password": "nope",
                                              "new_password": "Better#Pass2026"})
    assert wrong.status_code == 422 and "当前密码不正确" in wrong.text
    ok = client.post("/me/password", data={"csrf_token": token, "current_password": PASSWORDS["mca_user"],
                                           "new_password": "Better#Pass2026"}, follow_redirects=False)
    assert ok.status_code == 303
    client.cookies.clear()
    login(client, "mca_user", "Better#Pass2026")
