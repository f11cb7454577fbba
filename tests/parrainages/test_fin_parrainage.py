"""Ending a pair: never in one tap, always through one service that cancels what was still to
come (meetings, the charter still to sign) and tells who must know; a mentor's word on the
mentee's situation counts in the indicators only once the mentee confirms it."""

import datetime as dt
import html

import pytest
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mentorat.models import CodeSignature, Envoi, Partie
from mentorat.signatures import lien_emettre
from parrainages.enquetes import lien_enquete
from parrainages.models import Charte, Parrainage, Rencontre, Sortie
from parrainages.relances import relances_planifier
from parrainages.selectors import tableau_de_bord_programmes
from parrainages.services import enquete_repondre, parrainage_interrompre
from partenaires import indicateurs
from partenaires.models import Objectif
from tests.mentorat.factories import CodeSignatureFactory, connecter, gestionnaire
from tests.mentorat.helpers import form_data
from tests.parrainages.factories import (
    CharteFactory,
    MineurFactory,
    ParrainageFactory,
    RencontreFactory,
    SortieFactory,
)
from tests.partenaires.factories import ConventionFactory
from tests.programmes.factories import CommuneFactory, StructureFactory, affecter

pytestmark = pytest.mark.django_db


def text(response):
    return html.unescape(response.content.decode())


def _a_venir(pair, jours=3):
    return RencontreFactory(parrainage=pair, debut=timezone.now() + dt.timedelta(days=jours))


@pytest.fixture
def binome():
    """An active pair of a minor (one guardian), accepted today: two meetings to come, one
    past and not logged, a charter still awaiting signatures (a pending code, a link)."""
    pair = ParrainageFactory(actif=True, filleul=MineurFactory(), date_debut=timezone.localdate())
    pair.futures = [_a_venir(pair, 3), _a_venir(pair, 10)]
    pair.passee = RencontreFactory(parrainage=pair, debut=timezone.now() - dt.timedelta(days=1))
    pair.charte = CharteFactory(parrainage=pair)
    pair.partie = Partie.objects.du_document(pair.charte).get(role="filleul")
    pair.code = CodeSignatureFactory(partie=pair.partie)
    pair.representant_partie = Partie.objects.du_document(pair.charte).get(
        role__startswith=Charte.ROLE_REPRESENTANT_LEGAL
    )
    lien_emettre(pair.representant_partie)
    pair.coordinateur = gestionnaire()
    return pair


def _post(client, pair, **champs):
    donnees = {"type": "cdi", "date": timezone.localdate().isoformat(), **champs}
    return client.post(reverse("parrain:cloturer", kwargs={"pk": pair.pk}), donnees)


def _tout_finit(pair, *, par_le_parrain):
    """What every ending does, checked on the rows and the outbox."""
    pair.refresh_from_db()
    assert pair.statut in (Parrainage.Statut.TERMINE, Parrainage.Statut.INTERROMPU)
    for rencontre in pair.futures:
        rencontre.refresh_from_db()
        assert rencontre.statut == Rencontre.Statut.ANNULEE
        # The cancellation, with its .ics, to the mentee, the mentor and the guardian.
        annulations = Envoi.objects.filter(
            regle="rencontre_invitation", cle__startswith=f"rencontre_invitation:{rencontre.pk}:"
        )
        assert {e.email for e in annulations} == {
            pair.filleul.user.email,
            pair.parrain.user.email,
            pair.filleul.representants_legaux.get().email,
        }
        assert all(
            e.cle.split(":")[2] == "CANCEL"
            and e.pieces_jointes[0]["type"].endswith("method=CANCEL")
            for e in annulations
        )
    # A meeting already past stays to be logged: nothing is sent about it.
    pair.passee.refresh_from_db()
    assert pair.passee.statut == Rencontre.Statut.PREVUE
    assert not Envoi.objects.filter(cle__startswith=f"rencontre_invitation:{pair.passee.pk}:")
    # The charter still to sign is cancelled: its link and its pending code no longer work.
    pair.charte.refresh_from_db()
    assert pair.charte.statut == Charte.Statut.ANNULEE and pair.charte.motif_annulation
    pair.representant_partie.refresh_from_db()
    assert pair.representant_partie.jeton_hash == ""
    assert CodeSignature.objects.get(pk=pair.code.pk).expire_le <= timezone.now()
    fins = {e.email: e for e in Envoi.objects.filter(regle="parrainage_fin")}
    assert pair.filleul.user.email in fins
    assert pair.filleul.representants_legaux.get().email in fins
    assert pair.coordinateur.email in fins
    assert (pair.parrain.user.email in fins) is not par_le_parrain
    message = fins[pair.filleul.user.email]
    assert "a pris fin" in message.sujet and "charte" in message.texte
    return fins


def test_the_form_chooses_nothing_in_advance(client, binome):
    client.force_login(binome.parrain.user)
    page = text(client.get(reverse("parrain:binome", kwargs={"pk": binome.pk})))
    section = page[page.index('id="titre-sortie"') :]
    assert '<option value="" selected>— choisissez —</option>' in section
    assert "selected" not in section.replace('<option value="" selected>', "")
    assert 'type="checkbox" name="confirmation"' in section
    assert "Je confirme la fin du parrainage" in section


def test_without_confirmation_nothing_changes_and_the_page_says_why(client, binome):
    client.force_login(binome.parrain.user)
    avant = Envoi.objects.count()
    response = _post(client, binome)
    assert response.status_code == 200
    assert "sans cette confirmation, rien n'est enregistré" in text(response)
    sans_situation = _post(client, binome, type="", confirmation="on")
    assert "Choisissez la situation" in text(sans_situation)
    binome.refresh_from_db()
    assert binome.statut == Parrainage.Statut.ACTIF
    assert not binome.sorties.exists()
    assert Envoi.objects.count() == avant
    assert all(r.statut == Rencontre.Statut.PREVUE for r in binome.rencontres.all())
    binome.charte.refresh_from_db()
    assert binome.charte.statut == Charte.Statut.A_SIGNER


def test_the_mentor_ends_the_pair_and_everyone_hears_of_it(client, binome):
    client.force_login(binome.parrain.user)
    response = _post(client, binome, confirmation="on", employeur="Renault")
    assert response.status_code == 302
    fins = _tout_finit(binome, par_le_parrain=True)
    sortie = binome.sorties.get()
    assert (sortie.type, sortie.source, sortie.confirmee_le) == ("cdi", "parrain", None)
    assert "CDI" in fins[binome.filleul.user.email].texte
    assert "confirmer" in fins[binome.filleul.user.email].texte
    equipe = fins[binome.coordinateur.email]
    assert "/admin/parrainages/parrainage/" in equipe.texte
    assert "confirmée par la personne" in equipe.texte


def test_staff_ending_from_the_admin_does_the_same(client, binome):
    staff = gestionnaire()
    connecter(client, staff)
    url = reverse("admin:parrainages_parrainage_changelist")
    response = client.post(
        url, {"action": "terminer", helpers.ACTION_CHECKBOX_NAME: [binome.pk], "post": "yes"}
    )
    assert response.status_code == 302
    fins = _tout_finit(binome, par_le_parrain=False)
    assert not binome.sorties.exists()
    # Who ended it is not written to; the mentor, who did not, is.
    assert staff.email not in fins
    assert "L'équipe du programme a mis fin" in fins[binome.parrain.user.email].texte


def test_staff_interrupting_does_the_same(binome):
    staff = gestionnaire()
    parrainage_interrompre(parrainage=binome, motif="Le filleul a déménagé.", par=staff)
    fins = _tout_finit(binome, par_le_parrain=False)
    binome.refresh_from_db()
    assert binome.statut == Parrainage.Statut.INTERROMPU
    assert "Le filleul a déménagé." in fins[binome.coordinateur.email].texte
    # The mentor's or staff's reason is for staff: the mentee does not read it.
    assert "déménagé" not in fins[binome.filleul.user.email].texte


def test_only_the_coordinators_of_the_programme_and_place_are_told(binome):
    """A coordinator of another territory, or a counsellor, is not written to."""
    ailleurs = StructureFactory(programmes=[binome.programme], departements=["2A"])
    loin = gestionnaire(structure=ailleurs)
    ici = StructureFactory(
        programmes=[binome.programme], departements=[binome.filleul.commune.departement]
    )
    conseiller = gestionnaire(structure=False)
    affecter(conseiller, ici, role="conseiller")
    local = gestionnaire(structure=False)
    affecter(local, ici)
    parrainage_interrompre(parrainage=binome, motif="Arrêt.", par=None)
    destinataires = set(
        Envoi.objects.filter(regle="parrainage_fin").values_list("email", flat=True)
    )
    assert local.email in destinataires and binome.coordinateur.email in destinataires
    assert loin.email not in destinataires and conseiller.email not in destinataires


def _positives():
    return {p["programme"].pk: p["sorties_positives"] for p in tableau_de_bord_programmes()}


def test_a_mentor_declared_outcome_counts_once_the_mentee_confirms_it(client, binome):
    client.force_login(binome.parrain.user)
    _post(client, binome, confirmation="on")
    programme = binome.programme.pk
    assert _positives()[programme] == 0
    assert not Sortie.objects.positives().exists()
    # The mentee is asked (the mentor, who answered, is not).
    relances_planifier(regles=["enquete_fin"])
    enquetes = Envoi.objects.filter(regle="enquete_fin")
    assert {e.email for e in enquetes} == {binome.filleul.user.email}
    # Their answer, from the survey's link, confirms it: it counts from now on.
    lien = lien_enquete(parrainage_id=binome.pk, moment="fin", user_id=binome.filleul.user_id)
    client.logout()
    chemin = "/" + lien.split("://", 1)[-1].split("/", 1)[1]
    page = text(client.get(chemin))
    assert "Votre parrain ou votre marraine a indiqué : <strong>CDI</strong>" in page
    reponse = client.post(chemin, {"type": "cdi"})
    assert reponse.status_code == 200 and "déjà" not in text(reponse)
    sortie = binome.sorties.get()
    assert sortie.confirmee_le is not None and sortie.source == Sortie.Source.PARRAIN
    assert _positives()[programme] == 1
    assert list(Sortie.objects.positives()) == [sortie]
    # Once confirmed, no second answer and no further survey.
    relances_planifier(regles=["enquete_fin"])
    assert Envoi.objects.filter(regle="enquete_fin").count() == 1


def test_the_mentees_other_answer_replaces_the_mentors():
    pair = ParrainageFactory(termine=True)
    sortie = SortieFactory(parrainage=pair, type="cdi", source=Sortie.Source.PARRAIN)
    assert not Sortie.objects.positives().exists()
    with pytest.raises(ValidationError, match="déjà"):
        enquete_repondre(
            parrainage_id=pair.pk, moment="fin", user_id=pair.parrain.user_id, type="cdi"
        )
    enquete_repondre(
        parrainage_id=pair.pk, moment="fin", user_id=pair.filleul.user_id, type="cdd_court"
    )
    sortie.refresh_from_db()
    assert (sortie.type, sortie.source) == ("cdd_court", Sortie.Source.FILLEUL)
    assert "Situation déclarée par le parrain : CDI" in sortie.commentaire
    assert not Sortie.objects.positives().exists()


def test_staff_and_mentee_outcomes_count_as_before():
    equipe = SortieFactory(parrainage=ParrainageFactory(termine=True), type="cdi")
    filleul = SortieFactory(
        parrainage=ParrainageFactory(termine=True), type="formation", source="filleul"
    )
    SortieFactory(parrainage=ParrainageFactory(termine=True), type="cdi", source="parrain")
    assert set(Sortie.objects.positives()) == {equipe, filleul}


def test_the_partner_indicator_waits_for_the_mentees_confirmation():
    pair = ParrainageFactory(termine=True)
    aujourd_hui = timezone.localdate()
    convention = ConventionFactory(
        date_debut=aujourd_hui - dt.timedelta(days=300), date_fin=aujourd_hui
    )
    convention.programmes.add(pair.programme)
    pair.filleul.candidatures.create(
        programme=pair.programme, statut="retenue", prescripteur=convention.partenaire
    )
    SortieFactory(parrainage=pair, moment="six_mois", type="cdi", source="parrain")

    def compte():
        return indicateurs.lignes(
            Objectif.Indicateur.SORTIES_POSITIVES_6_MOIS,
            partenaire=convention.partenaire_id,
            convention=convention.pk,
            debut=aujourd_hui - dt.timedelta(days=1),
            fin=aujourd_hui,
        ).count()

    assert compte() == 0
    assert indicateurs.sorties_par_type(convention, aujourd_hui, aujourd_hui) == {
        ("six_mois", indicateurs.A_CONFIRMER): 1
    }
    enquete_repondre(
        parrainage_id=pair.pk, moment="six_mois", user_id=pair.filleul.user_id, type="cdi"
    )
    assert compte() == 1
    assert indicateurs.sorties_par_type(convention, aujourd_hui, aujourd_hui) == {
        ("six_mois", "cdi"): 1
    }


def test_the_pair_change_form_lists_and_saves_its_outcomes(client):
    """The outcomes read with the pair (``ParrainageAdmin.get_object``): newest first, as
    their inline lists them, and saved from the form as before."""
    pair = ParrainageFactory(actif=True)
    aujourd_hui = timezone.localdate()
    fin = SortieFactory(parrainage=pair, moment=Sortie.Moment.FIN, date=aujourd_hui)
    six_mois = SortieFactory(
        parrainage=pair, moment=Sortie.Moment.SIX_MOIS, date=aujourd_hui + dt.timedelta(days=1)
    )
    SortieFactory(moment=Sortie.Moment.FIN)  # another pair's
    connecter(client, gestionnaire())
    url = reverse("admin:parrainages_parrainage_change", args=[pair.pk])
    response = client.get(url)
    (formset,) = [
        f.formset for f in response.context["inline_admin_formsets"] if f.formset.model is Sortie
    ]
    assert [f.instance for f in formset.initial_forms] == [six_mois, fin]
    donnees = form_data(response)
    cle = next(
        k
        for k, v in donnees.items()
        if k.startswith("sorties-") and k.endswith("-id") and v == str(fin.pk)
    )
    donnees[cle.removesuffix("-id") + "-employeur"] = "Boulangerie Martin"
    assert client.post(url, donnees).status_code == 302
    fin.refresh_from_db()
    assert fin.employeur == "Boulangerie Martin"
    assert set(pair.sorties.all()) == {fin, six_mois}


def test_the_pair_change_form_shows_outcomes_only_within_their_perimeter(client):
    """A coordinator who sees the pair through its mentor's territory does not see its
    outcomes (the mentee's territory says who sees them), read with the pair or not."""
    ici, ailleurs = CommuneFactory(code_insee="63113"), CommuneFactory(code_insee="67482")
    pair = ParrainageFactory(actif=True, parrain__commune=ici, filleul__commune=ailleurs)
    SortieFactory(parrainage=pair, moment=Sortie.Moment.FIN)
    structure = StructureFactory(programmes=[pair.programme], departements=["63"])
    connecter(client, gestionnaire(structure=structure))
    url = reverse("admin:parrainages_parrainage_change", args=[pair.pk])
    response = client.get(url)
    assert response.status_code == 200
    (formset,) = [
        f.formset for f in response.context["inline_admin_formsets"] if f.formset.model is Sortie
    ]
    assert formset.initial_forms == []


def test_another_perimeters_pair_answers_404_to_a_read_only_member_even_on_a_post(client):
    """The change form reads the pair itself (``ParrainageAdmin.get_object``): a pair
    outside the member's perimeter answers 404, before the question of rights (a read-only
    member's POST would otherwise be refused with a 403, which says the pair exists)."""
    from programmes.models import Affectation

    pair = ParrainageFactory(
        actif=True,
        parrain__commune=CommuneFactory(code_insee="67482"),
        filleul__commune=CommuneFactory(code_insee="67218"),
    )
    structure = StructureFactory(programmes=[pair.programme], departements=["63"])
    membre = gestionnaire(structure=structure)
    Affectation.objects.filter(user=membre).update(role=Affectation.Role.LECTURE)
    connecter(client, membre)
    url = reverse("admin:parrainages_parrainage_change", args=[pair.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {}).status_code == 404
