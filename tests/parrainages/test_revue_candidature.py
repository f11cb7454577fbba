"""Staff review an application on one page of the back office: the applicant's profile and
referrals, the eligibility criterion by criterion, the history, one button per legal decision
(made by the services), and the previous and next applications of the list they came from —
within their perimeter only."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mentorat.models import Envoi
from parrainages.eligibilite import eligibility
from parrainages.models import Candidature, EvenementCandidature, Filleul, MotifRefus
from parrainages.services import candidature_deposer
from programmes.models import NiveauDiplome, Situation
from tests.mentorat.factories import connecter, gestionnaire
from tests.mentorat.helpers import form_data
from tests.parrainages.factories import (
    CandidatureFactory,
    EvenementCandidatureFactory,
    FilleulFactory,
)
from tests.partenaires.factories import MembreFactory, PartenaireFactory, PrescriptionFactory
from tests.programmes.factories import (
    CommuneFactory,
    ProgrammeFactory,
    StructureFactory,
    affecter,
)

pytestmark = pytest.mark.django_db

S = Candidature.Statut
DIAGNOSTIC = "Vise la logistique ; permis B en cours."
PRECISION = "Projet à mûrir avec sa conseillère."
# The review page of a Gestionnaire, whatever the number of applications, history rows and
# referrals: session (with the account), permissions, perimeter, the application (with the
# applicant, their commune and account), the referrals, the programmes the list's filter
# offers (the address filters on them), the list's neighbours (one windowed query), the
# history, the content type of the history button, the reasons' list, and the request's
# savepoint and its release.
NB_REQUETES_REVUE = 12


def page(candidature, **filtres):
    url = reverse("admin:parrainages_candidature_change", args=[candidature.pk])
    if filtres:
        url += "?" + urlencode({"_changelist_filters": urlencode(filtres)})
    return url


def texte(response):
    return response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def boutons(response):
    return re.findall(r'<button type="submit" name="decision" value="(\w+)"', texte(response))


@pytest.fixture
def structure():
    return StructureFactory(nom="Mission locale Nord (structure)")


@pytest.fixture
def programme(structure):
    return ProgrammeFactory(
        nom="Parrainage Nord", structure=structure, niveau_diplome_min=NiveauDiplome.BAC_3
    )


@pytest.fixture
def staff(structure):
    return gestionnaire(structure=structure, first_name="Inès", last_name="Coordinatrice")


@pytest.fixture
def orientee(programme):
    """An adult referred by a partner's counsellor, whose application is deposited; her
    diploma is below the programme's minimum (recorded as such at the deposit)."""
    partenaire = PartenaireFactory(nom="Mission locale de la Vallée")
    conseillere = MembreFactory(
        partenaire=partenaire,
        user__email="conseillere@ml.fr",
        user__first_name="Jeanne",
        user__last_name="Martin",
    ).user
    filleul = FilleulFactory(
        user__email="sami@exemple.fr",
        user__first_name="Sami",
        user__last_name="Benali",
        user__telephone="0611223344",
        commune=CommuneFactory(nom="Clermont-Ferrand", code_insee="63113", code_postal="63000"),
        qpv_resultat=Filleul.ResultatQPV.DANS,
        qpv_nom="Les Vergnes",
        qpv_code="QN06301M",
        qpv_origine=Filleul.OrigineQPV.ADRESSE,
        niveau_diplome=NiveauDiplome.CAP_BEP,
        situation=Situation.DEMANDEUR_EMPLOI,
    )
    PrescriptionFactory(
        partenaire=partenaire,
        conseiller=conseillere,
        programme=programme,
        filleul=filleul,
        diagnostic=DIAGNOSTIC,
        freins=["mobilite"],
    )
    # Deposited while the minimum was lower; the snapshot keeps the deposit's verdict.
    programme.niveau_diplome_min = NiveauDiplome.CAP_BEP
    candidature = candidature_deposer(filleul=filleul, programme=programme)
    programme.niveau_diplome_min = NiveauDiplome.BAC_3
    candidature.eligible = False
    candidature.eligibilite = eligibility(programme, filleul).as_snapshot()
    candidature.save(update_fields=["eligible", "eligibilite"])
    mail.outbox.clear()
    return candidature


# --- What the page shows ------------------------------------------------------------------------


def test_the_page_shows_the_profile_the_criteria_and_the_history_never_json(
    client, staff, orientee
):
    connecter(client, staff)
    response = client.get(page(orientee))
    assert response.status_code == 200
    html = texte(response)
    age = orientee.filleul.age()
    for attendu in (
        "Sami Benali",
        f"{age} ans (né ou née le 17 mai 2000)",
        "Clermont-Ferrand (63000, département 63)",
        "Dans un quartier prioritaire : Les Vergnes (QN06301M)",
        "Demandeur d'emploi inscrit à France Travail",
        "CAP, BEP (niveau 3)",
        'href="tel:+33611223344"',
        'href="mailto:sami@exemple.fr"',
        "Mission locale de la Vallée — conseiller ou conseillère : Jeanne Martin",
        DIAGNOSTIC,
        "Mobilité",
        "(créditée)",
    ):
        assert attendu in html, attendu
    # Criterion by criterion, named in French, met or not in words (not by colour only).
    criteres = re.findall(
        r'<th scope="row">([^<]+)</th>\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*<td><span class="revue-'
        r'(ok|ko)"><span aria-hidden="true">(.) </span>(rempli|non rempli)</span>',
        html,
    )
    assert criteres == [("Diplôme", "ko", "✗", "non rempli")]
    assert "minimum : Bac+3 / Bac+4" in html
    assert "Non éligible au dépôt de la candidature." in html
    # The snapshot is never shown raw nor editable.
    assert '"criteres"' not in html and '"eligible"' not in html and "{" not in _corps(html)
    form = response.context["adminform"].form
    assert "eligibilite" not in form.fields and "eligible" not in form.fields
    # The history: the deposit, as told.
    assert "Nous avons bien reçu votre candidature au programme « Parrainage Nord »" in html


def _corps(html):
    """The page's main content without its scripts and styles."""
    contenu = html.split('<div id="content-main">', 1)[1]
    return re.sub(r"<(script|style)[^>]*>.*?</\1>", "", contenu, flags=re.S)


def test_criteria_met_are_ticked(client, staff, programme):
    filleul = FilleulFactory(niveau_diplome=NiveauDiplome.BAC_5)
    candidature = candidature_deposer(filleul=filleul, programme=programme)
    connecter(client, staff)
    html = texte(client.get(page(candidature)))
    assert re.search(
        r'<th scope="row">Diplôme</th>.*?<span class="revue-ok"><span aria-hidden="true">✓ '
        r"</span>rempli</span>",
        html,
        flags=re.S,
    )
    assert "Éligible au dépôt de la candidature." in html


# --- Decisions -----------------------------------------------------------------------------------

DECISIONS = [
    pytest.param(S.DEPOSEE, "etudier", S.EN_ETUDE, id="deposee-etudier"),
    # One step from "Déposée": the status machine allows it without the study.
    pytest.param(S.DEPOSEE, "retenir", S.RETENUE, id="deposee-retenir"),
    pytest.param(S.DEPOSEE, "liste_attente", S.LISTE_ATTENTE, id="deposee-liste-attente"),
    pytest.param(S.DEPOSEE, "desister", S.DESISTEE, id="deposee-desister"),
    pytest.param(S.EN_ETUDE, "retenir", S.RETENUE, id="en-etude-retenir"),
    pytest.param(S.REFUSEE, "etudier", S.EN_ETUDE, id="refusee-reexamen"),
    pytest.param(S.RETENUE, "desister", S.DESISTEE, id="retenue-desister"),
]

BOUTONS_PAR_STATUT = {
    S.DEPOSEE: ["etudier", "retenir", "liste_attente", "desister", "refuser"],
    S.EN_ETUDE: ["retenir", "liste_attente", "desister", "refuser"],
    S.LISTE_ATTENTE: ["etudier", "retenir", "desister", "refuser"],
    S.REFUSEE: ["etudier"],
    S.RETENUE: ["desister"],
    S.DESISTEE: [],
}


def _au_statut(candidature, statut):
    Candidature.objects.filter(pk=candidature.pk).update(statut=statut)
    candidature.refresh_from_db()
    return candidature


@pytest.mark.parametrize(("depart", "cle", "arrivee"), DECISIONS)
def test_each_button_makes_its_decision_through_the_service(
    client, staff, orientee, depart, cle, arrivee
):
    candidature = _au_statut(orientee, depart)
    connecter(client, staff)
    url = page(candidature, statut__exact=depart)
    reponse = client.get(url)
    assert boutons(reponse) == BOUTONS_PAR_STATUT[depart]
    avant = set(EvenementCandidature.objects.values_list("pk", flat=True))
    data = form_data(reponse)
    data["decision"] = cle
    reponse = client.post(url, data)
    # Back on the same application, the list's filters kept.
    assert reponse.status_code == 302
    assert reponse["Location"] == url
    candidature.refresh_from_db()
    assert (candidature.statut, candidature.decidee_par) == (arrivee, staff) or (
        cle == "desister" and candidature.statut == arrivee
    )
    # One move: one history row, by this staff member…
    (evenement,) = EvenementCandidature.objects.exclude(pk__in=avant)
    assert (evenement.statut, evenement.par) == (arrivee, staff)
    # … and the messages the service writes, to the applicant and the prescriber.
    cles = set(Envoi.objects.filter(cle__startswith=f"candidature_evenement:{evenement.pk}:"))
    assert len(cles) == 2
    assert sorted(a for m in mail.outbox for a in m.to) == ["conseillere@ml.fr", "sami@exemple.fr"]
    suite = texte(client.get(reponse["Location"]))
    assert "enregistrée pour « Sami Benali — Parrainage Nord »" in suite
    assert boutons(client.get(url)) == BOUTONS_PAR_STATUT[arrivee]


def test_retaining_a_new_application_is_one_step(client, staff, orientee):
    connecter(client, staff)
    data = form_data(client.get(page(orientee)))
    data["decision"] = "retenir"
    assert client.post(page(orientee), data).status_code == 302
    assert list(orientee.evenements.chronologiques().values_list("statut", flat=True)) == [
        S.DEPOSEE,
        S.RETENUE,
    ]


def test_a_refusal_needs_a_reason_from_the_list(client, staff, orientee):
    connecter(client, staff)
    data = form_data(client.get(page(orientee)))
    data.update(decision="refuser", motif=PRECISION)
    avant = (EvenementCandidature.objects.count(), Envoi.objects.count())
    reponse = client.post(page(orientee), data)
    assert reponse.status_code == 200
    html = texte(reponse)
    assert "Choisissez le motif de la décision dans la liste." in html
    orientee.refresh_from_db()
    assert orientee.statut == S.DEPOSEE
    assert (EvenementCandidature.objects.count(), Envoi.objects.count()) == avant
    assert not mail.outbox
    # With a reason of the list (one staff added), the refusal is made and told.
    motif = MotifRefus.objects.create(
        libelle="Déménagement hors du territoire",
        texte_candidat="Le programme est réservé aux habitants du territoire.",
    )
    data["motif_liste"] = motif.pk
    assert client.post(page(orientee), data).status_code == 302
    orientee.refresh_from_db()
    assert orientee.statut == S.REFUSEE
    assert orientee.motif_refus == f"Déménagement hors du territoire — {PRECISION}"
    html = texte(client.get(page(orientee)))
    assert f"Déménagement hors du territoire — {PRECISION}" in html
    assert "Inès Coordinatrice" in html
    pour_sami = next(m for m in mail.outbox if m.to == ["sami@exemple.fr"])
    assert (
        "réservé aux habitants du territoire" in pour_sami.body and PRECISION not in pour_sami.body
    )


def test_a_closed_application_offers_no_button(client, staff, orientee):
    candidature = _au_statut(orientee, S.DESISTEE)
    connecter(client, staff)
    reponse = client.get(page(candidature))
    assert boutons(reponse) == []
    assert "Aucune décision n'est possible depuis ce statut." in texte(reponse)


# --- Who sees it ---------------------------------------------------------------------------------


def test_another_structures_staff_gets_404_and_changes_nothing(client, staff, orientee):
    autre = StructureFactory(programmes=[ProgrammeFactory()])
    connecter(client, staff)
    data = form_data(client.get(page(orientee)))
    data["decision"] = "retenir"
    connecter(client, gestionnaire(structure=autre))
    assert client.get(page(orientee)).status_code == 404
    assert client.post(page(orientee), data).status_code == 404
    orientee.refresh_from_db()
    assert orientee.statut == S.DEPOSEE and orientee.evenements.count() == 1


def test_a_read_only_member_sees_no_decision_and_cannot_post_one(
    client, staff, structure, orientee
):
    connecter(client, staff)
    data = form_data(client.get(page(orientee)))
    data["decision"] = "retenir"
    lecteur = gestionnaire(structure=False)
    affecter(lecteur, structure, role="lecture")
    connecter(client, lecteur)
    reponse = client.get(page(orientee))
    assert reponse.status_code == 200
    html = texte(reponse)
    assert boutons(reponse) == [] and 'name="motif_liste"' not in html
    assert "vos droits ne permettent pas d'y décider" in html
    assert "Sami Benali" in html and DIAGNOSTIC in html
    assert client.post(page(orientee), data).status_code == 403
    orientee.refresh_from_db()
    assert orientee.statut == S.DEPOSEE


# --- Previous and next ---------------------------------------------------------------------------


@pytest.fixture
def liste(programme):
    """Applications of the programme deposited a day apart (some studied already), and
    another structure's, interleaved by date."""
    autre = ProgrammeFactory(structure=StructureFactory())
    debut = timezone.now() - dt.timedelta(days=30)
    lignes = []
    for i in range(9):
        statut = S.EN_ETUDE if i % 3 == 2 else S.DEPOSEE
        lignes.append(
            CandidatureFactory(
                programme=programme,
                statut=statut,
                created_at=debut + dt.timedelta(days=i),
                prescripteur=PartenaireFactory() if i % 2 else None,
            )
        )
        CandidatureFactory(programme=autre, created_at=debut + dt.timedelta(days=i, hours=1))
    return lignes


def _voisins(client, candidature, filtres):
    contexte = client.get(page(candidature, **filtres)).context
    sortie = []
    for cle in ("revue_precedent", "revue_suivant"):
        url = contexte[cle]
        if not url:
            sortie.append(None)
            continue
        parties = urlsplit(url)
        # The list's filters travel with the link.
        attendu = {"_changelist_filters": [urlencode(filtres)]} if filtres else {}
        assert parse_qs(parties.query) == attendu
        sortie.append(int(parties.path.rstrip("/").split("/")[-2]))
    return tuple(sortie)


@pytest.mark.parametrize(
    "filtres",
    [
        pytest.param({}, id="liste-entiere"),
        pytest.param({"statut__exact": "deposee"}, id="deposees"),
        pytest.param({"statut__exact": "deposee", "o": "7"}, id="deposees-plus-anciennes-d-abord"),
        pytest.param({"o": "-8.7"}, id="par-statut"),
        pytest.param({"o": "6.-7"}, id="par-prescripteur"),
        pytest.param({"o": "1"}, id="par-filleul"),
    ],
)
def test_previous_and_next_follow_the_list_and_stay_in_the_perimeter(client, staff, liste, filtres):
    connecter(client, staff)
    reponse = client.get(reverse("admin:parrainages_candidature_changelist"), filtres)
    ordre = [c.pk for c in reponse.context["cl"].result_list]
    assert set(ordre) <= {c.pk for c in liste} and len(ordre) >= 5
    for i, pk in enumerate(ordre):
        attendu = (ordre[i - 1] if i else None, ordre[i + 1] if i + 1 < len(ordre) else None)
        assert _voisins(client, Candidature(pk=pk), filtres) == attendu


def test_an_application_moved_out_of_the_filter_keeps_its_place(client, staff, liste):
    connecter(client, staff)
    filtres = {"statut__exact": "deposee"}
    ordre = [
        c.pk
        for c in client.get(reverse("admin:parrainages_candidature_changelist"), filtres)
        .context["cl"]
        .result_list
    ]
    milieu = Candidature.objects.get(pk=ordre[2])
    data = form_data(client.get(page(milieu, **filtres)))
    data["decision"] = "retenir"
    assert client.post(page(milieu, **filtres), data).status_code == 302
    # No longer "Déposée", still between its neighbours: staff go on to the next one.
    assert _voisins(client, milieu, filtres) == (ordre[1], ordre[3])


@pytest.mark.parametrize(
    "filtres",
    [
        {"programme__id__exact": "abc"},
        {"programme__id__exact": "9" * 30},
        {"created_at__year": "9" * 23},
        {"created_at__year": "9999", "created_at__month": "12", "created_at__day": "31"},
        {"o": "1.2.x", "p": "9" * 5001, "q": "a " * 400},
        {"pas_un_champ": "1"},
        {"_to_field": "motif_refus"},
        # Encoded twice in the page's address (``%2500``): a NUL only once decoded here.
        {"q": "a\x00b"},
    ],
)
def test_wrong_or_hostile_list_filters_never_break_the_page(client, staff, liste, filtres):
    connecter(client, staff)
    reponse = client.get(page(liste[4], **filtres))
    assert reponse.status_code == 200
    voisins = (reponse.context["revue_precedent"], reponse.context["revue_suivant"])
    # Filters the list itself refuses (its "?e=1" redirect, or a 400): no neighbours. Filters
    # it takes (a wrong sort or page is ignored): the page works as with the list.
    refusee = client.get(reverse("admin:parrainages_candidature_changelist"), filtres)
    if refusee.status_code in (302, 400):
        assert voisins == ("", "")
        assert "Aucune autre candidature dans la liste." in texte(reponse)


# --- Queries -------------------------------------------------------------------------------------


def test_the_page_reads_a_fixed_number_of_queries(
    client, staff, programme, orientee, django_assert_num_queries
):
    connecter(client, staff)
    filtres = {"statut__exact": "deposee", "programme__id__exact": str(programme.pk)}
    for _ in range(3):
        CandidatureFactory(programme=programme)
    ContentType.objects.clear_cache()
    with django_assert_num_queries(NB_REQUETES_REVUE):
        assert client.get(page(orientee, **filtres)).status_code == 200
    # More applications in the list, more history rows, more referrals: the same queries.
    CandidatureFactory.create_batch(30, programme=programme)
    for statut in (S.EN_ETUDE, S.LISTE_ATTENTE, S.RETENUE):
        EvenementCandidatureFactory(candidature=orientee, statut=statut, par=staff)
    for _ in range(4):
        PrescriptionFactory(
            programme=programme, filleul=orientee.filleul, diagnostic="Autre diagnostic."
        )
    ContentType.objects.clear_cache()
    with django_assert_num_queries(NB_REQUETES_REVUE):
        reponse = client.get(page(orientee, **filtres))
    assert reponse.status_code == 200
    assert len(reponse.context["revue_historique"]) == 4
    assert len(reponse.context["revue_orientations"]) == 5
