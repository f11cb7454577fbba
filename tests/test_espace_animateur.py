"""The animateur's space, end to end: a Mission locale's animateur, coordinator of a structure
limited to its communes and running Profession-emploi, reviews the applications, runs the
matching, confirms a proposal, follows the pairs, publishes an event, reads their convention
and produces its report — and sees nothing of another programme, nor of their programme's
people outside their communes (absent from the lists, 404 on the pages, ignored by actions)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from mentorat.models import User
from parrainages.models import Candidature, MatchingRun, Parrainage
from partenaires import services as partenaires_services
from partenaires.models import Rapport
from programmes.models import Evenement, Structure
from tests.mentorat.factories import UserFactory, connecter
from tests.parrainages.factories import ParrainageFactory
from tests.parrainages.helpers import parrain, retenu
from tests.partenaires.factories import ConventionFactory
from tests.programmes.factories import EvenementFactory, ProgrammeFactory, StructureFactory

pytestmark = pytest.mark.django_db

TOULOUSE = {"latitude": 43.6047, "longitude": 1.4442, "departement": "31"}
MURET = {"latitude": 43.4617, "longitude": 1.3267, "departement": "31"}


def _candidature(programme, coords):
    candidature = retenu(programme, coords=coords)
    Candidature.objects.filter(pk=candidature.pk).update(
        statut=Candidature.Statut.DEPOSEE, decidee_le=None
    )
    candidature.refresh_from_db()
    return candidature


def _ids(response):
    return {objet.pk for objet in response.context["cl"].result_list}


def _action(client, modele, action, objets, **extra):
    return client.post(
        reverse(f"admin:{modele}_changelist"),
        {"action": action, "_selected_action": [o.pk for o in objets], "index": "0", **extra},
    )


@pytest.fixture
def monde(private_storage_dir, django_capture_on_commit_callbacks):
    mission_locale = StructureFactory(
        nom="Mission locale Haute-Garonne", type=Structure.Type.MISSION_LOCALE
    )
    pe = ProgrammeFactory(
        slug="profession-emploi",
        departements=["31"],
        distance_max_km=30,
        offre_reguliere=True,
        structure=mission_locale,
    )
    autre = ProgrammeFactory(slug="autre-programme", offre_reguliere=True)
    # Two Toulouse applications (the animateur's commune), one from Muret (same département,
    # not one of their communes), one to the other programme.
    toulouse = [_candidature(pe, TOULOUSE) for _ in range(2)]
    mission_locale.communes.set([toulouse[0].filleul.commune, toulouse[1].filleul.commune])
    muret = _candidature(pe, MURET)
    ailleurs = _candidature(autre, TOULOUSE)
    mentor = parrain(pe, coords=TOULOUSE, distance=False)
    mentor.commune = toulouse[0].filleul.commune
    mentor.save(update_fields=["commune"])
    mentor_muret = parrain(pe, coords=MURET, distance=False)
    # A stalled pair in each programme (no meeting for two months).
    depuis = timezone.localdate() - dt.timedelta(days=60)
    en_panne_pe = ParrainageFactory(
        programme=pe,
        actif=True,
        date_debut=depuis,
        filleul=toulouse[1].filleul,
        parrain=parrain(pe, coords=TOULOUSE),
    )
    en_panne_autre = ParrainageFactory(programme=autre, actif=True, date_debut=depuis)
    evenements = {
        "pe": EvenementFactory(programme=pe, titre="Table ronde aéronautique"),
        "autre": EvenementFactory(programme=autre, titre="Job dating de l'autre programme"),
    }
    conventions = {
        "pe": ConventionFactory(reference="CONV-PE", active=True),
        "autre": ConventionFactory(reference="CONV-AUTRE", active=True),
    }
    conventions["pe"].programmes.set([pe])
    conventions["autre"].programmes.set([autre])
    with django_capture_on_commit_callbacks(execute=True):
        rapport_autre = partenaires_services.rapport_demander(
            convention=conventions["autre"],
            debut=dt.date(2026, 1, 1),
            fin=dt.date(2026, 3, 31),
            sur_le_champ=True,
        )
    rapport_autre.refresh_from_db()
    assert rapport_autre.est_pret and rapport_autre.pdf
    animateur = UserFactory(is_staff=True, structure=mission_locale, email="animateur@ml31.fr")
    return {
        "pe": pe,
        "autre": autre,
        "mission_locale": mission_locale,
        "toulouse": toulouse,
        "muret": muret,
        "ailleurs": ailleurs,
        "mentor": mentor,
        "mentor_muret": mentor_muret,
        "en_panne_pe": en_panne_pe,
        "en_panne_autre": en_panne_autre,
        "evenements": evenements,
        "conventions": conventions,
        "rapport_autre": rapport_autre,
        "animateur": animateur,
    }


def test_the_animateur_runs_their_programme_end_to_end_and_sees_nothing_else(
    client, monde, django_capture_on_commit_callbacks
):
    m = monde
    pe, autre = m["pe"], m["autre"]
    connecter(client, m["animateur"])

    # 1. Their programme only, in the programmes' list; the other one answers 404.
    programmes = client.get(reverse("admin:programmes_programme_changelist"))
    assert _ids(programmes) == {pe.pk}
    assert (
        client.get(reverse("admin:programmes_programme_change", args=[autre.pk])).status_code == 404
    )
    assert (
        client.get(reverse("admin:programmes_programme_regions", args=[autre.pk])).status_code
        == 404
    )

    # 2. Applications: their communes' only; retaining, with the others' ids forced in, retains
    # theirs and leaves the others as they were.
    candidatures = client.get(reverse("admin:parrainages_candidature_changelist"))
    assert _ids(candidatures) == {c.pk for c in m["toulouse"]}
    for hors in (m["muret"], m["ailleurs"]):
        url = reverse("admin:parrainages_candidature_change", args=[hors.pk])
        assert client.get(url).status_code == 404
    response = _action(
        client,
        "parrainages_candidature",
        "retenir",
        [m["toulouse"][0], m["muret"], m["ailleurs"]],
    )
    assert response.status_code == 302
    statuts = dict(Candidature.objects.values_list("pk", "statut"))
    assert statuts[m["toulouse"][0].pk] == Candidature.Statut.RETENUE
    assert statuts[m["muret"].pk] == statuts[m["ailleurs"].pk] == Candidature.Statut.DEPOSEE
    # Muret's applicant is retained by someone who may (the Mission locale does not see it).
    Candidature.objects.filter(pk=m["muret"].pk).update(statut=Candidature.Statut.RETENUE)

    # 3. Matching, launched on both programmes: only theirs runs, on their communes only.
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(client, "programmes_programme", "lancer_appariement", [pe, autre])
    assert response.status_code == 302
    run = MatchingRun.objects.get()
    assert run.programme == pe and run.statut == MatchingRun.Statut.TERMINE
    assert run.structure == m["mission_locale"] and run.departements == []
    assert set(run.communes) == {c.filleul.commune.code_insee for c in m["toulouse"]}
    [proposition] = Parrainage.objects.filter(matching_run=run)
    assert (proposition.filleul_id, proposition.parrain_id) == (
        m["toulouse"][0].filleul_id,
        m["mentor"].pk,
    )
    assert run.filleuls == 1  # Muret's retained applicant was not read
    runs = client.get(reverse("admin:parrainages_matchingrun_changelist"))
    assert _ids(runs) == {run.pk}

    # 4. The proposal is confirmed (sent to the mentor); the other programme's pair is ignored.
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(
            client,
            "parrainages_parrainage",
            "confirmer",
            [proposition, m["en_panne_autre"]],
            post="yes",
        )
    assert response.status_code in (200, 302)
    proposition.refresh_from_db()
    assert proposition.statut == Parrainage.Statut.ATTENTE_PARRAIN
    parrainages = client.get(reverse("admin:parrainages_parrainage_changelist"))
    assert _ids(parrainages) == {proposition.pk, m["en_panne_pe"].pk}
    url = reverse("admin:parrainages_parrainage_change", args=[m["en_panne_autre"].pk])
    assert client.get(url).status_code == 404

    # 5. Follow-up: their stalled pair, not the other programme's.
    suivi = client.get(reverse("admin:parrainages_parrainage_suivi"))
    assert suivi.status_code == 200
    assert [p.pk for p in suivi.context["en_panne"]] == [m["en_panne_pe"].pk]
    assert "Job dating" not in suivi.content.decode()

    # 6. Events: theirs is listed and published; the other programme's is neither.
    evenements = client.get(reverse("admin:programmes_evenement_changelist"))
    assert _ids(evenements) == {m["evenements"]["pe"].pk}
    _action(
        client,
        "programmes_evenement",
        "publier",
        [m["evenements"]["pe"], m["evenements"]["autre"]],
    )
    statuts = dict(Evenement.objects.values_list("titre", "statut"))
    assert statuts["Table ronde aéronautique"] == Evenement.Statut.PUBLIE
    assert statuts["Job dating de l'autre programme"] != Evenement.Statut.PUBLIE
    url = reverse("admin:programmes_evenement_change", args=[m["evenements"]["autre"].pk])
    assert client.get(url).status_code == 404

    # 7. Conventions: theirs, its PDF and a report on it; nothing of the other one.
    conventions = client.get(reverse("admin:partenaires_convention_changelist"))
    assert _ids(conventions) == {m["conventions"]["pe"].pk}
    mienne, autre_convention = m["conventions"]["pe"], m["conventions"]["autre"]
    pdf = client.get(reverse("admin:partenaires_convention_pdf", args=[mienne.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    for url in (
        reverse("admin:partenaires_convention_change", args=[autre_convention.pk]),
        reverse("admin:partenaires_convention_pdf", args=[autre_convention.pk]),
    ):
        assert client.get(url).status_code == 404, url
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(
            client,
            "partenaires_convention",
            "produire_rapport",
            [mienne, autre_convention],
            debut="2026-01-01",
            fin="2026-03-31",
            appliquer="1",
        )
    assert response.status_code == 302
    rapport = Rapport.objects.get(convention=mienne)
    assert rapport.statut == Rapport.Statut.PRET
    assert Rapport.objects.filter(convention=autre_convention).count() == 1  # the earlier one
    rapports = client.get(reverse("admin:partenaires_rapport_changelist"))
    assert _ids(rapports) == {rapport.pk}
    fichier = client.get(reverse("admin:partenaires_rapport_fichier", args=[rapport.pk, "pdf"]))
    assert fichier.status_code == 200
    assert b"".join(fichier.streaming_content).startswith(b"%PDF-")
    for url in (
        reverse("admin:partenaires_rapport_change", args=[m["rapport_autre"].pk]),
        reverse("admin:partenaires_rapport_fichier", args=[m["rapport_autre"].pk, "pdf"]),
    ):
        assert client.get(url).status_code == 404, url

    # 8. The people: their programme's in their communes, no one else.
    filleuls = client.get(reverse("admin:parrainages_filleul_changelist"))
    assert m["muret"].filleul_id not in _ids(filleuls)
    assert m["ailleurs"].filleul_id not in _ids(filleuls)
    assert {c.filleul_id for c in m["toulouse"]} <= _ids(filleuls)
    parrains = client.get(reverse("admin:parrainages_parrain_changelist"))
    assert m["mentor"].pk in _ids(parrains) and m["mentor_muret"].pk not in _ids(parrains)
    comptes = client.get(reverse("admin:mentorat_user_changelist"))
    assert m["ailleurs"].filleul.user_id not in _ids(comptes)
    assert User.objects.filter(pk=m["ailleurs"].filleul.user_id).exists()
