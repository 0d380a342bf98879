from tests.conftest import bearer, login


def test_signed_in_manager_sees_home(client):
    login(client, "ps_manager")
    page = client.get("/")
    assert page.status_code == 200
    assert "云川市公安局" in page.text


def test_api_lists_departments(client):
    response = client.get("/api/v1/departments", headers=bearer(client, "admin"))
    assert response.status_code == 200
    assert response.json()["total"] >= 20
