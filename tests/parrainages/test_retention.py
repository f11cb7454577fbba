"""Data retention: warnings, anonymisation after the notice, unverified accounts, statistics."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from mentorat.envois import envois_expedier
from mentorat.models import Envoi, User
from parrainages import retention
from parrainages.models import Candidature, Filleul, Parrain, Parrainage, Sortie
from parrainages.services import (
    compte_effacer,
    filleul_exporter,
)
from parrainages.tasks import appliquer_retention
from partenaires.indicateurs import Demande, compter
from programmes.models import Programme
from tests.mentorat.factories import EmailAddressFactory, EnvoiFactory, UserFactory, gestionnaire
from tests.parrainages.factories import (
    CandidatureFactory,
    CharteFactory,
    FilleulFactory,
    ImmersionFactory,
    ParrainageFactory,
    ParrainFactory,
    RencontreFactory,
    SortieFactory,
    partie_de,
    signer,
)
from tests.partenaires import scenario
from tests.partenaires.factories import MembreFactory, PrescriptionFactory

pytestmark = pytest.mark.django_db

D, W = 730, 30  # inactivity period and notice, in days


@pytest.fixture(autouse=True)
def periodes(settings):
    settings.RETENTION_INACTIVITE_JOURS = D
    settings.RETENTION_PREAVIS_JOURS = W
    settings.RETENTION_NON_VERIFIE_JOURS = 7
    settings.RETENTION_ENVOIS_JOURS = 365


@pytest.fixture
def now():
    """Noon today, Paris time: day boundaries stay put whatever the hour of the run."""
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12)))


def jours(n):
    return dt.timedelta(days=n)


def inactif(quand, *, role="filleul", **kwargs):
    """A person whose only traces date from ``quand`` (a verified account)."""
    factory = FilleulFactory if role == "filleul" else ParrainFactory
    personne = factory(user__date_joined=quand, user__last_login=quand, created_at=quand, **kwargs)
    EmailAddressFactory(user=personne.user)
    return personne


def appliquer(quand, **kwargs):
    return retention.retention_appliquer(maintenant=quand, **kwargs)


def avertissements():
    return Envoi.objects.filter(regle=retention.REGLE)


# --- Warning, then anonymisation ----------------------------------------------------------------


def test_warned_on_the_day_inactivity_reaches_the_period_minus_the_notice(now):
    filleul = inactif(now - jours(D - W))
    assert appliquer(now - jours(1)).avertis == 0  # the day before
    assert not avertissements().exists()

    bilan = appliquer(now)
    assert bilan.avertis == 1 and bilan.anonymises == 0
    envoi = avertissements().get()
    derniere = timezone.localdate(now - jours(D - W))
    assert envoi.cle == f"retention_avertissement:{filleul.user_id}:{derniere.isoformat()}"
    assert envoi.essentiel and envoi.email == filleul.user.email
    assert envoi.contexte["date_anonymisation"] == f"{timezone.localdate(now) + jours(W):%d/%m/%Y}"


def test_the_warning_is_sent_once_whatever_the_number_of_runs(now):
    filleul = inactif(now - jours(D - W))
    assert appliquer(now).avertis == 1
    assert appliquer(now).avertis == 0
    assert appliquer(now + jours(1)).avertis == 0  # same inactivity period: same key
    assert envois_expedier()["envoye"] == 1
    assert envois_expedier() == {}
    assert avertissements().count() == 1
    (message,) = mail.outbox
    assert message.to == [filleul.user.email]
    assert "sera anonymisé à partir du" in message.body
    assert "/comptes/login/" in message.body and "Depuis votre espace" in message.body
    html = message.alternatives[0][0]
    assert "Me connecter" in html and "List-Unsubscribe" not in message.extra_headers


def test_anonymised_once_the_period_and_the_notice_are_over(now):
    filleul = inactif(now - jours(D - W))
    user_id = filleul.user_id
    appliquer(now)
    envois_expedier()

    assert appliquer(now + jours(W - 1)).anonymises == 0
    assert User.objects.filter(pk=user_id).exists()

    bilan = appliquer(now + jours(W))
    assert bilan.anonymises == 1
    filleul.refresh_from_db()
    assert filleul.user is None and filleul.anonymise_le is not None
    assert not User.objects.filter(pk=user_id).exists()
    envoi = avertissements().get()
    assert envoi.email == "" and envoi.contexte == {} and envoi.statut == Envoi.Statut.ENVOYE
    assert len(mail.outbox) == 1  # the warning; nothing after the anonymisation

    assert appliquer(now + jours(W)) == retention.Bilan()  # twice: nothing more
    assert appliquer(now + jours(W + 1)) == retention.Bilan()


def test_a_person_inactive_for_long_still_gets_the_whole_notice(now):
    filleul = inactif(now - jours(3 * D))
    assert appliquer(now).avertis == 1
    envoi = avertissements().get()
    assert envoi.contexte["date_anonymisation"] == f"{timezone.localdate(now) + jours(W):%d/%m/%Y}"
    assert appliquer(now).anonymises == 0  # warned now: never in the same run
    envois_expedier()
    assert appliquer(now + jours(W - 1)).anonymises == 0
    assert appliquer(now + jours(W)).anonymises == 1
    assert not User.objects.filter(pk=filleul.user_id).exists()


def test_an_unsent_warning_does_not_count(now):
    inactif(now - jours(3 * D))
    appliquer(now)  # written to the outbox, never sent (worker down)
    assert appliquer(now + jours(W + 10)).anonymises == 0


def test_a_warning_refused_for_good_counts_after_the_notice(now):
    """The address does not exist (a 5xx refusal): nobody can be told by e-mail."""
    inactif(now - jours(3 * D))
    appliquer(now)
    avertissements().update(statut=Envoi.Statut.ECHEC, refus_definitif=True, reserve_le=now)
    assert appliquer(now + jours(W - 1)).anonymises == 0
    assert appliquer(now + jours(W)).anonymises == 1


def test_a_warning_never_delivered_never_leads_to_anonymisation(now):
    """The mail server was down past the outbox's three days of retries: the person was never
    told, so nothing is anonymised until the warning leaves (staff send it again)."""
    inactif(now - jours(3 * D))
    appliquer(now)
    avertissements().update(statut=Envoi.Statut.ECHEC, refus_definitif=False, reserve_le=now)
    assert appliquer(now + jours(W)).anonymises == 0
    assert appliquer(now + jours(2 * W)).anonymises == 0
    # Sent again (from the admin), and delivered: the notice runs from today. (Due at the real
    # clock's time, which the outbox reads: ``now`` is noon, still ahead in the small hours.)
    avertissements().update(statut=Envoi.Statut.A_ENVOYER, prochain_essai=timezone.now())
    assert envois_expedier() == {"envoye": 1}
    assert appliquer(now + jours(W - 1)).anonymises == 0
    assert appliquer(now + jours(W)).anonymises == 1


def test_logging_in_after_the_warning_keeps_the_account_and_starts_a_new_period(now, client):
    filleul = inactif(now - jours(D - W))
    appliquer(now)
    envois_expedier()
    client.force_login(filleul.user)  # a real login: Django records last_login
    filleul.user.refresh_from_db()
    assert timezone.localdate(filleul.user.last_login) == timezone.localdate()

    assert appliquer(now + jours(W)).anonymises == 0
    bilan = appliquer(now + jours(D - W - 1))
    assert (bilan.avertis, bilan.anonymises) == (0, 0)
    filleul.refresh_from_db()
    assert filleul.user is not None

    # The next period: a new warning, with a new key.
    assert appliquer(now + jours(D - W)).avertis == 1
    assert avertissements().count() == 2


def test_an_outcome_recorded_after_the_warning_keeps_the_mentee(now):
    filleul = inactif(now - jours(D - W))
    pair = ParrainageFactory(
        filleul=filleul,
        termine=True,
        date_debut=timezone.localdate(now - jours(D)),
        date_fin=timezone.localdate(now - jours(D - W)),
    )
    appliquer(now)
    envois_expedier()
    SortieFactory(parrainage=pair, moment=Sortie.Moment.SIX_MOIS, created_at=now + jours(5))
    assert appliquer(now + jours(W)).anonymises == 0
    filleul.refresh_from_db()
    assert filleul.user is not None


def test_a_mentor_with_held_meetings_is_active(now):
    parrain = inactif(now - jours(D), role="parrain")
    pair = ParrainageFactory(
        parrain=parrain,
        termine=True,
        date_debut=timezone.localdate(now - jours(D + 100)),
        date_fin=timezone.localdate(now - jours(D)),
    )
    RencontreFactory(parrainage=pair, tenue=True, debut=now - jours(100))
    RencontreFactory(parrainage=pair, annulee=True, debut=now - jours(10))  # not a trace
    assert appliquer(now).avertis == 0
    assert retention.derniere_activite([parrain.user_id]) == {
        parrain.user_id: timezone.localdate(now - jours(100))
    }


# --- Who is never anonymised --------------------------------------------------------------------


@pytest.mark.parametrize("statut", Parrainage.STATUTS_OUVERTS)
def test_an_open_pair_protects_both_parties(now, statut):
    filleul = inactif(now - jours(2 * D))
    parrain = inactif(now - jours(2 * D), role="parrain")
    ParrainageFactory(filleul=filleul, parrain=parrain, statut=statut)
    assert appliquer(now) == retention.Bilan()


def test_a_pair_opened_after_the_warning_protects(now):
    filleul = inactif(now - jours(2 * D))
    appliquer(now)
    envois_expedier()
    ParrainageFactory(filleul=filleul, statut=Parrainage.Statut.PROPOSITION)
    assert appliquer(now + jours(W)).anonymises == 0


@pytest.mark.parametrize(
    ("statut", "programme", "paire", "protege"),
    [
        (Candidature.Statut.DEPOSEE, Programme.Statut.OUVERT, None, True),
        (Candidature.Statut.EN_ETUDE, Programme.Statut.EN_COURS, None, True),
        (Candidature.Statut.RETENUE, Programme.Statut.OUVERT, None, True),
        (Candidature.Statut.RETENUE, Programme.Statut.OUVERT, Parrainage.Statut.DECLINE, True),
        (Candidature.Statut.RETENUE, Programme.Statut.OUVERT, Parrainage.Statut.TERMINE, False),
        (Candidature.Statut.DEPOSEE, Programme.Statut.CLOS, None, False),
        (Candidature.Statut.REFUSEE, Programme.Statut.OUVERT, None, False),
    ],
)
def test_a_pending_application_protects(now, statut, programme, paire, protege):
    filleul = inactif(now - jours(2 * D))
    candidature = CandidatureFactory(
        filleul=filleul,
        statut=statut,
        programme__statut=programme,
        created_at=now - jours(2 * D),
    )
    if paire:
        ParrainageFactory(
            filleul=filleul,
            programme=candidature.programme,
            statut=paire,
            date_fin=timezone.localdate(now - jours(2 * D)),
        )
    assert appliquer(now).avertis == (0 if protege else 1)


def test_staff_and_active_partner_members_are_never_processed(now):
    longtemps = now - jours(3 * D)
    gestionnaire(date_joined=longtemps, last_login=longtemps)
    UserFactory(is_superuser=True, date_joined=longtemps, last_login=longtemps)
    staff_filleul = inactif(longtemps)
    staff_filleul.user.is_staff = True
    staff_filleul.user.save()
    MembreFactory(user__date_joined=longtemps, user__last_login=longtemps)
    MembreFactory(user__date_joined=longtemps, user__last_login=longtemps, partenaire__actif=False)
    ancien = MembreFactory(user__date_joined=longtemps, user__last_login=longtemps, actif=False)
    assert appliquer(now).avertis == 2  # the former member, the member of a former partner
    assert ancien.user_id in avertissements().values_list("destinataire_id", flat=True)


# --- Accounts never verified --------------------------------------------------------------------


def test_unverified_sign_ups_are_deleted_after_seven_days(now):
    recent = EmailAddressFactory(verified=False, user__date_joined=now - jours(6)).user
    ancien = EmailAddressFactory(verified=False, user__date_joined=now - jours(7)).user
    verifie = EmailAddressFactory(verified=True, user__date_joined=now - jours(30)).user
    invite = ParrainFactory(invite=True, valide_le=None, user__date_joined=now - jours(8))
    cree_par_l_equipe = UserFactory(date_joined=now - jours(30))  # no address record

    assert appliquer(now, dry_run=True).non_verifies_supprimes == 2
    assert User.objects.count() == 5

    assert appliquer(now).non_verifies_supprimes == 2
    assert set(User.objects.values_list("pk", flat=True)) == {
        recent.pk,
        verifie.pk,
        cree_par_l_equipe.pk,
    }
    assert not User.objects.filter(pk=ancien.pk).exists()
    assert not Parrain.objects.filter(pk=invite.pk).exists()  # nothing to count: deleted
    assert mail.outbox == [] and not Envoi.objects.exists()
    assert appliquer(now).non_verifies_supprimes == 0
    assert appliquer(now + jours(1)).non_verifies_supprimes == 1  # the recent one's turn


def test_an_unverified_account_with_an_open_pair_is_kept(now):
    invite = ParrainFactory(invite=True, valide_le=None, user__date_joined=now - jours(30))
    ParrainageFactory(parrain=invite, statut=Parrainage.Statut.PROPOSITION)
    assert appliquer(now).non_verifies_supprimes == 0


# --- What anonymisation keeps and erases --------------------------------------------------------


def test_the_mentor_service_erases_identity_and_keeps_the_records(now):
    pair = ParrainageFactory(
        termine=True,
        date_debut=timezone.localdate(now - jours(200)),
        date_fin=timezone.localdate(now - jours(20)),
        motif_fin="Inès a trouvé un CDI chez Transports Martin.",
        parrain__bio="Vingt ans de recrutement dans la logistique.",
        parrain__valide_le=now - jours(300),
    )
    parrain, user, user_id = pair.parrain, pair.parrain.user, pair.parrain.user_id
    rencontre = RencontreFactory(
        parrainage=pair, tenue=True, debut=now - jours(50), compte_rendu="Notes privées"
    )
    immersion = ImmersionFactory(parrainage=pair, terminee=True, tuteur_nom="Martin")
    charte = CharteFactory(parrainage=pair, texte=f"Charte de {user.get_full_name()}")
    signature = signer(partie_de(charte, "parrain"), adresse_ip="192.0.2.1")
    EnvoiFactory(destinataire=user)

    compte_effacer(user=user, notifier=False)

    parrain.refresh_from_db()
    assert parrain.user is None and parrain.statut == Parrain.Statut.INACTIF
    assert (parrain.entreprise, parrain.fonction, parrain.bio) == ("", "", "")
    assert str(parrain) == "Parrain anonymisé"
    assert parrain not in Parrain.objects.actifs()
    assert parrain.valide_le is not None and parrain.commune_id is not None
    rencontre.refresh_from_db()
    immersion.refresh_from_db()
    charte.refresh_from_db()
    signature.refresh_from_db()
    assert rencontre.compte_rendu == "" and rencontre.statut == "tenue"
    assert immersion.tuteur_nom == "" and "compte supprimé" in immersion.texte
    assert "compte supprimé" in charte.texte and user.last_name not in charte.texte
    assert (signature.user, signature.prenom, signature.nom) == (None, "", "")
    assert signature.adresse_ip is None and signature.signee_le is not None
    assert not User.objects.filter(pk=user_id).exists()
    envoi = Envoi.objects.get()
    assert envoi.email == "" and envoi.statut == Envoi.Statut.ANNULE_EFFACEMENT
    pair.refresh_from_db()
    assert pair.statut == Parrainage.Statut.TERMINE and pair.motif_fin == ""
    assert pair.date_fin is not None
    export = filleul_exporter(filleul=pair.filleul)
    assert export["parrainages"][0]["parrain"] == "Parrain anonymisé"


def test_a_person_both_mentor_and_mentee_loses_both_identities(now):
    filleul = FilleulFactory()
    parrain = ParrainFactory(user=filleul.user, valide_le=now)
    compte_effacer(user=filleul.user, notifier=False)
    filleul.refresh_from_db()
    parrain.refresh_from_db()
    assert filleul.user is None and filleul.anonymise_le is not None
    assert parrain.user is None and parrain.fonction == ""


def test_statistics_survive_the_anonymisation_of_everyone():
    s = scenario.construire()
    demandes = {
        "a_q1": (s.convention_a, [Demande(i, *scenario.Q1) for i in scenario.ATTENDU_A_Q1]),
        "a_q2": (s.convention_a, [Demande(i, *scenario.Q2) for i in scenario.ATTENDU_A_Q2]),
        "b_q1": (s.convention_b, [Demande(i, *scenario.Q1) for i in scenario.ATTENDU_B_Q1]),
    }

    def chiffres():
        return {nom: compter(c, d) for nom, (c, d) in demandes.items()}

    avant = chiffres()
    assert {d.indicateur: n for d, n in avant["a_q1"].items()} == scenario.ATTENDU_A_Q1
    for filleul in list(Filleul.objects.filter(user__isnull=False).select_related("user")):
        compte_effacer(user=filleul.user, notifier=False)
    for parrain in list(Parrain.objects.filter(user__isnull=False).select_related("user")):
        compte_effacer(user=parrain.user, notifier=False)
    assert not Filleul.objects.filter(user__isnull=False).exists()
    assert not Parrain.objects.filter(user__isnull=False).exists()
    assert chiffres() == avant


def test_statistics_survive_the_retention_task():
    s = scenario.construire()
    demandes = [Demande(i, *scenario.Q1) for i in scenario.ATTENDU_A_Q1]
    avant = compter(s.convention_a, demandes), compter(s.convention_b, demandes)
    plus_tard = timezone.now() + jours(D + 100)

    assert appliquer(plus_tard).avertis == 4
    envois_expedier()
    bilan = appliquer(plus_tard + jours(W))
    # f2 (pair interrupted) and three mentors without an open pair; everyone else has an open
    # pair or a pending application, and partner members are left alone.
    assert bilan.anonymises == 4
    assert set(Filleul.objects.filter(user__isnull=True)) == {s.f2}
    assert set(Parrain.objects.filter(user__isnull=True)) == {s.m2, s.m3, s.m4}
    assert User.objects.filter(pk__in=[s.membre_a.user_id, s.membre_b.user_id]).count() == 2
    assert (compter(s.convention_a, demandes), compter(s.convention_b, demandes)) == avant


# --- Referrals, sessions, outbox, command, task ---


def test_referrals_never_taken_up_are_erased_once_the_invitation_and_sign_up_delay_are_over(now):
    expiree = PrescriptionFactory(created_at=now - jours(30 + 7), message="Jeune motivé")
    recente = PrescriptionFactory(created_at=now - jours(30 + 6))
    suivie = PrescriptionFactory(
        created_at=now - jours(400), filleul=FilleulFactory(), utilisee_le=now - jours(399)
    )
    assert appliquer(now).invitations_effacees == 1
    expiree.refresh_from_db()
    recente.refresh_from_db()
    suivie.refresh_from_db()
    assert (expiree.prenom, expiree.nom, expiree.email, expiree.message) == (
        "Personne",
        "anonymisée",
        "",
        "",
    )
    assert expiree.partenaire_id and recente.email and suivie.email
    assert appliquer(now).invitations_effacees == 0


def test_expired_sessions_are_deleted(now, client):
    from mentorat.models import Session

    client.force_login(UserFactory())
    # The session's end is set by the real clock (``now`` is noon: after it, in the small hours).
    maintenant = timezone.now()
    assert appliquer(maintenant, dry_run=True).sessions_expirees == 0
    assert appliquer(maintenant + jours(1)).sessions_expirees == 1
    assert not Session.objects.exists()


def test_the_privacy_page_states_the_periods(client, settings):
    settings.RETENTION_INACTIVITE_JOURS = 3 * 365
    texte = client.get("/confidentialite/").content.decode()
    assert "Après 3 ans sans aucune activité" in texte
    assert "30 jours avant" in texte and "au bout de 7 jours" in texte


# --- Outbox, command, task ----------------------------------------------------------------------


def test_old_outbox_rows_are_emptied_but_keep_their_key(now):
    vieux = EnvoiFactory(envoye=True, created_at=now - jours(366))
    recent = EnvoiFactory(envoye=True, created_at=now - jours(364))
    en_attente = EnvoiFactory(created_at=now - jours(400))
    assert appliquer(now).envois_purges == 1
    vieux.refresh_from_db()
    recent.refresh_from_db()
    en_attente.refresh_from_db()
    assert vieux.email == "" and vieux.contexte == {} and vieux.cle.startswith("essai:")
    assert recent.email and en_attente.email
    assert appliquer(now).envois_purges == 0


def test_old_audit_entries_are_deleted(now):
    from auditlog.models import LogEntry

    pair = ParrainageFactory()
    LogEntry.objects.all().update(timestamp=now - jours(1096))
    pair.objectifs = "Préparer les entretiens"
    pair.save()
    assert LogEntry.objects.count() >= 2
    recents = LogEntry.objects.filter(timestamp__gte=now - jours(1)).count()
    assert appliquer(now, dry_run=True).journal_purge == LogEntry.objects.count() - recents
    purges = appliquer(now).journal_purge
    assert purges > 0 and LogEntry.objects.count() == recents
    assert appliquer(now).journal_purge == 0


def test_the_command_dry_run_counts_and_changes_nothing():
    now = timezone.now()
    inactif(now - jours(D - W + 1))  # to warn
    a_anonymiser = inactif(now - jours(D + 40))
    derniere = timezone.localdate(now - jours(D + 40))
    EnvoiFactory(
        regle=retention.REGLE,
        cle=f"{retention.REGLE}:{a_anonymiser.user_id}:{derniere.isoformat()}",
        destinataire=a_anonymiser.user,
        envoye=True,
        envoye_le=now - jours(W + 1),
        created_at=now - jours(W + 1),
    )
    EmailAddressFactory(verified=False, user__date_joined=now - jours(10))
    EnvoiFactory(envoye=True, created_at=now - jours(400))
    photo = (
        list(User.objects.order_by("pk").values()),
        list(Envoi.objects.order_by("pk").values()),
        list(Filleul.objects.order_by("pk").values()),
    )

    out = io.StringIO()
    call_command("appliquer_retention", "--dry-run", stdout=out)
    texte = out.getvalue()
    assert "comptes non vérifiés à supprimer : 1" in texte
    assert "personnes à avertir : 1" in texte
    assert "personnes à anonymiser : 1" in texte
    assert "orientations jamais suivies à effacer : 0" in texte
    assert "e-mails anciens à vider : 1" in texte
    assert photo == (
        list(User.objects.order_by("pk").values()),
        list(Envoi.objects.order_by("pk").values()),
        list(Filleul.objects.order_by("pk").values()),
    )

    out = io.StringIO()
    call_command("appliquer_retention", stdout=out)
    assert "Personnes anonymisées : 1" in out.getvalue()
    assert "Personnes averties : 1" in out.getvalue()
    a_anonymiser.refresh_from_db()
    assert a_anonymiser.user is None


def test_the_task_warns_and_sends():
    filleul = inactif(timezone.now() - jours(D))
    resultat = appliquer_retention.delay().get()
    assert resultat["avertis"] == 1
    assert [m.to for m in mail.outbox] == [[filleul.user.email]]


def test_selection_is_set_based(now, django_assert_max_num_queries):
    for _ in range(30):
        inactif(now - jours(D))
    with django_assert_max_num_queries(len(retention.TRACES) + 8):
        warnings = [e for lot in retention.avertissements(now) for e in lot]
    assert len(warnings) == 30
