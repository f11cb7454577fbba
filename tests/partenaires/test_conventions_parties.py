"""Conventions with several parties: who sees them in the portal, online signing through the
one signature machinery and the sealed PDF, the action plan, and what bad input is refused."""

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from mentorat.models import Partie
from mentorat.signatures import parties_de, signature_confirmer, signature_demander_code
from partenaires import signature
from partenaires.models import ActionConvention, Convention, Membre, Objectif, PartieConvention
from tests.mentorat.factories import UserFactory, connecter, gestionnaire
from tests.partenaires.factories import (
    ConventionFactory,
    MembreFactory,
    ObjectifFactory,
    PartenaireFactory,
    RapportFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def convention():
    """A draft convention led by a Mission locale, with an association as co-financer."""
    convention = ConventionFactory(reference="CONV-MULTI", partenaire__nom="Mission locale Nord")
    ObjectifFactory(convention=convention)
    convention.co_partie = PartieConvention.objects.create(
        convention=convention,
        partenaire=PartenaireFactory(nom="Association Cap"),
        role=PartieConvention.Role.CO_FINANCEUR,
        ordre=2,
    )
    return convention


def membre(partenaire, role=Membre.Role.REFERENT):
    return MembreFactory(partenaire=partenaire, role=role)


def test_the_lead_partner_is_always_the_first_party(convention):
    porteur = PartieConvention.objects.get(convention=convention, partenaire=convention.partenaire)
    assert porteur.role == PartieConvention.Role.PORTEUR
    assert convention.parties.count() == 2
    convention.save()  # saved again: still one row per partner
    assert convention.parties.count() == 2


def test_every_partys_members_see_the_convention_and_its_reports(client, convention):
    rapport = RapportFactory(convention=convention, pret=True)
    autre = membre(PartenaireFactory(nom="Étrangère"))
    co = membre(convention.co_partie.partenaire, Membre.Role.LECTEUR)
    client.force_login(co.user)
    assert client.get(reverse("partenaires:convention", args=[convention.pk])).status_code == 200
    accueil = client.get(reverse("partenaires:accueil"))
    assert "CONV-MULTI" in accueil.content.decode()
    assert client.get(reverse("partenaires:rapport", args=[rapport.pk])).status_code == 200
    client.force_login(autre.user)
    assert client.get(reverse("partenaires:convention", args=[convention.pk])).status_code == 404
    assert client.get(reverse("partenaires:rapport", args=[rapport.pk])).status_code == 404


def test_the_files_naming_people_stay_with_the_lead_partner(
    client, convention, private_storage_dir
):
    from django.core.files.base import ContentFile

    rapport = RapportFactory(convention=convention, pret=True)
    for champ in ("pdf", "csv", "xlsx", "csv_ventilation"):
        getattr(rapport, champ).save(f"r.{champ}", ContentFile(b"x"), save=False)
    rapport.save()
    co = membre(convention.co_partie.partenaire)
    porteur = membre(convention.partenaire)

    def statut(user, extension):
        client.force_login(user)
        url = reverse("partenaires:rapport_fichier", args=[rapport.pk, extension])
        reponse = client.get(url)
        if reponse.status_code == 200:
            b"".join(reponse.streaming_content)  # read to its end: the file is closed
        return reponse.status_code

    assert [statut(co.user, e) for e in ("pdf", "ventilation", "csv", "xlsx")] == [
        200,
        200,
        404,
        404,
    ]
    assert [statut(porteur.user, e) for e in ("pdf", "ventilation", "csv", "xlsx")] == [200] * 4


# --- Online signing ------------------------------------------------------------------------------


def code_envoye():
    return re.search(r"^(\d{6})$", mail.outbox[-1].body, re.MULTILINE)[1]


def signer(partie, capture):
    with capture(execute=True):
        signature_demander_code(partie=partie)
    with capture(execute=True):
        return signature_confirmer(partie=partie, code=code_envoye(), ip="203.0.113.9")


def demander(convention, capture):
    referent = membre(convention.partenaire)
    PartieConvention.objects.filter(convention=convention, partenaire=convention.partenaire).update(
        signataire=referent.user, signataire_fonction="Directrice"
    )
    convention.co_partie.signataire_prenom = "Paul"
    convention.co_partie.signataire_nom = "Martin"
    convention.co_partie.signataire_email = "paul.martin@cap.example"
    convention.co_partie.save()
    ville = gestionnaire()
    with capture(execute=True):
        invites = signature.convention_signatures_demander(
            convention=convention, signataire_structure=ville
        )
    return referent, invites


def test_each_party_and_the_city_sign_online_then_the_sealed_pdf_follows(
    convention, django_capture_on_commit_callbacks, sceau, client
):
    referent, invites = demander(convention, django_capture_on_commit_callbacks)
    assert invites == 3
    parties = list(parties_de(convention))
    assert [p.role for p in parties] == [
        f"partie_{p.pk}" for p in convention.parties.order_by("ordre", "pk")
    ] + [signature.ROLE_STRUCTURE]
    porteur, co, ville = parties
    assert porteur.user == referent.user and co.user is None and ville.user is None
    convention.refresh_from_db()
    assert convention.en_signature and convention.texte_sha256

    # The lead partner's referent signs on the portal's page of the convention.
    client.force_login(referent.user)
    url = reverse("partenaires:convention", args=[convention.pk])
    page = client.get(url)
    assert "Signer en qualité de" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "demander", "acceptation": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        reponse = client.post(url, {"action": "confirmer", "code": code_envoye()})
    assert reponse.status_code == 302
    porteur.refresh_from_db()
    assert porteur.signee_le is not None and porteur.texte_sha256 == convention.texte_sha256

    signer(co, django_capture_on_commit_callbacks)
    convention.refresh_from_db()
    assert convention.statut == Convention.Statut.BROUILLON  # the city has not signed yet
    signer(ville, django_capture_on_commit_callbacks)
    convention.refresh_from_db()
    assert convention.statut == Convention.Statut.SIGNEE
    assert convention.signee_le is not None
    assert convention.pdf_signe and len(convention.pdf_sha256) == 64
    with convention.pdf_signe.open("rb") as fichier:
        assert fichier.read(5) == b"%PDF-"
    # Sealed once: produced again, nothing changes.
    assert signature.convention_produire_pdf(convention_id=convention.pk) is False


def test_a_party_without_signatory_is_refused_with_nothing_written(
    convention, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError) as erreur:
        signature.convention_signatures_demander(
            convention=convention, signataire_structure=gestionnaire()
        )
    texte = " ".join(erreur.value.messages)
    assert "Mission locale Nord : désignez qui signe" in texte
    assert "Association Cap : désignez qui signe" in texte
    assert not Partie.objects.exists()
    convention.refresh_from_db()
    assert convention.signature_demandee_le is None and not convention.texte_sha256


def test_a_convention_with_no_party_cannot_be_signed(convention):
    PartieConvention.objects.filter(convention=convention).delete()
    with pytest.raises(ValidationError, match="sans partie ne peut pas être signée"):
        signature.convention_signatures_demander(
            convention=convention, signataire_structure=gestionnaire()
        )
    assert not Partie.objects.exists()


def test_a_member_with_nothing_to_sign_posting_is_told_so(client, convention):
    lecteur = membre(convention.partenaire, Membre.Role.LECTEUR)
    client.force_login(lecteur.user)
    url = reverse("partenaires:convention", args=[convention.pk])
    reponse = client.post(url, {"action": "demander", "acceptation": "on"}, follow=True)
    assert "rien à signer sur cette convention." in reponse.content.decode()
    assert not Partie.objects.exists()


# --- Bad input in the admin: French messages, nothing changed --------------------------------


def formulaire_admin(convention, **surcharges):
    """The convention's change form as posted, with its three inlines."""
    parties = list(convention.parties.order_by("ordre", "pk"))
    donnees = {
        "reference": convention.reference,
        "titre": convention.titre,
        "partenaire": convention.partenaire_id,
        "programmes": [p.pk for p in convention.programmes.all()],
        "date_debut": convention.date_debut.strftime("%d/%m/%Y"),
        "date_fin": convention.date_fin.strftime("%d/%m/%Y"),
        "parties-TOTAL_FORMS": len(parties),
        "parties-INITIAL_FORMS": len(parties),
        "objectifs-TOTAL_FORMS": 0,
        "objectifs-INITIAL_FORMS": 0,
        "actions-TOTAL_FORMS": 0,
        "actions-INITIAL_FORMS": 0,
    }
    for i, p in enumerate(parties):
        donnees.update(
            {
                f"parties-{i}-id": p.pk,
                f"parties-{i}-convention": convention.pk,
                f"parties-{i}-partenaire": p.partenaire_id,
                f"parties-{i}-role": p.role,
                f"parties-{i}-ordre": p.ordre,
            }
        )
    donnees.update(surcharges)
    return donnees


@pytest.fixture
def admin_client(client):
    connecter(client, gestionnaire())
    return client


def test_the_admin_refuses_removing_every_party(admin_client, convention):
    from tests.programmes.factories import ProgrammeFactory

    convention.programmes.add(ProgrammeFactory())
    url = reverse("admin:partenaires_convention_change", args=[convention.pk])
    donnees = formulaire_admin(convention, **{"parties-0-DELETE": "on", "parties-1-DELETE": "on"})
    reponse = admin_client.post(url, donnees)
    assert reponse.status_code == 200
    assert "Une convention compte au moins une partie" in reponse.content.decode()
    assert convention.parties.count() == 2


def test_the_admin_refuses_an_action_due_before_the_start(admin_client, convention):
    from tests.programmes.factories import ProgrammeFactory

    convention.programmes.add(ProgrammeFactory())
    url = reverse("admin:partenaires_convention_change", args=[convention.pk])
    donnees = formulaire_admin(
        convention,
        **{
            "actions-TOTAL_FORMS": 1,
            "actions-0-intitule": "Réunion de lancement",
            "actions-0-responsable_libelle": "Service emploi",
            "actions-0-echeance": "15/12/2025",
            "actions-0-statut": "a_faire",
            "actions-0-ordre": 0,
        },
    )
    reponse = admin_client.post(url, donnees)
    assert reponse.status_code == 200
    assert (
        "L&#x27;échéance ne peut pas précéder le début de la convention (01/01/2026)."
        in reponse.content.decode()
    )
    assert not ActionConvention.objects.exists()


def test_the_admin_refuses_an_objective_with_a_public_that_does_not_exist(admin_client, convention):
    from tests.programmes.factories import ProgrammeFactory

    convention.programmes.add(ProgrammeFactory())
    url = reverse("admin:partenaires_convention_change", args=[convention.pk])
    donnees = formulaire_admin(
        convention,
        **{
            "objectifs-TOTAL_FORMS": 1,
            "objectifs-0-indicateur": Objectif.Indicateur.BINOMES_FORMES,
            "objectifs-0-valeur_cible": 10,
            "objectifs-0-periode": Objectif.Periode.CONVENTION,
            "objectifs-0-public": "martiens",
        },
    )
    reponse = admin_client.post(url, donnees)
    assert reponse.status_code == 200
    assert "Sélectionnez un choix valide" in reponse.content.decode()
    assert convention.objectifs.count() == 1  # the fixture's only


def test_a_public_on_an_indicator_counting_no_mentee_is_refused(convention):
    objectif = Objectif(
        convention=convention,
        indicateur=Objectif.Indicateur.EVENEMENTS_ORGANISES,
        valeur_cible=3,
        public="qpv",
    )
    with pytest.raises(ValidationError, match="ne se ventile ni par public ni par secteur"):
        objectif.full_clean()


def test_an_action_model_refuses_a_due_date_before_the_start(convention):
    action = ActionConvention(
        convention=convention,
        intitule="Comité de pilotage",
        responsable=convention.co_partie,
        echeance=dt.date(2025, 12, 1),
    )
    with pytest.raises(ValidationError) as erreur:
        action.full_clean()
    assert erreur.value.message_dict["echeance"] == [
        "L'échéance ne peut pas précéder le début de la convention (01/01/2026)."
    ]


def test_the_action_plan_shows_in_the_portal(client, convention):
    ActionConvention.objects.create(
        convention=convention,
        intitule="Comité de pilotage trimestriel",
        responsable=convention.co_partie,
        echeance=dt.date(2026, 3, 31),
        statut=ActionConvention.Statut.EN_COURS,
    )
    co = membre(convention.co_partie.partenaire, Membre.Role.LECTEUR)
    client.force_login(co.user)
    page = client.get(reverse("partenaires:convention", args=[convention.pk])).content.decode()
    assert "Comité de pilotage trimestriel" in page
    assert "Association Cap" in page and "31/03/2026" in page and "En cours" in page


def test_a_signatory_must_be_a_referent_member(convention):
    partie = convention.co_partie
    partie.signataire = UserFactory()
    with pytest.raises(ValidationError, match="Référent de la convention"):
        partie.full_clean()


def test_a_change_during_signing_withdraws_the_signatures(
    convention, django_capture_on_commit_callbacks
):
    demander(convention, django_capture_on_commit_callbacks)
    porteur = parties_de(convention).first()
    signer(porteur, django_capture_on_commit_callbacks)
    assert signature.convention_modifiee(convention=convention) == 0  # nothing changed
    ObjectifFactory(convention=convention, indicateur=Objectif.Indicateur.BINOMES_FORMES)
    assert signature.convention_modifiee(convention=convention) == 1
    convention.refresh_from_db()
    assert not convention.en_signature and not convention.texte_sha256
    assert not Partie.objects.du_document(convention).exists()
    assert convention.statut == Convention.Statut.BROUILLON


def test_every_partys_members_hear_of_the_monthly_report(convention):
    from django.utils import timezone

    from partenaires.relances import rapport_pret

    rapport = RapportFactory(
        convention=convention, pret=True, automatique=True, genere_le=timezone.now()
    )
    porteur = membre(convention.partenaire, Membre.Role.CONSEILLER)
    co = membre(convention.co_partie.partenaire, Membre.Role.LECTEUR)
    # A member of both parties is told once.
    MembreFactory(partenaire=convention.co_partie.partenaire, user=porteur.user)
    membre(PartenaireFactory(nom="Sans lien"))
    cles = sorted(envoi.cle for envoi in rapport_pret(timezone.now()))
    assert cles == sorted(
        f"rapport_pret:{rapport.pk}:{user_id}" for user_id in (porteur.user_id, co.user_id)
    )


def test_the_admin_changes_the_lead_partner_to_another_party(admin_client, convention):
    """The co-financer becomes the lead partner, listed among the parties as the form asks:
    its row is promoted (no second row, no error), the former lead stays as a co-signatory."""
    from tests.programmes.factories import ProgrammeFactory

    convention.programmes.add(ProgrammeFactory())
    ancien = convention.partenaire
    nouveau = convention.co_partie.partenaire
    url = reverse("admin:partenaires_convention_change", args=[convention.pk])
    reponse = admin_client.post(url, formulaire_admin(convention, partenaire=nouveau.pk))
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors
    roles = dict(convention.parties.values_list("partenaire_id", "role"))
    assert roles == {
        nouveau.pk: PartieConvention.Role.PORTEUR,
        ancien.pk: PartieConvention.Role.CO_SIGNATAIRE,
    }


def test_a_convention_changed_in_the_admin_has_its_portal_figures_counted_again(
    admin_client, convention, monkeypatch
):
    """Its dates or objectives may have changed: the portal's figures are asked again (in
    the background, once the change is committed), whatever a visit asked before."""
    from partenaires import services
    from tests.programmes.factories import ProgrammeFactory

    convention.programmes.add(ProgrammeFactory())
    assert services.tableau_faire_recompter(convention_id=convention.pk) is True  # a visit's
    taches = []
    monkeypatch.setattr(
        "partenaires.services.tache_apres_validation", lambda nom, *a: taches.append((nom, a))
    )
    url = reverse("admin:partenaires_convention_change", args=[convention.pk])
    reponse = admin_client.post(url, formulaire_admin(convention, titre="Nouveau titre"))
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors
    assert taches == [("partenaires.recompter_tableau", (convention.pk,))]


def test_a_new_convention_listing_its_lead_partner_among_the_parties(admin_client):
    """Staff add a convention and give its lead partner's signatory in the parties' inline:
    one row for that partner, « porteur »."""
    from tests.programmes.factories import ProgrammeFactory

    porteur = PartenaireFactory(nom="Mission locale Sud")
    donnees = {
        "reference": "CONV-NOUVELLE",
        "titre": "Convention nouvelle",
        "partenaire": porteur.pk,
        "programmes": [ProgrammeFactory().pk],
        "date_debut": "01/01/2027",
        "date_fin": "31/12/2027",
        "statut": Convention.Statut.BROUILLON,
        "parties-TOTAL_FORMS": 1,
        "parties-INITIAL_FORMS": 0,
        "parties-0-partenaire": porteur.pk,
        "parties-0-role": PartieConvention.Role.CO_SIGNATAIRE,
        "parties-0-ordre": 1,
        "objectifs-TOTAL_FORMS": 0,
        "objectifs-INITIAL_FORMS": 0,
        "actions-TOTAL_FORMS": 0,
        "actions-INITIAL_FORMS": 0,
    }
    reponse = admin_client.post(reverse("admin:partenaires_convention_add"), donnees)
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors
    convention = Convention.objects.get(reference="CONV-NOUVELLE")
    assert list(convention.parties.values_list("partenaire_id", "role")) == [
        (porteur.pk, PartieConvention.Role.PORTEUR)
    ]
