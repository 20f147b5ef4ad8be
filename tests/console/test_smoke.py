from django.urls import reverse


def test_home_shows_the_resellers_name(triad, member_client):
    response = member_client.get(reverse("console:home"))
    assert response.status_code == 200
    assert "Alpha Resale" in response.content.decode()
