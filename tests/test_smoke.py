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


def test_the_server_keeps_the_configured_number_of_connections(tmp_path):
    """Operators size the pool to their database's connection limit (GOVDATA_DB_POOL_SIZE / _MAX_OVERFLOW)."""
    from govdata.app import create_app
    from govdata.config import Settings

    app = create_app(Settings(home=tmp_path, secret_key="x", db_pool_size=3, db_max_overflow=2))
    try:
        assert (app.state.engine.pool.size(), app.state.engine.pool._max_overflow) == (3, 2)
    finally:
        app.state.engine.dispose()
