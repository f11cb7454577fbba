"""The pair's last meeting held (``Parrainage.derniere_rencontre_le``), kept by the database.

The triggers of migration ``parrainages 0046`` recompute it on every write of a meeting; these
tests write meetings by every path the code and the admin use (a save, a bulk create, a
queryset update, a delete, a move to another pair) and compare the column with the meetings
themselves. They run on SQLite and, with ``DATABASE_URL``, on PostgreSQL (the two have their
own triggers).
"""

import datetime as dt

import pytest
from django.db.models import Max
from django.utils import timezone

from parrainages.models import Parrainage, Rencontre
from parrainages.suivi import binomes_en_panne
from tests.parrainages.factories import ParrainageFactory, RencontreFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


def il_y_a(jours, heure=10):
    instant = timezone.localtime() - dt.timedelta(days=jours)
    return instant.replace(hour=heure, minute=0, second=0, microsecond=0)


def derniere(parrainage):
    return Parrainage.objects.values_list("derniere_rencontre_le", flat=True).get(pk=parrainage.pk)


def attendue(parrainage):
    return Rencontre.objects.filter(parrainage=parrainage, statut=Rencontre.Statut.TENUE).aggregate(
        m=Max("debut")
    )["m"]


def test_a_held_meeting_sets_it_a_planned_or_cancelled_one_does_not():
    p = ParrainageFactory(actif=True)
    assert derniere(p) is None
    RencontreFactory(parrainage=p, tenue=True, debut=il_y_a(10))
    assert derniere(p) == il_y_a(10)
    RencontreFactory(parrainage=p, debut=timezone.now() + dt.timedelta(days=2))
    RencontreFactory(parrainage=p, annulee=True, debut=il_y_a(2))
    assert derniere(p) == il_y_a(10)


def test_a_meeting_marked_held_moves_it_forward():
    p = ParrainageFactory(actif=True)
    RencontreFactory(parrainage=p, tenue=True, debut=il_y_a(20))
    r = RencontreFactory(parrainage=p, debut=il_y_a(3))
    r.marquer_tenue(compte_rendu="Point sur le CV")
    r.save()
    assert derniere(p) == il_y_a(3)


def test_bulk_writes_updates_deletes_and_moves_keep_it_right():
    a, b = ParrainageFactory(actif=True), ParrainageFactory(actif=True)
    Rencontre.objects.bulk_create(
        [
            Rencontre(parrainage=a, debut=il_y_a(30), statut=Rencontre.Statut.TENUE),
            Rencontre(parrainage=a, debut=il_y_a(12), statut=Rencontre.Statut.TENUE),
            Rencontre(parrainage=b, debut=il_y_a(5), statut=Rencontre.Statut.TENUE),
            Rencontre(parrainage=b, debut=il_y_a(1), statut=Rencontre.Statut.PREVUE),
        ]
    )
    assert (derniere(a), derniere(b)) == (il_y_a(12), il_y_a(5))
    # A start changed by a queryset update (no save, no signal).
    Rencontre.objects.filter(parrainage=a, debut=il_y_a(12)).update(debut=il_y_a(8))
    assert derniere(a) == il_y_a(8)
    # A meeting moved from one pair to the other: both recomputed.
    Rencontre.objects.filter(parrainage=a, debut=il_y_a(8)).update(parrainage=b, debut=il_y_a(4))
    assert (derniere(a), derniere(b)) == (il_y_a(30), il_y_a(4))
    # Status only: a planned meeting held.
    Rencontre.objects.filter(parrainage=b, statut=Rencontre.Statut.PREVUE).update(
        statut=Rencontre.Statut.TENUE
    )
    assert derniere(b) == il_y_a(1)
    # Deleted: back to the one before, then to none.
    Rencontre.objects.filter(parrainage=b, debut=il_y_a(1)).delete()
    assert derniere(b) == il_y_a(4)
    Rencontre.objects.filter(parrainage=a).delete()
    assert derniere(a) is None
    for p in (a, b):
        assert derniere(p) == attendue(p)


def test_an_update_of_the_report_only_leaves_it():
    p = ParrainageFactory(actif=True)
    RencontreFactory(parrainage=p, tenue=True, debut=il_y_a(6))
    Rencontre.objects.filter(parrainage=p).update(compte_rendu="Relu")
    assert derniere(p) == il_y_a(6)


def test_the_stalled_pairs_are_read_in_one_query_whatever_their_number(
    django_assert_num_queries,
):
    programme = ProgrammeFactory(relance_sans_rencontre_jours=21)
    debut = timezone.localdate() - dt.timedelta(days=90)
    silencieux = []
    for jours in (60, 45, 30, 22):
        p = ParrainageFactory(programme=programme, actif=True, date_debut=debut)
        RencontreFactory(parrainage=p, tenue=True, debut=il_y_a(jours))
        silencieux.append(p)
    recente = ParrainageFactory(programme=programme, actif=True, date_debut=debut)
    RencontreFactory(parrainage=recente, tenue=True, debut=il_y_a(3))
    jamais = ParrainageFactory(programme=programme, actif=True, date_debut=debut)
    with django_assert_num_queries(1):
        lignes = binomes_en_panne()
        # The rows carry what the page shows, without another query.
        noms = [(p.parrain_nom, p.filleul_nom, p.programme, str(p)) for p in lignes]
    assert [p.pk for p in lignes] == [jamais.pk] + [p.pk for p in silencieux]
    # The names as the people and the pair give them.
    for (parrain_nom, filleul_nom, programme_nom, libelle), p in zip(
        noms, [jamais, *silencieux], strict=True
    ):
        assert parrain_nom == p.parrain.user.get_full_name()
        assert filleul_nom == p.filleul.user.get_full_name()
        assert programme_nom == programme.nom and libelle == str(p)
    assert [p.jours_sans_rencontre for p in lignes] == [90, 60, 45, 30, 22]
    assert binomes_en_panne(limite=2) == lignes[:2]


def _page_de_suivi(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    with CaptureQueriesContext(connection) as requetes:
        reponse = client.get(reverse("admin:parrainages_parrainage_suivi"))
    assert reponse.status_code == 200
    return reponse, len(requetes)


def test_the_follow_up_page_reads_the_same_queries_for_two_rows_or_twenty(client):
    from tests.mentorat.factories import connecter, gestionnaire

    programme = ProgrammeFactory(relance_sans_rencontre_jours=21)
    debut = timezone.localdate() - dt.timedelta(days=400)
    ParrainageFactory.create_batch(2, programme=programme, actif=True, date_debut=debut)
    connecter(client, gestionnaire())
    _page_de_suivi(client)
    reponse, avant = _page_de_suivi(client)
    assert len(reponse.context["en_panne"]) == 2
    ParrainageFactory.create_batch(18, programme=programme, actif=True, date_debut=debut)
    reponse, apres = _page_de_suivi(client)
    assert len(reponse.context["en_panne"]) == 20
    assert apres == avant


def test_a_full_save_of_a_pair_read_before_a_meeting_keeps_the_date():
    """A pair read, a meeting logged meanwhile, then the pair saved whole (every column): the
    date stays the meetings' (the column is the triggers' alone)."""
    p = ParrainageFactory(actif=True)
    lue_avant = Parrainage.objects.get(pk=p.pk)
    RencontreFactory(parrainage=p, tenue=True, debut=il_y_a(5))
    lue_avant.motif_fin = "Relu"
    lue_avant.save()
    assert derniere(p) == il_y_a(5)
    # Written by hand, as a statement: kept as well.
    Parrainage.objects.filter(pk=p.pk).update(derniere_rencontre_le=il_y_a(50))
    assert derniere(p) == il_y_a(5)


def test_an_erased_person_is_named_in_the_follow_up_as_the_pair_names_them():
    """The rows read as values (``parrainages/suivi.py``, ``Ligne``) name an erased account,
    a mentor's company and a mentee without a name as the models do."""
    from parrainages.models import Filleul, Parrain

    programme = ProgrammeFactory(relance_sans_rencontre_jours=21)
    debut = timezone.localdate() - dt.timedelta(days=60)
    efface = ParrainageFactory(programme=programme, actif=True, date_debut=debut)
    Parrain.objects.filter(pk=efface.parrain_id).update(user=None, entreprise="Acme")
    Filleul.objects.filter(pk=efface.filleul_id).update(user=None)
    sans_nom = ParrainageFactory(
        programme=programme, actif=True, date_debut=debut + dt.timedelta(days=1)
    )
    sans_nom.filleul.user.first_name = sans_nom.filleul.user.last_name = ""
    sans_nom.filleul.user.save()
    lignes = binomes_en_panne()
    attendus = [Parrainage.objects.get(pk=efface.pk), Parrainage.objects.get(pk=sans_nom.pk)]
    assert [str(ligne) for ligne in lignes] == [str(p) for p in attendus]
    assert lignes[0].parrain_nom == lignes[0].filleul_nom == ""
    assert lignes[1].filleul_nom == "" and str(lignes[1]).count(sans_nom.filleul.user.email) == 1
