"""No page gives the same ``id`` twice: a label, a skip link or an ``aria-describedby`` would
point at the wrong element (WCAG 2.1, 4.1.1; RGAA 8.2). Every page of the access matrix is
opened once, by the first role allowed to see it."""

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.acces import MATRICE, ROLES, monde_creer
from tests.mentorat.factories import connecter
from tests.parrainages.factories import ParrainageFactory, RencontreFactory

pytestmark = pytest.mark.django_db


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = Counter()

    def handle_starttag(self, tag, attrs):
        for nom, valeur in attrs:
            if nom == "id" and valeur:
                self.ids[valeur] += 1


def ids_en_double(html: str) -> list[str]:
    lecteur = _Ids()
    lecteur.feed(html)
    return sorted(i for i, n in lecteur.ids.items() if n > 1)


def test_the_parser_finds_a_duplicate():
    assert ids_en_double('<input id="id_lieu"><p id="a"></p><input id="id_lieu">') == ["id_lieu"]


PAGES = sorted(
    (nom, next(r for r in ROLES if attendus.get(r) == 200))
    for nom, (_construire, attendus) in MATRICE.items()
    if 200 in attendus.values()
)


@pytest.mark.parametrize("nom, role", PAGES)
def test_every_id_of_a_page_is_unique(client, private_storage_dir, nom, role):
    monde = monde_creer()
    construire, _attendus = MATRICE[nom]
    if role != "anonyme":
        connecter(client, monde["users"][role])
    reponse = client.get(construire(monde))
    assert reponse.status_code == 200
    if not reponse["Content-Type"].startswith("text/html"):
        return
    assert ids_en_double(reponse.content.decode()) == []


def test_a_mentor_pair_page_with_a_refused_meeting_keeps_ids_unique(client):
    """The pair page holds the meeting form and the closing form: bound and in error, each
    form's ids stay its own."""
    pair = ParrainageFactory(actif=True, programme__offre_immersion=True)
    pair.parrain.offre_immersion = True
    pair.parrain.save()
    RencontreFactory(parrainage=pair)
    client.force_login(pair.parrain.user)
    url = reverse("parrain:rencontre_nouvelle", kwargs={"pk": pair.pk})
    page = client.post(url, {"debut": "2020-01-01T10:00", "lieu": ""}).content.decode()
    assert "id_lieu" in page
    assert ids_en_double(page) == []
    url = reverse("parrain:cloturer", kwargs={"pk": pair.pk})
    page = client.post(url, {"interrompu": "on"}).content.decode()
    assert ids_en_double(page) == []
