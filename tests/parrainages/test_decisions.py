"""Each change of an application's status is written to its history and told: to the
applicant (and each guardian of a minor) in plain French, to the prescribing counsellor with
the reason and the staff's free text."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from mentorat.models import Envoi
from parrainages.models import Candidature, EvenementCandidature, MotifRefus
from parrainages.services import (
    candidature_deposer,
    candidature_desister,
    candidature_etudier,
    candidature_mettre_en_attente,
    candidature_refuser,
    candidature_retenir,
)
from tests.mentorat.factories import UserFactory, connecter, gestionnaire
from tests.mentorat.helpers import form_data
from tests.parrainages.factories import CandidatureFactory, FilleulFactory, MineurFactory
from tests.partenaires.factories import MembreFactory, PartenaireFactory, PrescriptionFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

S = Candidature.Statut
PRECISION = "Projet flou ; à revoir avec sa conseillère en septembre."
# The partner's list of referrals (session with the account, partners, page ids, rows…),
# whatever its size.
NB_REQUETES_FILLEULS = 7


def destinataires():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def orientee():
    """An adult referred by a partner's counsellor, whose application is deposited."""
    partenaire = PartenaireFactory(nom="Mission locale Nord")
    conseillere = MembreFactory(partenaire=partenaire, user__email="conseillere@ml.fr").user
    MembreFactory(partenaire=partenaire, user__email="collegue@ml.fr")
    filleul = FilleulFactory(user__email="sami@exemple.fr", user__first_name="Sami")
    programme = ProgrammeFactory(nom="Parrainage Nord")
    PrescriptionFactory(
        partenaire=partenaire, conseiller=conseillere, programme=programme, filleul=filleul
    )
    candidature = candidature_deposer(filleul=filleul, programme=programme)
    return candidature


def test_the_deposit_is_confirmed_at_once_to_the_applicant_and_the_prescriber(orientee):
    assert orientee.statut == S.DEPOSEE
    (evenement,) = orientee.evenements.all()
    assert evenement.statut == S.DEPOSEE
    # The counsellor who referred them, not their colleague.
    assert destinataires() == ["conseillere@ml.fr", "sami@exemple.fr"]
    recu = next(m for m in mail.outbox if m.to == ["sami@exemple.fr"])
    assert "bien reçue" in recu.subject
    assert "Nous avons bien reçu votre candidature" in recu.body


def test_every_decision_writes_its_history_and_tells_applicant_and_prescriber(orientee):
    staff = gestionnaire()
    for service in (candidature_etudier, candidature_mettre_en_attente, candidature_retenir):
        mail.outbox.clear()
        candidature = service(candidature=orientee, par=staff)
        evenement = candidature.evenements.first()
        assert (evenement.statut, evenement.par) == (candidature.statut, staff)
        assert destinataires() == ["conseillere@ml.fr", "sami@exemple.fr"]
    assert list(
        EvenementCandidature.objects.filter(candidature=orientee)
        .chronologiques()
        .values_list("statut", flat=True)
    ) == [S.DEPOSEE, S.EN_ETUDE, S.LISTE_ATTENTE, S.RETENUE]
    assert "Bonne nouvelle" in next(m for m in mail.outbox if "sami" in m.to[0]).body

    mail.outbox.clear()
    candidature_desister(candidature=orientee, par=staff)
    assert orientee.evenements.first().statut == S.DESISTEE
    assert destinataires() == ["conseillere@ml.fr", "sami@exemple.fr"]


def test_a_refusal_gives_the_gentle_text_to_the_applicant_and_the_reason_to_the_prescriber(
    orientee,
):
    motif = MotifRefus.objects.get(libelle="Programme complet")
    mail.outbox.clear()
    candidature = candidature_refuser(
        candidature=orientee, par=gestionnaire(), motif=motif, precision=PRECISION
    )
    assert candidature.statut == S.REFUSEE
    assert candidature.motif_refus == f"Programme complet — {PRECISION}"
    evenement = candidature.evenements.first()
    assert (evenement.motif, evenement.precision) == (motif, PRECISION)
    assert evenement.texte_candidat == motif.texte_candidat

    pour_sami = next(m for m in mail.outbox if m.to == ["sami@exemple.fr"])
    assert "Toutes les places du programme sont prises" in pour_sami.body
    assert PRECISION not in pour_sami.body and "Programme complet" not in pour_sami.body
    assert all(PRECISION not in html for html, _ in pour_sami.alternatives)

    pour_conseillere = next(m for m in mail.outbox if m.to == ["conseillere@ml.fr"])
    assert "Motif : Programme complet" in pour_conseillere.body
    assert PRECISION in pour_conseillere.body


def test_a_refusal_needs_a_reason_from_the_list(orientee):
    with pytest.raises(ValidationError, match="dans la liste"):
        candidature_refuser(candidature=orientee, par=gestionnaire(), motif="Pas de place.")
    orientee.refresh_from_db()
    assert orientee.statut == S.DEPOSEE and orientee.evenements.count() == 1


def test_the_reasons_are_seeded_and_staff_can_extend_them(client):
    libelles = set(MotifRefus.objects.actifs().values_list("libelle", flat=True))
    assert {"Programme complet", "Absence à la sélection", "Autre motif"} <= libelles
    connecter(client, gestionnaire())
    response = client.post(
        reverse("admin:parrainages_motifrefus_add"),
        {
            "libelle": "Déménagement hors du territoire",
            "texte_candidat": "Le programme est réservé aux habitants de la ville.",
            "actif": "on",
            "ordre": "70",
        },
    )
    assert response.status_code == 302
    assert MotifRefus.objects.filter(libelle="Déménagement hors du territoire").exists()


def test_a_decision_on_a_closed_application_is_refused_and_writes_nothing(orientee):
    staff = gestionnaire()
    candidature_desister(candidature=orientee, par=staff)
    avant = (EvenementCandidature.objects.count(), Envoi.objects.count())
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="Passage impossible de « Désistement »"):
        candidature_retenir(candidature=orientee, par=staff)
    with pytest.raises(ValidationError, match="Passage impossible"):
        candidature_refuser(
            candidature=orientee, par=staff, motif=MotifRefus.objects.first(), precision="x"
        )
    assert (EvenementCandidature.objects.count(), Envoi.objects.count()) == avant
    assert not mail.outbox


def test_the_same_decision_posted_twice_is_sent_once(client, orientee):
    connecter(client, gestionnaire())
    page = reverse("admin:parrainages_candidature_change", args=[orientee.pk])
    data = form_data(client.get(page))
    data.update(decision="retenir", motif="")
    mail.outbox.clear()
    assert client.post(page, data).status_code == 302
    # The same form posted again (a second tab, a double click): refused, nothing sent.
    response = client.post(page, data)
    assert response.status_code == 200
    assert "decision" in response.context["adminform"].form.errors
    assert orientee.evenements.filter(statut=S.RETENUE).count() == 1
    assert destinataires() == ["conseillere@ml.fr", "sami@exemple.fr"]


def test_the_admin_refusal_needs_a_reason_from_the_list(client, orientee):
    connecter(client, gestionnaire())
    page = reverse("admin:parrainages_candidature_change", args=[orientee.pk])
    data = form_data(client.get(page))
    data.update(decision="refuser", motif=PRECISION)
    response = client.post(page, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["motif_liste"] == [
        "Choisissez le motif de la décision dans la liste."
    ]
    data["motif_liste"] = MotifRefus.objects.get(libelle="Absence à la sélection").pk
    assert client.post(page, data).status_code == 302
    orientee.refresh_from_db()
    assert orientee.statut == S.REFUSEE
    assert orientee.evenements.first().precision == PRECISION


def test_a_minors_guardian_is_told_each_decision_with_a_key_of_their_own():
    filleul = MineurFactory(user__email="lea@exemple.fr")
    representant = filleul.representants_legaux.get()
    candidature = CandidatureFactory(filleul=filleul, statut=S.DEPOSEE)
    candidature_retenir(candidature=candidature, par=gestionnaire())
    evenement = candidature.evenements.get()
    assert destinataires() == sorted(["lea@exemple.fr", representant.email])
    assert Envoi.objects.filter(cle=f"candidature_evenement:{evenement.pk}:rl{representant.pk}")
    mail.outbox.clear()
    # A refusal: the guardian reads the gentle text, never the staff's free text.
    autre = CandidatureFactory(filleul=filleul, statut=S.EN_ETUDE)
    candidature_refuser(
        candidature=autre, par=gestionnaire(), motif=MotifRefus.objects.first(), precision=PRECISION
    )
    pour_parent = next(m for m in mail.outbox if m.to == [representant.email])
    assert "représentant légal" in pour_parent.body and PRECISION not in pour_parent.body


def test_a_minors_application_waiting_for_consent_confirms_receipt_to_the_minor_only():
    filleul = MineurFactory(user__email="lea@exemple.fr")
    representant = filleul.representants_legaux.get()
    candidature = candidature_deposer(filleul=filleul, programme=ProgrammeFactory())
    assert candidature.statut == S.ATTENTE_AUTORISATION
    assert candidature.evenements.get().statut == S.ATTENTE_AUTORISATION
    recu = next(m for m in mail.outbox if m.to == ["lea@exemple.fr"])
    assert "représentant légal aura donné son accord" in recu.body
    # The guardian gets the consent request, not a receipt.
    pour_parent = [m for m in mail.outbox if m.to == [representant.email]]
    assert len(pour_parent) == 1 and "bien reçue" not in pour_parent[0].subject


def test_the_prescribers_read_only_members_are_not_written_to():
    partenaire = PartenaireFactory()
    MembreFactory(partenaire=partenaire, user__email="lecteur@ml.fr", role="lecteur")
    MembreFactory(partenaire=partenaire, user__email="conseil@ml.fr")
    MembreFactory(partenaire=partenaire, user__email="ancien@ml.fr", actif=False)
    candidature = CandidatureFactory(prescripteur=partenaire, filleul__user__email="x@exemple.fr")
    candidature_etudier(candidature=candidature, par=gestionnaire())
    assert destinataires() == ["conseil@ml.fr", "x@exemple.fr"]


def test_an_applicant_without_account_left_is_not_written_to():
    candidature = CandidatureFactory(filleul__user=None)
    candidature_etudier(candidature=candidature, par=UserFactory())
    assert candidature.evenements.count() == 1 and not mail.outbox


# --- Who sees the history ----------------------------------------------------------------------


def _refusee(orientee):
    motif = MotifRefus.objects.get(libelle="Programme complet")
    return candidature_refuser(
        candidature=orientee, par=gestionnaire(), motif=motif, precision=PRECISION
    )


def test_the_applicant_sees_the_history_with_the_gentle_text_only(client, orientee):
    _refusee(orientee)
    client.force_login(orientee.filleul.user)
    response = client.get(reverse("filleul:tableau_de_bord"))
    page = response.content.decode()
    assert "Historique de la candidature" in page
    assert "Nous avons bien reçu votre candidature" in page
    assert "Toutes les places du programme sont prises" in page
    assert PRECISION not in page.replace("&#x27;", "'")


def test_the_prescriber_sees_the_reason_and_the_free_text(
    client, orientee, django_assert_num_queries
):
    _refusee(orientee)
    conseillere = orientee.prescripteur.adhesions.get(user__email="conseillere@ml.fr").user
    client.force_login(conseillere)
    with django_assert_num_queries(NB_REQUETES_FILLEULS):
        response = client.get(reverse("partenaires:filleuls"))
    page = response.content.decode().replace("&#x27;", "'")
    assert "Motif : Programme complet — " + PRECISION in page
    # More referrals, refused or not: the same queries.
    for _ in range(3):
        autre = CandidatureFactory(prescripteur=orientee.prescripteur)
        candidature_refuser(
            candidature=autre, par=None, motif=MotifRefus.objects.first(), precision="x"
        )
    with django_assert_num_queries(NB_REQUETES_FILLEULS):
        assert client.get(reverse("partenaires:filleuls")).status_code == 200


def test_another_partners_member_sees_nothing_of_it(client, orientee):
    _refusee(orientee)
    client.force_login(MembreFactory(partenaire=PartenaireFactory()).user)
    for nom in ("partenaires:filleuls", "partenaires:accueil"):
        page = client.get(reverse(nom)).content.decode().replace("&#x27;", "'")
        assert PRECISION not in page and "Programme complet" not in page
