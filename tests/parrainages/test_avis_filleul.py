"""The mentee's say (``Programme.avis_filleul``): accept or refuse the proposed mentor, or
choose among up to three, before the mentor is asked; refusals feed the next run."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mentorat.models import Envoi
from parrainages.models import Parrainage
from parrainages.relances import relances_planifier
from parrainages.services import propositions_expirer
from parrainages.services.avis_filleul import filleul_choisir, filleul_refuser
from parrainages.services.matching import (
    appariement_executer,
    appariement_lancer,
    proposition_confirmer,
    propositions_confirmer,
)
from programmes.models import AvisFilleul
from tests.concurrence import simultanement
from tests.parrainages.factories import FilleulFactory, ParrainageFactory, ParrainFactory
from tests.parrainages.helpers import parrain, programme_de_ville, retenu
from tests.programmes.factories import ProgrammeFactory

Statut = Parrainage.Statut


def lancer(programme):
    run = appariement_lancer(programme=programme, en_tache=False)
    return appariement_executer(run_id=run.pk)


def options_de(filleul, programme, statut=Statut.ATTENTE_FILLEUL):
    return list(
        Parrainage.objects.filter(filleul=filleul, programme=programme, statut=statut).order_by(
            "-score", "pk"
        )
    )


def envois(regle):
    return list(Envoi.objects.filter(regle=regle))


# --- « aucun »: today's flow ------------


@pytest.mark.django_db
def test_without_a_say_the_confirmed_proposal_goes_to_the_mentor():
    proposition = ParrainageFactory()
    propositions_confirmer(ids=[proposition.pk])
    proposition.refresh_from_db()
    assert proposition.statut == Statut.ATTENTE_PARRAIN
    assert len(envois("proposition_nouvelle")) == 1
    assert not envois("proposition_au_filleul")


# --- « accepter ou refuser » ------------


@pytest.mark.django_db
def test_accept_mode_asks_the_mentee_first_then_the_mentor():
    programme = ProgrammeFactory(avis_filleul=AvisFilleul.ACCEPTER)
    proposition = ParrainageFactory(programme=programme)
    propositions_confirmer(ids=[proposition.pk])
    proposition.refresh_from_db()
    assert proposition.statut == Statut.ATTENTE_FILLEUL
    assert proposition.soumis_au_filleul_le and proposition.envoye_le is None
    (courriel,) = envois("proposition_au_filleul")
    assert courriel.destinataire_id == proposition.filleul.user_id
    assert not envois("proposition_nouvelle")  # the mentor hears nothing yet

    filleul_choisir(parrainage=proposition, par=proposition.filleul.user)
    proposition.refresh_from_db()
    assert proposition.statut == Statut.ATTENTE_PARRAIN
    assert proposition.envoye_le and proposition.filleul_repondu_le
    (courriel,) = envois("proposition_nouvelle")
    assert courriel.destinataire_id == proposition.parrain.user_id


@pytest.mark.django_db
def test_a_mentee_refusal_frees_the_place_and_the_next_run_excludes_that_mentor():
    programme = programme_de_ville()
    programme.avis_filleul = AvisFilleul.ACCEPTER
    programme.save()
    candidature = retenu(programme)
    mentor = parrain(programme, capacite=1)
    autre = parrain(programme, capacite=1, secteurs=("A",))
    lancer(programme)
    (proposition,) = Parrainage.objects.filter(filleul=candidature.filleul)
    assert proposition.parrain == mentor
    propositions_confirmer(ids=[proposition.pk])

    filleul_refuser(parrainage=proposition, par=candidature.filleul.user, motif="Trop loin")
    proposition.refresh_from_db()
    assert proposition.statut == Statut.REFUSE_FILLEUL
    assert proposition.motif_declin == "Trop loin"
    assert not proposition.prend_une_place

    lancer(programme)
    nouvelle = Parrainage.objects.get(filleul=candidature.filleul, statut=Statut.PROPOSITION)
    assert nouvelle.parrain == autre


@pytest.mark.django_db
def test_someone_else_cannot_answer_for_the_mentee():
    proposition = ParrainageFactory(attente_filleul=True)
    intrus = FilleulFactory()
    with pytest.raises(ValidationError, match="ne fait pas partie des propositions"):
        filleul_choisir(parrainage=proposition, par=intrus.user)
    with pytest.raises(ValidationError):
        filleul_refuser(parrainage=proposition, par=proposition.parrain.user)
    proposition.refresh_from_db()
    assert proposition.statut == Statut.ATTENTE_FILLEUL


@pytest.mark.django_db
def test_a_proposal_answered_already_is_refused_with_a_message():
    proposition = ParrainageFactory(attente_filleul=True)
    filleul_choisir(parrainage=proposition, par=proposition.filleul.user)
    with pytest.raises(ValidationError, match="plus soumise"):
        filleul_refuser(parrainage=proposition, par=proposition.filleul.user)


# --- « choisir parmi jusqu'à 3 » ------------


def programme_au_choix():
    programme = programme_de_ville()
    programme.avis_filleul = AvisFilleul.CHOISIR
    programme.save()
    return programme


@pytest.mark.django_db
def test_choose_mode_gives_up_to_three_options_best_first_without_holding_places():
    programme = programme_au_choix()
    candidature = retenu(programme)
    mentors = [parrain(programme, capacite=1) for _ in range(4)]
    lancer(programme)
    options = list(Parrainage.objects.filter(filleul=candidature.filleul))
    assert len(options) == 3
    assert all(o.option and o.statut == Statut.PROPOSITION for o in options)
    assert {o.parrain_id for o in options} < {m.pk for m in mentors}
    # Options reserve nothing: every mentor still has their one place.
    assert not Parrainage.objects.prenant_une_place().exists()


@pytest.mark.django_db
def test_the_mentee_chooses_one_option_the_others_are_released_and_never_proposed_again():
    programme = programme_au_choix()
    candidature = retenu(programme)
    filleul = candidature.filleul
    mentors = [parrain(programme, capacite=1) for _ in range(4)]
    lancer(programme)
    propositions_confirmer(ids=Parrainage.objects.values_list("pk", flat=True))
    options = options_de(filleul, programme)
    assert len(options) == 3
    (courriel,) = envois("proposition_au_filleul")  # one e-mail for the three
    assert "3 parrains" in courriel.sujet

    choisie = options[1]
    filleul_choisir(parrainage=choisie, par=filleul.user)
    choisie.refresh_from_db()
    assert choisie.statut == Statut.ATTENTE_PARRAIN and choisie.prend_une_place
    assert {o.statut for o in options_de(filleul, programme, Statut.NON_CHOISI)} == {
        Statut.NON_CHOISI
    }
    assert len(options_de(filleul, programme, Statut.NON_CHOISI)) == 2
    # Only the chosen mentor is told.
    assert [e.destinataire_id for e in envois("proposition_nouvelle")] == [choisie.parrain.user_id]

    # The mentor declines: the next run proposes neither them nor the mentors not chosen.
    from parrainages.services import parrainage_decliner

    parrainage_decliner(parrainage=choisie, par=choisie.parrain.user, motif="Pas disponible")
    lancer(programme)
    nouvelles = Parrainage.objects.filter(filleul=filleul, statut=Statut.PROPOSITION)
    exclus = {o.parrain_id for o in options}
    assert [n.parrain_id for n in nouvelles] == [m.pk for m in mentors if m.pk not in exclus], (
        "only the fourth mentor is left"
    )


@pytest.mark.django_db
def test_refusing_all_options_excludes_them_all():
    programme = programme_au_choix()
    candidature = retenu(programme)
    for _ in range(3):
        parrain(programme, capacite=1)
    lancer(programme)
    propositions_confirmer(ids=Parrainage.objects.values_list("pk", flat=True))
    premiere = options_de(candidature.filleul, programme)[0]
    refusees = filleul_refuser(parrainage=premiere, par=candidature.filleul.user)
    assert len(refusees) == 3
    assert Parrainage.objects.filter(statut=Statut.REFUSE_FILLEUL).count() == 3
    assert not envois("proposition_nouvelle")
    run = lancer(programme)
    assert run.propositions == 0
    assert run.non_apparies[0][1] == "les parrains à proximité ont déjà été déclinés"


@pytest.mark.django_db
def test_choosing_a_mentor_now_full_is_refused_and_the_other_options_stay():
    programme = ProgrammeFactory(avis_filleul=AvisFilleul.CHOISIR)
    mentor = ParrainFactory(capacite=1)
    filleul = FilleulFactory()
    options = [
        ParrainageFactory(
            programme=programme, filleul=filleul, parrain=p, option=True, attente_filleul=True
        )
        for p in (mentor, ParrainFactory())
    ]
    ParrainageFactory(parrain=mentor, actif=True)  # someone took the last place meanwhile
    with pytest.raises(ValidationError, match="n'a plus de place"):
        filleul_choisir(parrainage=options[0], par=filleul.user)
    assert len(options_de(filleul, programme)) == 2
    filleul_choisir(parrainage=options[1], par=filleul.user)
    assert options_de(filleul, programme, Statut.NON_CHOISI)[0].pk == options[0].pk


@pytest.mark.django_db(transaction=True)
def test_two_mentees_choosing_the_last_place_of_one_mentor_take_turns(postgres):
    programme = ProgrammeFactory(avis_filleul=AvisFilleul.CHOISIR)
    mentor = ParrainFactory(capacite=1)
    options = [
        ParrainageFactory(programme=programme, parrain=mentor, option=True, attente_filleul=True)
        for _ in range(2)
    ]
    resultats = simultanement(
        *(lambda o=o: filleul_choisir(parrainage=o, par=o.filleul.user) for o in options)
    )
    gagnants = [r for r in resultats if isinstance(r, Parrainage)]
    perdants = [r for r in resultats if isinstance(r, ValidationError)]
    assert len(gagnants) == 1 and len(perdants) == 1, resultats
    assert "n'a plus de place" in str(perdants[0])
    assert Parrainage.objects.filter(parrain=mentor).prenant_une_place().count() == 1


# --- reminder and expiry ------------


@pytest.mark.django_db
def test_the_mentee_is_reminded_once_then_the_proposal_expires():
    programme = ProgrammeFactory(
        avis_filleul=AvisFilleul.CHOISIR, relance_proposition_jours=3, delai_reponse_jours=7
    )
    filleul = FilleulFactory()
    il_y_a = timezone.now() - dt.timedelta(days=4)
    options = [
        ParrainageFactory(
            programme=programme,
            filleul=filleul,
            option=True,
            attente_filleul=True,
            soumis_au_filleul_le=il_y_a,
        )
        for _ in range(3)
    ]
    regles = ["choix_filleul_sans_reponse"]
    assert relances_planifier(regles=regles) == {"choix_filleul_sans_reponse": 1}
    assert relances_planifier(regles=regles, maintenant=timezone.now() + dt.timedelta(days=1)) == {
        "choix_filleul_sans_reponse": 0
    }
    (rappel,) = envois("choix_filleul_sans_reponse")
    assert rappel.destinataire_id == filleul.user_id

    assert propositions_expirer() == 0
    assert propositions_expirer(maintenant=timezone.now() + dt.timedelta(days=4)) == 3
    assert {o.statut for o in Parrainage.objects.filter(pk__in=[o.pk for o in options])} == {
        Statut.EXPIRE
    }


# --- privacy: the mentor sees nothing of a mentee who did not choose them ------------


@pytest.mark.django_db
def test_the_mentor_sees_no_option_nor_mentee_answer(client):
    mentor = ParrainFactory()
    programme = ProgrammeFactory(avis_filleul=AvisFilleul.CHOISIR)
    # First names no other name contains (random ones can: « Nath » in « Nathalie »).
    cachees = [
        ParrainageFactory(
            programme=programme,
            parrain=mentor,
            option=True,
            attente_filleul=True,
            filleul__user__first_name="Xavièra",
        ),
        ParrainageFactory(
            programme=programme,
            parrain=mentor,
            statut=Statut.NON_CHOISI,
            filleul__user__first_name="Yolandine",
        ),
        ParrainageFactory(
            programme=programme,
            parrain=mentor,
            statut=Statut.REFUSE_FILLEUL,
            filleul__user__first_name="Zéphyrine",
        ),
        ParrainageFactory(
            programme=programme,
            parrain=mentor,
            statut=Statut.EXPIRE,
            soumis_au_filleul_le=timezone.now(),
            filleul__user__first_name="Wilhelmine",
        ),
    ]
    vue = ParrainageFactory(parrain=mentor, attente=True, filleul__user__first_name="Aude")
    assert list(Parrainage.objects.filter(parrain=mentor).vus_du_parrain()) == [vue]
    client.force_login(mentor.user)
    page = client.get(reverse("parrain:binomes")).content.decode()
    for cachee in cachees:
        assert cachee.filleul.user.first_name not in page
        response = client.get(reverse("parrain:proposition", kwargs={"pk": cachee.pk}))
        assert response.status_code == 404


# --- the mentee's page ------------


@pytest.mark.django_db
def test_the_page_shows_first_name_job_sector_reasons_and_nothing_private(
    client, django_assert_num_queries
):
    programme = ProgrammeFactory(avis_filleul=AvisFilleul.CHOISIR)
    filleul = FilleulFactory()
    options = [
        ParrainageFactory(
            programme=programme, filleul=filleul, option=True, attente_filleul=True, score=50 + i
        )
        for i in range(3)
    ]
    # Names of our own: a random surname may be another mentor's first name (« Maurice »),
    # which the page rightly shows.
    for option, (prenom, nom) in zip(
        options, [("Awa", "Diallo"), ("Bruno", "Lefèvre"), ("Chloé", "Marchand")], strict=True
    ):
        option.parrain.user.first_name, option.parrain.user.last_name = prenom, nom
        option.parrain.user.save(update_fields=["first_name", "last_name"])
    client.force_login(filleul.user)
    url = reverse("filleul:proposition", kwargs={"pk": options[0].pk})
    # The session (with the account and the mentee), the pair, its options (with their
    # mentors), their sectors, whatever the number of options; and the page's shared reads.
    with django_assert_num_queries(6):
        page = client.get(url).content.decode()
    for option in options:
        parrain = option.parrain
        assert parrain.user.first_name in page
        assert parrain.fonction in page
        assert parrain.user.last_name not in page
        assert parrain.user.email not in page
        assert parrain.entreprise not in page
    assert "Même secteur : Commerce" in page and "points" not in page
    assert "À 4 km de chez vous" in page

    response = client.post(url, {"choisir": str(options[2].pk)}, follow=True)
    assert "Merci" in response.content.decode()
    assert Parrainage.objects.get(pk=options[2].pk).statut == Statut.ATTENTE_PARRAIN


@pytest.mark.django_db
def test_choosing_a_mentor_not_proposed_changes_nothing(client):
    programme = ProgrammeFactory(avis_filleul=AvisFilleul.CHOISIR)
    filleul = FilleulFactory()
    option = ParrainageFactory(
        programme=programme, filleul=filleul, option=True, attente_filleul=True
    )
    ailleurs = ParrainageFactory(option=True, attente_filleul=True)
    client.force_login(filleul.user)
    url = reverse("filleul:proposition", kwargs={"pk": option.pk})
    response = client.post(url, {"choisir": str(ailleurs.pk)}, follow=True)
    assert "ne fait pas partie des propositions" in response.content.decode()
    assert Parrainage.objects.filter(statut=Statut.ATTENTE_FILLEUL).count() == 2
    # Another mentee's proposal: 404.
    assert client.get(reverse("filleul:proposition", kwargs={"pk": ailleurs.pk})).status_code == 404


@pytest.mark.django_db
def test_the_dashboard_leads_to_the_choice(client):
    programme = ProgrammeFactory(avis_filleul=AvisFilleul.CHOISIR)
    filleul = FilleulFactory()
    options = [
        ParrainageFactory(programme=programme, filleul=filleul, option=True, attente_filleul=True)
        for _ in range(3)
    ]
    client.force_login(filleul.user)
    page = client.get(reverse("filleul:tableau_de_bord")).content.decode()
    assert "3 parrains ou marraines vous sont proposés" in page
    assert reverse("filleul:proposition", kwargs={"pk": min(o.pk for o in options)}) in page


# --- the admin -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_confirm_options_from_the_admin_and_see_them_wait_for_the_mentee(client):
    from tests.mentorat.factories import connecter, gestionnaire

    programme = ProgrammeFactory(avis_filleul=AvisFilleul.CHOISIR)
    filleul = FilleulFactory()
    options = [
        ParrainageFactory(programme=programme, filleul=filleul, option=True) for _ in range(3)
    ]
    connecter(client, gestionnaire())
    liste = reverse("admin:parrainages_parrainage_changelist")
    reponse = client.post(
        liste,
        {
            "action": "confirmer",
            "_selected_action": [o.pk for o in options],
            "index": "0",
            "post": "yes",
        },
    )
    assert reponse.status_code == 302
    assert len(options_de(filleul, programme)) == 3
    assert len(envois("proposition_au_filleul")) == 1
    assert not envois("proposition_nouvelle")

    page = client.get(f"{liste}?statut__exact=attente_filleul").content.decode()
    assert "En attente du choix du filleul" in page
    # Staff never answer in the mentee's place: no decision to confirm it again.
    fiche = client.get(
        reverse("admin:parrainages_parrainage_change", args=[options[0].pk])
    ).content.decode()
    assert "En attente du choix du filleul" in fiche
    assert 'value="confirmer"' not in fiche


@pytest.mark.django_db
def test_confirming_a_proposal_waiting_for_the_mentee_is_refused():
    from parrainages.services.matching import proposition_confirmer

    proposition = ParrainageFactory(attente_filleul=True)
    with pytest.raises(ValidationError, match="attend la réponse du filleul"):
        proposition_confirmer(parrainage=proposition)
    proposition.refresh_from_db()
    assert proposition.statut == Statut.ATTENTE_FILLEUL


# --- the engine's options ------------------------------------------------------------------


def test_options_put_the_assignment_first_then_the_best_scores_and_respect_places():
    from parrainages.matching import FilleulFeatures, ParrainFeatures, ProgrammeRules, match

    lieu = {"latitude": 43.6, "longitude": 1.44, "departement": "31"}
    # Mentor 1 suits both mentees best but has one place; mentors 2 and 3 less so.
    filleuls = [
        FilleulFeatures(id=i, secteurs=frozenset({"M"}), attente_jours=j, **lieu)
        for i, j in ((10, 90), (11, 0))
    ]
    parrains = [
        ParrainFeatures(id=1, secteurs=frozenset({"M"}), annees_experience=20, **lieu),
        ParrainFeatures(id=2, secteurs=frozenset({"M"}), **lieu),
        ParrainFeatures(id=3, **lieu),
        ParrainFeatures(id=4, **lieu),
    ]
    resultat = match(filleuls, parrains, ProgrammeRules(distance_max_km=30), options=3)
    par_filleul = {}
    for p in resultat.proposals:
        par_filleul.setdefault(p.filleul_id, []).append(p)
    assert set(par_filleul) == {10, 11}
    for proposals in par_filleul.values():
        assert [p.rang for p in proposals] == [1, 2, 3]
        assert len({p.parrain_id for p in proposals}) == 3
        assert [p.score for p in proposals[1:]] == sorted(
            (p.score for p in proposals[1:]), reverse=True
        )
    premiers = [proposals[0].parrain_id for proposals in par_filleul.values()]
    assert sorted(premiers) == [1, 2], "the assignment gives mentor 1's one place once"
    # Each mentee sees mentor 1 among their options: options reserve nothing.
    assert all(1 in {p.parrain_id for p in ps} for ps in par_filleul.values())
    sans_choix = match(filleuls, parrains, ProgrammeRules(distance_max_km=30))
    assert {p.rang for p in sans_choix.proposals} == {0}


@pytest.mark.django_db
def test_a_mentor_paused_meanwhile_cannot_be_chosen():
    option = ParrainageFactory(option=True, attente_filleul=True)
    option.parrain.statut = option.parrain.Statut.PAUSE
    option.parrain.save()
    with pytest.raises(ValidationError, match="n'accompagne plus"):
        filleul_choisir(parrainage=option, par=option.filleul.user)


# --- regressions from the review of the mentee's say ------------


@pytest.mark.django_db
def test_the_mentee_export_names_a_mentor_by_first_name_until_the_pair_is_formed(client):
    from parrainages.services import filleul_exporter

    programme = ProgrammeFactory(avis_filleul=AvisFilleul.CHOISIR)
    # Surnames no random name of the page can hold (the mentee's own was once « Mercier »,
    # as a mentor's).
    filleul = FilleulFactory(user__last_name="Filleule-Export")
    noms = ["Quxparrain", "Vexparrain", "Wuxparrain", "Zyxparrain"]
    non_formees = [
        ParrainageFactory(
            programme=programme,
            filleul=filleul,
            option=True,
            attente_filleul=True,
            parrain__user__last_name=noms[0],
        ),
        ParrainageFactory(
            programme=programme,
            filleul=filleul,
            statut=Statut.NON_CHOISI,
            parrain__user__last_name=noms[1],
        ),
        ParrainageFactory(
            programme=programme,
            filleul=filleul,
            statut=Statut.REFUSE_FILLEUL,
            parrain__user__last_name=noms[2],
        ),
        ParrainageFactory(
            programme=programme,
            filleul=filleul,
            statut=Statut.EXPIRE,
            parrain__user__last_name=noms[3],
        ),
    ]
    formee = ParrainageFactory(filleul=filleul, actif=True)
    export = filleul_exporter(filleul=filleul)
    lignes = {ligne["statut"]: ligne for ligne in export["parrainages"]}
    for p in non_formees:
        ligne = lignes[p.get_statut_display()]
        assert ligne["parrain"] == p.parrain.user.first_name
        assert p.parrain.user.last_name not in ligne["parrain"]
        assert ligne["entreprise"] == ""
    ligne = lignes[formee.get_statut_display()]
    assert ligne["parrain"] == str(formee.parrain.user)
    assert ligne["entreprise"] == formee.parrain.entreprise

    client.force_login(filleul.user)
    page = client.get(reverse("filleul:donnees")).content.decode()
    for p in non_formees:
        assert p.parrain.user.last_name not in page
        if p.parrain.entreprise:
            assert p.parrain.entreprise not in page
    assert formee.parrain.user.last_name in page


def options_lancees(programme, nombre=3):
    candidature = retenu(programme)
    for _ in range(nombre):
        parrain(programme, capacite=1)
    lancer(programme)
    return candidature.filleul, list(
        Parrainage.objects.filter(filleul=candidature.filleul).order_by("pk")
    )


@pytest.mark.django_db
def test_choosing_closes_the_options_staff_had_not_confirmed_and_they_cannot_be_confirmed_after():
    programme = programme_au_choix()
    filleul, options = options_lancees(programme)
    propositions_confirmer(ids=[options[0].pk])
    filleul_choisir(parrainage=options[0], par=filleul.user)
    statuts = dict(Parrainage.objects.filter(filleul=filleul).values_list("pk", "statut"))
    assert statuts == {
        options[0].pk: Statut.ATTENTE_PARRAIN,
        options[1].pk: Statut.ANNULE,
        options[2].pk: Statut.ANNULE,
    }
    # Nothing left « à confirmer » for her: confirming is refused with a message, no e-mail.
    avant = len(envois("proposition_au_filleul"))
    resultat = propositions_confirmer(ids=[options[1].pk])
    assert resultat.confirmees == [] and len(resultat.refusees) == 1
    assert len(envois("proposition_au_filleul")) == avant


@pytest.mark.django_db
def test_an_option_left_in_proposal_is_refused_once_the_mentee_has_a_pair():
    programme = programme_au_choix()
    filleul = FilleulFactory()
    ParrainageFactory(programme=programme, filleul=filleul, attente=True)
    reste = ParrainageFactory(programme=programme, filleul=filleul, option=True)
    resultat = propositions_confirmer(ids=[reste.pk])
    assert resultat.confirmees == []
    ((refusee, motif),) = resultat.refusees
    assert refusee.pk == reste.pk and "déjà choisi" in motif
    reste.refresh_from_db()
    assert reste.statut == Statut.PROPOSITION
    with pytest.raises(ValidationError, match="déjà choisi"):
        proposition_confirmer(parrainage=reste)


@pytest.mark.django_db
def test_refusing_closes_the_options_staff_had_not_confirmed():
    programme = programme_au_choix()
    filleul, options = options_lancees(programme)
    propositions_confirmer(ids=[options[0].pk])
    filleul_refuser(parrainage=options[0], par=filleul.user)
    assert list(
        Parrainage.objects.filter(filleul=filleul).order_by("pk").values_list("statut", flat=True)
    ) == [Statut.REFUSE_FILLEUL, Statut.ANNULE, Statut.ANNULE]


@pytest.mark.django_db
def test_options_confirmed_after_the_setting_went_back_to_aucun_still_go_to_the_mentee():
    programme = programme_au_choix()
    filleul, options = options_lancees(programme)
    programme.avis_filleul = AvisFilleul.AUCUN
    programme.save()
    resultat = propositions_confirmer(ids=[o.pk for o in options])
    assert len(resultat.confirmees) == 3
    assert set(Parrainage.objects.filter(filleul=filleul).values_list("statut", flat=True)) == {
        Statut.ATTENTE_FILLEUL
    }
    assert envois("proposition_nouvelle") == []
    filleul_choisir(parrainage=options[2], par=filleul.user)
    options[2].refresh_from_db()
    assert options[2].statut == Statut.ATTENTE_PARRAIN


@pytest.mark.django_db
def test_a_proposal_by_hand_beside_waiting_options_is_refused_by_the_admin(client):
    from tests.mentorat.factories import connecter, gestionnaire

    connecter(client, gestionnaire())
    programme = ProgrammeFactory(avis_filleul=AvisFilleul.CHOISIR)
    filleul = FilleulFactory()
    option = ParrainageFactory(
        programme=programme, filleul=filleul, option=True, attente_filleul=True
    )
    donnees = {
        "programme": programme.pk,
        "parrain": ParrainFactory().pk,
        "filleul": filleul.pk,
        "forme": "regulier",
        "statut": "proposition",
        "objectifs": "",
        **{
            f"{inline}-{champ}": "0"
            for inline in ("rencontres", "immersions", "sorties")
            for champ in ("TOTAL_FORMS", "INITIAL_FORMS")
        },
    }
    response = client.post(reverse("admin:parrainages_parrainage_add"), donnees)
    assert response.status_code == 200
    assert "options en cours de choix" in response.content.decode()
    assert Parrainage.objects.filter(filleul=filleul).count() == 1

    # One made before this check: her choice closes it, no second open pair.
    a_la_main = ParrainageFactory(programme=programme, filleul=filleul)
    filleul_choisir(parrainage=option, par=filleul.user)
    a_la_main.refresh_from_db()
    assert a_la_main.statut == Statut.ANNULE


@pytest.mark.django_db
def test_the_mentor_never_sees_a_proposal_cancelled_or_expired_before_it_reached_them():
    programme = ProgrammeFactory(avis_filleul=AvisFilleul.ACCEPTER)
    mentor = ParrainFactory()
    cachees = [
        ParrainageFactory(programme=programme, parrain=mentor, annule=True),
        ParrainageFactory(programme=programme, parrain=mentor, expire=True),
    ]
    envoyee = ParrainageFactory(
        programme=programme, parrain=mentor, expire=True, envoye_le=timezone.now()
    )
    vus = Parrainage.objects.filter(parrain=mentor).vus_du_parrain()
    assert not vus.filter(pk__in=[c.pk for c in cachees]).exists()
    assert list(vus) == [envoyee]


@pytest.mark.django_db
def test_an_expired_choice_records_the_mentee_silence_and_excludes_no_mentor():
    programme = programme_au_choix()
    filleul, options = options_lancees(programme)
    propositions_confirmer(ids=[o.pk for o in options])
    assert propositions_expirer(maintenant=timezone.now() + dt.timedelta(days=60)) == 3
    for option in options:
        option.refresh_from_db()
        assert option.statut == Statut.EXPIRE
        assert option.filleul_repondu_le is not None and option.repondu_le is None
    # Never reached, maybe: the next run may propose the same mentors again.
    lancer(programme)
    nouvelles = Parrainage.objects.filter(filleul=filleul, statut=Statut.PROPOSITION)
    assert {n.parrain_id for n in nouvelles} == {o.parrain_id for o in options}


@pytest.mark.django_db
def test_a_mentee_without_email_is_told_and_reminded_by_sms(settings):
    from tests.mentorat.factories import UserFactory

    settings.SMS_CONSOLE = True
    programme = ProgrammeFactory(avis_filleul=AvisFilleul.CHOISIR, relance_proposition_jours=3)
    filleul = FilleulFactory(user=UserFactory(mobile=True, email=None))
    options = [
        ParrainageFactory(programme=programme, filleul=filleul, option=True) for _ in range(3)
    ]
    propositions_confirmer(ids=[o.pk for o in options])
    (avis,) = envois("proposition_au_filleul")
    assert (avis.canal, avis.email) == ("sms", filleul.user.telephone)
    assert avis.destinataire_id == filleul.user_id

    plus_tard = timezone.now() + dt.timedelta(days=4)
    assert relances_planifier(regles=["choix_filleul_sans_reponse"], maintenant=plus_tard) == {
        "choix_filleul_sans_reponse": 1
    }
    (rappel,) = envois("choix_filleul_sans_reponse")
    assert rappel.canal == "sms"


@pytest.mark.django_db
def test_a_mentee_who_chose_sms_for_proposals_gets_them_by_sms(settings):
    from mentorat.canaux import Genre
    from tests.mentorat.factories import UserFactory

    settings.SMS_CONSOLE = True
    programme = ProgrammeFactory(avis_filleul=AvisFilleul.ACCEPTER)
    user = UserFactory(mobile=True, canaux={Genre.PROPOSITIONS: "sms"})
    proposition = ParrainageFactory(programme=programme, filleul=FilleulFactory(user=user))
    propositions_confirmer(ids=[proposition.pk])
    assert [e.canal for e in envois("proposition_au_filleul")] == ["sms"]


@pytest.mark.django_db
def test_options_confirmed_one_by_one_make_one_notice_and_one_reminder(settings):
    from mentorat.envois import envois_expedier

    programme = ProgrammeFactory(avis_filleul=AvisFilleul.CHOISIR, relance_proposition_jours=3)
    filleul = FilleulFactory()
    options = [
        ParrainageFactory(programme=programme, filleul=filleul, option=True) for _ in range(3)
    ]
    # Highest id first: the key does not follow the lowest id of each batch.
    for option in reversed(options):
        propositions_confirmer(ids=[option.pk])
    assert len(envois("proposition_au_filleul")) == 1
    for jours in (4, 5, 6):
        relances_planifier(
            regles=["choix_filleul_sans_reponse"],
            maintenant=timezone.now() + dt.timedelta(days=jours),
        )
    assert len(envois("choix_filleul_sans_reponse")) == 1

    # Once she answered, what is still in the outbox about her choice goes no more.
    Envoi.objects.update(statut=Envoi.Statut.A_ENVOYER)
    filleul_refuser(parrainage=options[0], par=filleul.user)
    envois_expedier()
    for regle in ("proposition_au_filleul", "choix_filleul_sans_reponse"):
        (envoi,) = envois(regle)
        assert envoi.statut == Envoi.Statut.ANNULE, envoi.erreur


@pytest.mark.django_db
def test_the_run_counts_each_mentee_once_and_averages_her_first_option():
    programme = programme_au_choix()
    filleul, options = options_lancees(programme)
    run = options[0].matching_run
    assert len(options) == 3 and run.propositions == 1
    assert run.score_total in {int(o.score) for o in options}
    assert run.score_moyen == run.score_total
