from tests.conftest import login


def test_login_and_dashboard(client, world):
    response = login(client, world.leader)
    assert response.status_code == 302
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Khối thi đua Tổng hợp" in page.get_data(as_text=True)
