"""The audit trail (django-auditlog): who changed what and when, for administrators only, and
without the identity of people whose account was erased."""

import copy
import datetime as dt
import json

import pytest
from auditlog.context import disable_auditlog, set_actor
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from mentorat.audit import EFFACE, journal_creations, journal_modifications
from mentorat.models import CodeSignature, Partie, User
from mentorat.roles import ADMINISTRATEUR, GESTIONNAIRE
from mentorat.signatures import lien_emettre
from parrainages.models import Candidature, Charte, Filleul, Parrain, Parrainage
from parrainages.services import compte_effacer
from partenaires.models import Convention, Objectif
from tests.mentorat.factories import (
    PartieFactory,
    UserFactory,
    administrateur,
    connecter,
    gestionnaire,
)
from tests.mentorat.helpers import form_data
from tests.parrainages.factories import (
    CandidatureFactory,
    CharteFactory,
    FilleulFactory,
    ParrainageFactory,
    ParrainFactory,
    partie_de,
    signer,
)
from tests.partenaires.factories import ConventionFactory
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

JOURNALISES = {User, Filleul, Parrain, Parrainage, Candidature, Charte, Partie, Convention}
JOURNALISES |= {Objectif}


def entrees_de(obj):
    return LogEntry.objects.get_for_object(obj).order_by("timestamp", "pk")


def tout_le_journal() -> str:
    return json.dumps(
        [
            [e.object_repr, e.changes, e.changes_text, e.actor_email, e.remote_addr]
            for e in LogEntry.objects.all()
        ],
        ensure_ascii=False,
        default=str,
    )


def test_people_pairs_charters_and_conventions_are_journaled():
    assert {m for m in JOURNALISES if auditlog.contains(m)} == JOURNALISES
    assert not auditlog.contains(CodeSignature)  # its code hash never reaches the trail


def test_secrets_and_login_noise_are_not_recorded(client):
    user = UserFactory()
    user.set_password("un-autre-mot-de-passe")
    user.save()
    client.force_login(user)  # updates last_login
    charte = CharteFactory(texte="Charte signée par Inès Benali")
    champs = {champ for e in LogEntry.objects.all() for champ in (e.changes or {})}
    assert "password" not in champs and "last_login" not in champs
    assert "texte" not in champs  # the frozen text is followed by its SHA-256
    assert "texte_sha256" in json.dumps(entrees_de(charte).first().changes)
    assert "Benali" not in json.dumps([e.changes for e in entrees_de(charte)])
    # Nor the hash of a party's link (it opens the document to sign).
    partie = PartieFactory(sans_compte=True)
    lien_emettre(partie)
    partie.refresh_from_db()
    assert partie.jeton_hash and entrees_de(partie).count() == 2
    assert partie.jeton_hash not in tout_le_journal()
    assert not [e for e in entrees_de(partie) if "jeton_hash" in (e.changes or {})]
    assert "jeton_expire_le" in entrees_de(partie).last().changes


def test_a_change_in_the_admin_is_recorded_with_its_author(client):
    convention = ConventionFactory(titre="Convention initiale")
    convention.programmes.add(ProgrammeFactory())
    staff = connecter(client, gestionnaire())
    page = reverse("admin:partenaires_convention_change", args=[convention.pk])
    data = form_data(client.get(page))
    data["titre"] = "Convention révisée"
    response = client.post(page, data, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302, response.context["adminform"].form.errors
    entree = entrees_de(convention).last()
    assert entree.action == LogEntry.Action.UPDATE
    assert entree.changes["titre"] == ["Convention initiale", "Convention révisée"]
    assert entree.actor == staff and entree.remote_addr == "203.0.113.9"


def test_only_administrateurs_read_the_trail(client):
    pair = ParrainageFactory()
    historique = reverse("admin:parrainages_parrainage_history", args=[pair.pk])
    journal = reverse("admin:auditlog_logentry_changelist")

    connecter(client, gestionnaire())
    assert client.get(journal).status_code == 403
    response = client.get(historique)
    assert response.status_code == 200
    assert "admin/journal_audit.html" not in [t.name for t in response.templates]

    connecter(client, administrateur())
    response = client.get(journal)
    assert response.status_code == 200
    assert "Modification" in response.content.decode() or "Création" in response.content.decode()
    response = client.get(historique)
    assert response.status_code == 200
    assert "admin/journal_audit.html" in [t.name for t in response.templates]
    assert "Journal d'audit" in response.content.decode()
    assert "Création" in response.content.decode()


def test_the_groups_rights_on_the_trail():
    def codenames(nom):
        return {
            f"{p.content_type.app_label}.{p.codename}"
            for p in Group.objects.get(name=nom).permissions.select_related("content_type")
        }

    assert not {p for p in codenames(GESTIONNAIRE) if p.startswith("auditlog.")}
    assert "auditlog.view_logentry" in codenames(ADMINISTRATEUR)


# --- GDPR: an erased account leaves no identity in the trail ----------------------------------


def _mentee_with_history():
    filleul = FilleulFactory(
        identifiant_france_travail="7654321B", date_naissance=dt.date(2001, 7, 9)
    )
    user = filleul.user
    user.first_name, user.last_name, user.telephone = "Inès", "Benali", "0611223344"
    user.save()
    candidature = CandidatureFactory(filleul=filleul, motif_refus="Inès Benali hésite")
    pair = ParrainageFactory(filleul=filleul, candidature=candidature, actif=True)
    pair.objectifs = "Aider Inès Benali à préparer ses entretiens"
    pair.save()
    charte = CharteFactory(parrainage=pair)
    signer(partie_de(charte, "filleul"), adresse_ip="198.51.100.8")
    return filleul, pair


IDENTITE = ("Inès", "Benali", "0611223344", "7654321B", "2001-07-09", "198.51.100.8")


def test_deleting_a_mentee_account_erases_them_from_the_trail(client):
    filleul, pair = _mentee_with_history()
    user = filleul.user
    email, user_pk = user.email, user.pk
    journal_avant = tout_le_journal()
    assert all(trace in journal_avant for trace in (*IDENTITE, email))

    client.force_login(user)
    response = client.post(
        reverse("filleul:supprimer"),
        {"mot_de_passe": "motdepasse-de-test", "confirmation": "on"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302

    journal = tout_le_journal()
    for trace in (*IDENTITE, email, "198.51.100.7"):
        assert trace not in journal, [
            (e.content_type.model, e.object_id, e.object_repr, e.changes, e.actor_email)
            for e in LogEntry.objects.all()
            if trace in json.dumps([e.object_repr, e.changes, e.actor_email], ensure_ascii=False)
        ]
    # Their own entries as actor (the erasure itself) lost the link to the deleted account.
    assert not LogEntry.objects.filter(actor_id=user_pk).exists()
    connection.check_constraints()
    # What staff need is still there: what changed, when, the statuses and links.
    entrees_pair = list(entrees_de(pair))
    assert entrees_pair
    assert {e.object_repr for e in entrees_pair} == {f"Parrainage n° {pair.pk}"}
    creation = entrees_pair[0].changes
    assert creation["statut"][1] == "actif" and creation["filleul"][1] == str(filleul.pk)
    assert creation["objectifs"] == [EFFACE, EFFACE]
    compte = LogEntry.objects.filter(content_type__model="user", object_id=user_pk)
    assert compte.filter(action=LogEntry.Action.DELETE).exists()
    assert all(e.object_repr == f"Utilisateur n° {user_pk}" for e in compte)


def test_deleting_a_mentor_account_erases_them_from_the_trail():
    pair = ParrainageFactory(actif=True)
    parrain = pair.parrain
    user = parrain.user
    user.first_name, user.last_name = "Gaspard", "Lenoir"
    user.save()
    parrain.entreprise = "Lenoir Conseil"
    parrain.save()
    assert "Lenoir" in tout_le_journal()
    compte_effacer(user=user, notifier=False)
    journal = tout_le_journal()
    assert "Lenoir" not in journal and "Gaspard" not in journal
    assert {e.object_repr for e in entrees_de(parrain)} == {f"Parrain ou marraine n° {parrain.pk}"}
    connection.check_constraints()


# --- Bulk writes: the entries auditlog would have written row by row --------------------------

CHAMPS_D_UNE_ENTREE = (
    "content_type_id",
    "object_pk",
    "object_id",
    "object_repr",
    "action",
    "changes",
    "changes_text",
    "actor_id",
    "actor_email",
    "remote_addr",
    "remote_port",
    "cid",
    "serialized_data",
    "additional_data",
)


def _entree(entree) -> dict:
    return {champ: getattr(entree, champ) for champ in CHAMPS_D_UNE_ENTREE}


def test_a_bulk_update_entry_is_what_auditlog_writes_for_a_save():
    staff = gestionnaire()
    parrain = ParrainFactory(statut=Parrain.Statut.A_VALIDER)
    avant = copy.copy(parrain)
    parrain.statut, parrain.valide_le = Parrain.Statut.ACTIF, timezone.now()
    with set_actor(staff, remote_addr="203.0.113.9"):
        parrain.save(update_fields=["statut", "valide_le"])
        par_auditlog = entrees_de(parrain).last()
        assert (
            journal_modifications(
                [parrain], avant={parrain.pk: avant}, champs=["statut", "valide_le"]
            )
            == 1
        )
    en_masse = entrees_de(parrain).last()
    assert en_masse.pk != par_auditlog.pk
    assert _entree(en_masse) == _entree(par_auditlog)
    assert en_masse.changes["statut"] == ["a_valider", "actif"]
    assert (en_masse.actor, en_masse.remote_addr) == (staff, "203.0.113.9")


def test_a_bulk_creation_entry_is_what_auditlog_writes_for_a_first_save():
    staff = gestionnaire()
    with set_actor(staff, remote_addr="203.0.113.9"):
        pair = ParrainageFactory(score=12.5, raisons=["Même secteur", "À 3 km"])
        par_auditlog = entrees_de(pair).get()
        assert journal_creations([pair]) == 1
    en_masse = entrees_de(pair).last()
    assert en_masse.pk != par_auditlog.pk
    assert _entree(en_masse) == _entree(par_auditlog)
    assert en_masse.action == LogEntry.Action.CREATE


def test_a_bulk_entry_outside_a_request_has_no_author(client):
    """A task after a request in the same thread: the request's author is not carried over."""
    staff = connecter(client, gestionnaire())
    assert client.get(reverse("admin:index")).status_code == 200
    parrain = ParrainFactory(statut=Parrain.Statut.A_VALIDER)
    avant = copy.copy(parrain)
    parrain.statut = Parrain.Statut.ACTIF
    journal_modifications([parrain], avant={parrain.pk: avant}, champs=["statut"])
    entree = entrees_de(parrain).last()
    assert (entree.actor, entree.actor_email, entree.remote_addr) == (None, None, None)
    # An author given by the service wins, without a network address.
    journal_modifications([parrain], avant={parrain.pk: avant}, champs=["statut"], acteur=staff)
    entree = entrees_de(parrain).last()
    assert (entree.actor, entree.actor_email, entree.remote_addr) == (staff, staff.email, None)


def test_bulk_validation_from_the_admin_records_its_author_and_address(client):
    staff = connecter(client, gestionnaire())
    parrains = ParrainFactory.create_batch(2, statut=Parrain.Statut.A_VALIDER)
    response = client.post(
        reverse("admin:parrainages_parrain_changelist"),
        {"action": "valider", "_selected_action": [p.pk for p in parrains]},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    for parrain in parrains:
        entree = entrees_de(parrain).last()
        assert entree.action == LogEntry.Action.UPDATE
        assert entree.changes["statut"] == ["a_valider", "actif"]
        assert "valide_le" in entree.changes
        assert (entree.actor, entree.remote_addr) == (staff, "203.0.113.9")
        assert entree.object_repr == str(parrain)


def test_disabled_auditlog_writes_no_bulk_entry():
    parrain = ParrainFactory(statut=Parrain.Statut.A_VALIDER)
    avant = copy.copy(parrain)
    parrain.statut = Parrain.Statut.ACTIF
    with disable_auditlog():
        assert journal_modifications([parrain], avant={parrain.pk: avant}, champs=["statut"]) == 0
    assert not entrees_de(parrain).filter(action=LogEntry.Action.UPDATE).exists()


def test_a_creation_entry_computed_once_per_model_is_auditlogs_own_for_every_journaled_model():
    """``journal_creations`` works out a model's compared fields once
    (``audit._diff_de_creation``): on every row of every journaled model of a world with
    everything in it, its changes are exactly ``model_instance_diff(None, row)``'s."""
    from auditlog.diff import model_instance_diff
    from django.conf import settings

    from mentorat.audit import _diff_de_creation, modeles_journalises
    from tests.acces import monde_creer

    monde_creer()
    ParrainageFactory(score=12.5, raisons=["Même secteur", "À 3 km"], raisons_breves={"a": 1})
    comparees = 0
    for model in modeles_journalises():
        diff = _diff_de_creation(model)
        for ligne in model._base_manager.all()[:50]:
            attendu = model_instance_diff(
                None, ligne, use_json_for_changes=settings.AUDITLOG_STORE_JSON_CHANGES
            )
            assert diff(ligne) == attendu, (model, ligne.pk)
            comparees += 1
    assert comparees > 50
