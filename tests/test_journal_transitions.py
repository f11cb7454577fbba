"""Every status change of a journaled model leaves its audit entry, whatever wrote it.

Two guards. At run time, ``chaque_statut_journalise`` compares the statuses of every journaled
model before and after a service (or an admin decision) and fails for each row whose status
moved without an entry saying so (a row created counts as a move from nothing). In the code,
``test_no_bulk_status_write_without_its_journal`` reads every module of the apps and fails for a
bulk write of a journaled model's status (``QuerySet.update(statut=…)``, ``bulk_update`` of
``statut``, ``bulk_create``) in a function that does not write the entries in bulk too
(``mentorat.audit.journal_modifications`` / ``journal_creations``): those writes send no signal,
so auditlog sees nothing of them.
"""

import ast
import datetime as dt
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from mentorat.audit import modeles_journalises
from parrainages.models import (
    Candidature,
    MotifRefus,
    Parrain,
    Parrainage,
    SessionSelection,
    Sortie,
)
from parrainages.services import (
    charte_reemettre,
    compte_effacer,
    parrain_activer,
    parrainage_accepter,
    parrainage_cloturer,
    parrainage_decliner,
    parrains_valider,
    propositions_expirer,
)
from parrainages.services.matching import (
    appariement_executer,
    appariement_lancer,
    proposition_confirmer,
    propositions_confirmer,
)
from parrainages.services.selection import (
    decision_enregistrer,
    participants_inviter,
    session_annuler,
    session_clore,
    session_demarrer,
)
from partenaires.models import Convention
from tests.mentorat.factories import connecter, gestionnaire
from tests.mentorat.helpers import form_data
from tests.parrainages.factories import (
    CandidatureFactory,
    CharteFactory,
    FilleulFactory,
    ParrainageFactory,
    ParrainFactory,
    SessionSelectionFactory,
    candidature_invitee,
    session_selection,
)
from tests.partenaires.factories import ConventionFactory, ObjectifFactory
from tests.programmes.factories import ModeleCharteFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

BASE = Path(settings.BASE_DIR)
APPS = ("mentorat", "programmes", "parrainages", "partenaires")


def modeles_a_statut():
    return [
        m for m in modeles_journalises() if "statut" in {f.name for f in m._meta.concrete_fields}
    ]


def _statuts(model) -> dict[int, str]:
    return dict(model._base_manager.values_list("pk", "statut"))


@contextmanager
def chaque_statut_journalise():
    """Fail unless each status that moves inside the block has its audit entry.

    Yields the list of the moves seen, ``(model, pk, before, after)``, filled on exit (a test
    also checks that its scenario moved something).
    """
    modeles = modeles_a_statut()
    avant = {m: _statuts(m) for m in modeles}
    depuis = LogEntry.objects.aggregate(n=Max("pk"))["n"] or 0
    mouvements = []
    yield mouvements
    manquants = []
    for model in modeles:
        bouges = {
            pk: (avant[model].get(pk), statut)
            for pk, statut in _statuts(model).items()
            if avant[model].get(pk) != statut
        }
        if not bouges:
            continue
        chaine = defaultdict(list)
        entrees = LogEntry.objects.filter(
            pk__gt=depuis,
            content_type=ContentType.objects.get_for_model(model),
            object_id__in=bouges,
        ).order_by("pk")
        for entree in entrees:
            if "statut" in (entree.changes or {}):
                chaine[entree.object_id].append(tuple(entree.changes["statut"]))
        for pk, (ancien, nouveau) in bouges.items():
            mouvements.append((model, pk, ancien, nouveau))
            etapes = chaine.get(pk, [])
            depart = "None" if ancien is None else ancien
            if not etapes or etapes[0][0] != depart or etapes[-1][1] != nouveau:
                manquants.append(f"{model.__name__} n° {pk} : {ancien} → {nouveau} ({etapes})")
    assert not manquants, "statuts changés sans entrée au journal : " + "; ".join(manquants)


# --- Services -------------------------------------------------------------------------------


def _expiration(client):
    programme = ProgrammeFactory(delai_reponse_jours=7)
    ancien = timezone.now() - dt.timedelta(days=8)
    for _ in range(3):
        ParrainageFactory(programme=programme, attente=True, envoye_le=ancien)
    return lambda: propositions_expirer()


def _validation_des_parrains(client):
    parrains = ParrainFactory.create_batch(3, statut=Parrain.Statut.A_VALIDER)
    return lambda: parrains_valider(parrains=parrains, par=gestionnaire())


def _appariement(client):
    programme = ProgrammeFactory(offre_reguliere=True, distance_max_km=None, departements=[])
    for _ in range(3):
        parrain = ParrainFactory(distanciel_accepte=True, capacite=1)
        parrain.programmes.add(programme)
        CandidatureFactory(programme=programme, statut=Candidature.Statut.RETENUE)
    run = appariement_lancer(programme=programme, en_tache=False)
    return lambda: appariement_executer(run_id=run.pk)


def _confirmation_groupee(client):
    ids = [ParrainageFactory().pk for _ in range(3)]
    return lambda: propositions_confirmer(ids=ids, par=gestionnaire())


def _confirmation(client):
    pair = ParrainageFactory()
    return lambda: proposition_confirmer(parrainage=pair, par=gestionnaire())


def _acceptation(client):
    pair = ParrainageFactory(attente=True, envoye_le=timezone.now())
    ModeleCharteFactory(programme=pair.programme)
    return lambda: parrainage_accepter(parrainage=pair, par=pair.parrain.user)


def _declin(client):
    pair = ParrainageFactory(attente=True, envoye_le=timezone.now())
    return lambda: parrainage_decliner(
        parrainage=pair, par=pair.parrain.user, motif="Je ne suis pas disponible."
    )


def _cloture(client):
    pair = ParrainageFactory(actif=True)
    donnees = {"date": timezone.localdate(), "type": Sortie.Type.CDI, "motif": ""}
    return lambda: parrainage_cloturer(parrainage=pair, par=pair.parrain.user, donnees=donnees)


def _activation_d_un_parrain(client):
    parrain = ParrainFactory(statut=Parrain.Statut.INVITE)
    return lambda: parrain_activer(user=parrain.user, mot_de_passe="un-mot-de-passe-solide")


def _reemission(client):
    charte = CharteFactory()
    return lambda: charte_reemettre(charte=charte, par=gestionnaire(), motif="Erreur de nom.")


def _effacement_d_un_parrain(client):
    pair = ParrainageFactory(actif=True)
    return lambda: compte_effacer(user=pair.parrain.user, notifier=False)


def _selection_invitation(client):
    session = session_selection()
    candidature = CandidatureFactory(programme=session.programme, en_etude=True)
    return lambda: participants_inviter(session=session, candidatures=[candidature], par=None)


def _selection_jury(client):
    session = session_selection()
    participation = candidature_invitee(session)
    session_demarrer(session=session)

    def agir():
        decision_enregistrer(participation=participation, decision="retenue", par=None)
        session_clore(session=session)

    return agir


def _selection_annulation(client):
    session = session_selection()
    candidature_invitee(session)
    return lambda: session_annuler(session=session, par=None)


SERVICES = {
    "selection_invitation": _selection_invitation,
    "selection_jury": _selection_jury,
    "selection_annulation": _selection_annulation,
    "expiration": _expiration,
    "validation_des_parrains": _validation_des_parrains,
    "appariement": _appariement,
    "confirmation_groupee": _confirmation_groupee,
    "confirmation": _confirmation,
    "acceptation": _acceptation,
    "declin": _declin,
    "cloture": _cloture,
    "activation_d_un_parrain": _activation_d_un_parrain,
    "reemission": _reemission,
    "effacement_d_un_parrain": _effacement_d_un_parrain,
}


# --- The admin: decisions on a change form, list actions -------------------------------------


def _decision(factory, decision, motif="", **extra):
    def preparer(client):
        obj = factory()
        connecter(client, gestionnaire())
        model = type(obj)
        page = reverse(
            f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk]
        )
        data = form_data(client.get(page))
        data.update(decision=decision, motif=motif)
        data.update({cle: valeur() for cle, valeur in extra.items()})

        def agir():
            response = client.post(page, data)
            assert response.status_code == 302, response.context["adminform"].form.errors

        return agir

    return preparer


def _action(factory, model, action, n=3):
    def preparer(client):
        objs = [factory() for _ in range(n)]
        connecter(client, gestionnaire())
        changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

        def agir():
            response = client.post(
                changelist,
                {
                    "action": action,
                    "_selected_action": [o.pk for o in objs],
                    "index": "0",
                    "post": "yes",  # the confirmation page's answer, where there is one
                },
            )
            assert response.status_code == 302

        return agir

    return preparer


C, P = Candidature.Statut, Parrainage.Statut
ADMIN = {
    "candidature_etudier": _decision(CandidatureFactory, "etudier"),
    "candidature_retenir": _decision(CandidatureFactory, "retenir"),
    "candidature_refuser": _decision(
        CandidatureFactory,
        "refuser",
        "Hors du territoire.",
        motif_liste=lambda: MotifRefus.objects.actifs().first().pk,
    ),
    "candidature_desister": _decision(CandidatureFactory, "desister"),
    "parrainage_confirmer": _decision(ParrainageFactory, "confirmer"),
    "parrainage_ecarter": _decision(ParrainageFactory, "ecarter"),
    "parrainage_terminer": _decision(lambda: ParrainageFactory(actif=True), "terminer"),
    "parrainage_interrompre": _decision(
        lambda: ParrainageFactory(actif=True), "interrompre", "Le filleul a déménagé."
    ),
    "charte_annuler": _decision(CharteFactory, "annuler", "Erreur de binôme."),
    "charte_reemettre": _decision(CharteFactory, "reemettre", "Erreur de nom."),
    "action_confirmer": _action(ParrainageFactory, Parrainage, "confirmer"),
    "action_ecarter": _action(ParrainageFactory, Parrainage, "ecarter"),
    "action_terminer": _action(lambda: ParrainageFactory(actif=True), Parrainage, "terminer"),
    "action_retenir": _action(CandidatureFactory, Candidature, "retenir"),
    "action_desister": _action(
        lambda: CandidatureFactory(statut=C.RETENUE), Candidature, "desister"
    ),
    "action_valider_parrains": _action(
        lambda: ParrainFactory(statut=Parrain.Statut.A_VALIDER), Parrain, "valider"
    ),
    "action_demarrer_sessions": _action(SessionSelectionFactory, SessionSelection, "demarrer"),
    "action_annuler_sessions": _action(SessionSelectionFactory, SessionSelection, "annuler"),
    "action_signer_conventions": _action(
        lambda: ObjectifFactory(convention=ConventionFactory()).convention, Convention, "signer"
    ),
}


@pytest.mark.parametrize("scenario", [*SERVICES, *ADMIN])
def test_every_status_change_is_journaled(client, scenario):
    agir = {**SERVICES, **ADMIN}[scenario](client)
    with chaque_statut_journalise() as mouvements:
        agir()
    assert mouvements, "le scénario n'a changé aucun statut"


def test_the_check_fails_for_a_status_changed_without_its_entry():
    pair = ParrainageFactory()
    attendu = f"Parrainage n° {pair.pk} : proposition → annule"
    with pytest.raises(AssertionError, match=attendu), chaque_statut_journalise():
        Parrainage.objects.filter(pk=pair.pk).update(statut=P.ANNULE)


def test_a_new_row_without_its_entry_fails_the_check_too():
    filleul = FilleulFactory()
    programme = ProgrammeFactory()
    nouvelle = Candidature(filleul=filleul, programme=programme)
    with (
        pytest.raises(AssertionError, match="Candidature n° .* : None → deposee"),
        chaque_statut_journalise(),
    ):
        Candidature.objects.bulk_create([nouvelle])


# --- In the code: bulk writes of a journaled status come with their bulk entries -------------

JOURNAL_EN_MASSE = {"journal_modifications", "journal_creations"}


def _racine(noeud) -> str | None:
    """The name a chain of calls and attributes starts from: ``Parrainage`` in
    ``Parrainage.objects.filter(…).update``."""
    while isinstance(noeud, ast.Attribute | ast.Call | ast.Subscript):
        noeud = noeud.func if isinstance(noeud, ast.Call) else noeud.value
    return noeud.id if isinstance(noeud, ast.Name) else None


def _ecritures_de_statut(fonction, journalises: set[str]):
    """(line, model) of each bulk write of a journaled model's status in ``fonction``."""
    for noeud in ast.walk(fonction):
        if not (isinstance(noeud, ast.Call) and isinstance(noeud.func, ast.Attribute)):
            continue
        methode, modeles = noeud.func.attr, {_racine(noeud.func.value)}
        if methode == "update":
            statut = next((k.value for k in noeud.keywords if k.arg == "statut"), None)
            if statut is None:
                continue
            modeles.add(_racine(statut))
        elif methode == "bulk_update":
            champs = [*noeud.args[1:2], *(k.value for k in noeud.keywords if k.arg == "fields")]
            if not any("statut" in ast.literal_eval(c) for c in champs if _litteral(c)):
                continue
        elif methode != "bulk_create":
            continue
        for model in modeles & journalises:
            yield noeud.lineno, model


def _litteral(noeud) -> bool:
    try:
        ast.literal_eval(noeud)
    except (ValueError, TypeError):
        return False
    return True


def _appelle(fonction, noms: set[str]) -> bool:
    return any(
        isinstance(n, ast.Call)
        and (getattr(n.func, "id", None) in noms or getattr(n.func, "attr", None) in noms)
        for n in ast.walk(fonction)
    )


def test_no_bulk_status_write_without_its_journal():
    journalises = {m.__name__ for m in modeles_a_statut()}
    assert {"Parrainage", "Parrain", "Candidature", "Charte", "Convention"} <= journalises
    fautes, vues = [], 0
    for chemin in sorted(p for app in APPS for p in (BASE / app).rglob("*.py")):
        relatif = chemin.relative_to(BASE)
        if {"migrations", "demo"} & set(relatif.parts):
            continue  # history, and development-only bulk data
        arbre = ast.parse(chemin.read_text(), filename=str(relatif))
        for fonction in ast.walk(arbre):
            if not isinstance(fonction, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            ecritures = list(_ecritures_de_statut(fonction, journalises))
            vues += len(ecritures)
            if ecritures and not _appelle(fonction, JOURNAL_EN_MASSE):
                fautes += [
                    f"{relatif}:{ligne} {model} ({fonction.name})" for ligne, model in ecritures
                ]
    assert not fautes, "écritures de statut en masse sans journal : " + ", ".join(fautes)
    # The guard sees the bulk writes it is about (expiry, validation, proposals, confirmation).
    assert vues >= 4


def test_every_journaled_model_with_a_status_is_checked():
    assert {m.__name__ for m in modeles_a_statut()} == {
        "Parrain",
        "Candidature",
        "Parrainage",
        "Charte",
        "Convention",
        "AutorisationParentale",
        "SessionSelection",
        # A convention's action plan: its status changes in the convention's form (audited).
        "ActionConvention",
    }
    assert all(auditlog.contains(m) for m in modeles_a_statut())
