"""Erasing an account leaves nothing of the person: no table, no stored file names them.

One person, "Zéphyrine Quasimodo", is put everywhere a person can be: mentee profile,
applications (one refused with a reason naming her), pairs, meetings (place, subject, link),
immersions, outcomes, a sealed charter PDF, a partner's referral with the counsellor's message,
a partner report (PDF, CSV, XLSX) listing her, a reminder to her mentor naming her, admin and
audit log entries, two sessions; she is also a mentor and a partner member. Her account is
erased by each way an account goes (her own space, the admin, the retention task); then every
text column of every table, every session (decoded) and every private file (PDF text, CSV,
the XML inside the XLSX) is searched for her e-mail and her names.
"""

import datetime as dt
import io
import json
import zipfile
from importlib import import_module
from pathlib import Path

import pytest
from auditlog.context import set_actor
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.files.base import ContentFile
from django.db import models
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from mentorat.envois import courriel_ecrire, envois_creer
from mentorat.models import Envoi, Partie, User
from mentorat.sessions import compte_de_la_session
from mentorat.signatures import parties_de, signature_demander_code
from parrainages import retention
from parrainages.models import MotifRefus, Parrainage, Rencontre
from parrainages.relances import propositions_nouvelles, relances_planifier
from parrainages.services import (
    candidature_refuser,
    compte_effacer,
    filleul_exporter,
    inscription_prendre,
    parrain_inscrire,
    sortie_candidature_enregistrer,
)
from parrainages.services.charte import charte_rendre_pdf
from parrainages.services.mineurs import autorisation_demander
from parrainages.services.selection import (
    decision_enregistrer,
    evaluation_enregistrer,
    participants_inviter,
    selection_presences_enregistrer,
)
from partenaires import documents
from partenaires import services as services_partenaires
from partenaires.models import Rapport
from programmes.models import Evenement
from tests.mentorat.factories import (
    CodeSignatureFactory,
    EmailAddressFactory,
    EnvoiFactory,
    PartieFactory,
    UserFactory,
    session_mfa,
)
from tests.parrainages.factories import (
    CandidatureFactory,
    CharteFactory,
    CritereEvaluationFactory,
    FilleulFactory,
    ImmersionFactory,
    ParrainageFactory,
    ParrainFactory,
    RencontreFactory,
    SortieFactory,
    partie_de,
    session_selection,
    signer,
)
from tests.partenaires.factories import (
    ConventionFactory,
    MembreFactory,
    ObjectifFactory,
    PrescriptionFactory,
)
from tests.programmes.factories import EvenementFactory, InscriptionFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

PRENOM, NOM = "Zéphyrine", "Quasimodo"
EMAIL = "zephyrine.quasimodo@exemple.fr"
# Her legal guardian (she was a minor when she applied): goes with her.
PRENOM_TUTEUR, EMAIL_TUTEUR = "Hippolyte", "hippolyte.q@exemple.fr"
AIGUILLES = (PRENOM, NOM, EMAIL, PRENOM_TUTEUR, EMAIL_TUTEUR)
MOT_DE_PASSE = "motdepasse-de-test"


# --- Searching everything -----------------------------------------------------------------------


def _formes(aiguille: str) -> set[str]:
    # As typed, and as JSON writes it by default (the admin's change messages: "Z\u00e9phyrine").
    return {aiguille.casefold(), json.dumps(aiguille)[1:-1].casefold()}


FORMES = set().union(*(_formes(a) for a in AIGUILLES))


def _nomme(texte: str) -> bool:
    texte = texte.casefold()
    return any(forme in texte for forme in FORMES)


def _texte(valeur) -> str:
    if isinstance(valeur, str):
        return valeur
    return json.dumps(valeur, ensure_ascii=False, default=str)


CHAMPS_TEXTE = (models.CharField, models.TextField, models.JSONField, models.FileField)


def traces_en_base() -> set[str]:
    """Every ``app.Model.field`` (or "session") whose value names the person."""
    trouvees = set()
    for model in apps.get_models(include_auto_created=True):
        champs = [f for f in model._meta.concrete_fields if isinstance(f, CHAMPS_TEXTE)]
        if not champs:
            continue
        for ligne in model._base_manager.values_list(*(f.attname for f in champs)):
            for champ, valeur in zip(champs, ligne, strict=True):
                if valeur is not None and _nomme(_texte(valeur)):
                    trouvees.add(f"{model._meta.label}.{champ.name}")
    store = import_module(settings.SESSION_ENGINE).SessionStore
    for donnees in store.get_model_class().objects.values_list("session_data", flat=True):
        if _nomme(_texte(store().decode(donnees))):
            trouvees.add("session")
    return trouvees


def _texte_du_fichier(chemin: Path) -> str:
    contenu = chemin.read_bytes()
    if chemin.suffix == ".pdf":
        lecteur = PdfReader(io.BytesIO(contenu))
        morceaux = [page.extract_text() for page in lecteur.pages]
        morceaux += [str(v) for v in (lecteur.metadata or {}).values()]
        return " ".join(morceaux)
    if chemin.suffix == ".xlsx":
        with zipfile.ZipFile(io.BytesIO(contenu)) as archive:
            return " ".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    return contenu.decode("utf-8-sig", errors="replace")


def traces_dans_les_fichiers(racine: Path) -> set[str]:
    """Every private file (path under ``racine``) whose text names the person."""
    return {
        str(chemin.relative_to(racine))
        for chemin in racine.rglob("*")
        if chemin.is_file() and _nomme(_texte_du_fichier(chemin))
    }


# --- One person everywhere ----------------------------------------------------------------------


def demain_a_dix_heures():
    demain = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(demain, dt.time(10, 0)))


def seme(private_storage_dir):
    """Put the person everywhere; return what the checks need."""
    maintenant = timezone.now()
    aujourd_hui = timezone.localdate()
    programme = ProgrammeFactory(nom="Programme de la convention", slug="effacement-p1")
    autre = ProgrammeFactory(nom="Autre programme", slug="effacement-p2")
    troisieme = ProgrammeFactory(nom="Troisième programme", slug="effacement-p3")
    conseillere = MembreFactory(partenaire__nom="Mission locale de l'effacement")
    partenaire = conseillere.partenaire
    convention = ConventionFactory(
        partenaire=partenaire,
        active=True,
        date_debut=aujourd_hui - dt.timedelta(days=200),
        date_fin=aujourd_hui + dt.timedelta(days=200),
    )
    convention.programmes.add(programme)
    ObjectifFactory(convention=convention)

    personne = UserFactory(email=EMAIL, first_name=PRENOM, last_name=NOM, telephone="0601020304")
    EmailAddressFactory(user=personne)
    filleul = FilleulFactory(
        user=personne,
        identifiant_france_travail="1234567Q",
        prescripteur=partenaire,
        # Her address, the geocoder's answer naming it, staff's reason naming her.
        adresse=f"7 impasse {NOM}",
        adresse_complement=f"chez {PRENOM}",
        code_postal="31000",
        qpv_resultat="dans",
        qpv_code="QN03101M",
        qpv_nom="Quartier de test",
        qpv_origine="equipe",
        qpv_source=f"BAN (« 7 impasse {NOM} 31000 Toulouse »)",
        qpv_motif=f"Attestation de domicile de {PRENOM} vue par l'équipe.",
    )
    PrescriptionFactory(
        partenaire=partenaire,
        conseiller=conseillere.user,
        programme=programme,
        prenom=PRENOM,
        nom=NOM,
        email=EMAIL,
        message=f"{PRENOM} est très motivée, elle cherche dans la logistique.",
        telephone="0601020304",
        freins=["mobilite"],
        diagnostic=f"{PRENOM} vise la logistique ; permis en cours.",
        filleul=filleul,
        utilisee_le=maintenant,
    )
    # A second referral, never taken up, to the same address.
    PrescriptionFactory(
        partenaire=partenaire,
        conseiller=conseillere.user,
        programme=troisieme,
        prenom=PRENOM,
        nom=NOM,
        email=EMAIL,
        message=f"Bonjour {PRENOM}, voici votre invitation.",
    )
    CandidatureFactory(
        filleul=filleul,
        programme=programme,
        prescripteur=partenaire,
        retenue=True,
    )
    # Refused through the service: the history row and the prescriber's e-mail name her.
    refusee = candidature_refuser(
        candidature=CandidatureFactory(
            filleul=filleul, programme=autre, prescripteur=partenaire, en_etude=True
        ),
        par=None,
        motif=MotifRefus.objects.get(libelle="Conditions d'éligibilité non remplies"),
        precision=f"{PRENOM} {NOM} habite hors du territoire du programme.",
    )
    # Her situation later, recorded on that application (no pair there) by staff.
    sortie_candidature_enregistrer(
        candidature=refusee,
        donnees={
            "moment": "fin",
            "type": "formation",
            "date": timezone.localdate(),
            "employeur": f"Institut {NOM}",
            "commentaire": f"{PRENOM} suit une formation de cariste.",
        },
    )
    InscriptionFactory(
        filleul=filleul,
        evenement=EvenementFactory(programme=programme),
        present=True,
    )
    # A selection week: attendance, a grid whose comments name her, the jury's reason.
    selection = ProgrammeFactory(nom="Programme à sélection", slug="effacement-p5")
    session = session_selection(programme=selection)
    critere = CritereEvaluationFactory(programme=selection, libelle="Motivation")
    (participation,) = participants_inviter(
        session=session,
        candidatures=[
            CandidatureFactory(
                filleul=filleul, programme=selection, prescripteur=partenaire, en_etude=True
            )
        ],
        par=None,
    )
    selection_presences_enregistrer(
        session=session,
        saisies={(participation.pk, session.demi_journees.first().pk): "present"},
        par=None,
    )
    evaluation_enregistrer(
        participation=participation,
        qualite="equipe",
        evaluateur=conseillere.user,
        notes={critere.pk: (3, f"{PRENOM} a convaincu le jury.")},
        commentaire=f"{PRENOM} {NOM} est très motivée.",
    )
    decision_enregistrer(
        participation=participation,
        decision="non_retenue",
        par=None,
        motif=MotifRefus.objects.get(libelle="Conditions d'éligibilité non remplies"),
        precision=f"{PRENOM} reviendra à la prochaine session.",
    )

    mentor = ParrainFactory(user__first_name="Marc", user__last_name="Lenoir")
    binome = ParrainageFactory(
        programme=programme,
        parrain=mentor,
        filleul=filleul,
        actif=True,
        objectifs=f"Aider {PRENOM} à préparer ses entretiens.",
    )
    demain = RencontreFactory(
        parrainage=binome,
        debut=demain_a_dix_heures(),
        lieu=f"Chez {PRENOM} {NOM}, 3 rue des Lilas",
        sujet=f"Le CV de {PRENOM}",
    )
    RencontreFactory(
        parrainage=binome,
        debut=maintenant - dt.timedelta(days=10),
        tenue=True,
        modalite=Rencontre.Modalite.VISIO,
        lien=f"https://visio.exemple.fr/{PRENOM.lower()}-{NOM.lower()}",
        sujet=f"Bilan avec {PRENOM}",
        compte_rendu=f"{PRENOM} a beaucoup progressé.",
    )
    ImmersionFactory(
        parrainage=binome,
        lieu=f"Atelier {NOM}, Paris",
        tuteur_prenom="",
        tuteur_nom=f"M. Lenoir, qui accueille {PRENOM}",
        objectifs=f"Faire découvrir le métier à {PRENOM}.",
    )
    SortieFactory(
        parrainage=binome,
        employeur=f"Boulangerie {NOM}",
        commentaire=f"{PRENOM} a signé un CDI.",
    )
    ancien = ParrainageFactory(
        programme=autre,
        parrain=mentor,
        filleul=filleul,
        decline=True,
        motif_declin=f"Je connais déjà {PRENOM} {NOM}.",
    )
    # A proposal in a third programme, whose e-mail to its mentor named her (sent already).
    proposee = ParrainageFactory(programme=troisieme, filleul=filleul, attente=True)
    envois_creer(propositions_nouvelles([proposee.pk]))
    Envoi.objects.filter(regle="proposition_nouvelle").update(
        statut=Envoi.Statut.ENVOYE, envoye_le=maintenant
    )

    charte = CharteFactory(
        parrainage=binome,
        texte=f"Marc Lenoir et {PRENOM} {NOM} s'engagent à se rencontrer chaque mois.",
        signee=True,
        signee_le=maintenant,
    )
    signer(partie_de(charte, "filleul"), adresse_ip="192.0.2.7", user_agent="Firefox")
    signer(partie_de(charte, "parrain"))
    CodeSignatureFactory(partie=partie_de(charte, "filleul"))
    # A party from a link of their own bearing her name (her mother, say): theirs goes too.
    PartieFactory(
        document=charte,
        sans_compte=True,
        prenom="Héloïse",
        nom=NOM,
        email=f"maman.{NOM.lower()}@exemple.fr",
        signee=True,
    )
    charte.pdf.save("charte-effacement.pdf", ContentFile(charte_rendre_pdf(charte)))
    CharteFactory(
        parrainage=ancien,
        texte=f"Charte de {PRENOM}",
        annulee=True,
        motif_annulation=f"Nom de {PRENOM} mal orthographié.",
    )

    # Her legal guardian: given with her profile, asked to consent to an application (a link,
    # then a code, both e-mailed), who signed; told of a meeting; a message still to send.
    tuteur = filleul.representants_legaux.create(
        prenom=PRENOM_TUTEUR, nom=NOM, lien="pere", email=EMAIL_TUTEUR, telephone="0611111111"
    )
    candidature_mineure = CandidatureFactory(
        filleul=filleul,
        programme=ProgrammeFactory(slug="effacement-p4"),
        statut="attente_autorisation",
    )
    autorisation = autorisation_demander(candidature=candidature_mineure)
    signature_demander_code(partie=parties_de(autorisation).get())
    Partie.objects.update(
        signee_le=maintenant, adresse_ip="192.0.2.8", user_agent=f"Navigateur de {PRENOM_TUTEUR}"
    )
    courriel_ecrire(
        regle="rencontre_invitation",
        cle=f"rencontre_invitation:{demain.pk}:REQUEST:rl{tuteur.pk}",
        a=EMAIL_TUTEUR,
        sujet="Rencontre de parrainage planifiée",
        gabarit="parrainages/emails/rencontre",
        contexte={"rencontre": demain, "annulation": False, "representant": tuteur},
    )
    EnvoiFactory(
        destinataire=None,
        email=EMAIL_TUTEUR,
        regle="autorisation_parentale",
        cle="autorisation_parentale:en-attente",
        contexte={"prenom": PRENOM_TUTEUR},
    )

    # She also mentors someone, and counsels for the partner.
    comme_parrain = ParrainFactory(
        user=personne,
        entreprise=f"{NOM} Conseil",
        bio=f"Je suis {PRENOM} {NOM}, recruteuse depuis dix ans.",
        valide_le=maintenant,
    )
    son_filleul = ParrainageFactory(programme=programme, parrain=comme_parrain, actif=True)
    ImmersionFactory(
        parrainage=son_filleul,
        tuteur_prenom=PRENOM,
        tuteur_nom=NOM,
        tuteur_email=EMAIL.replace("@", ".tutrice@"),
    )
    membre = MembreFactory(partenaire=partenaire, user=personne)
    # Round tables: she registered as a mentor to one, as the partner's member to another
    # (each invitation's calendar entry names her).
    comme_parrain.programmes.add(programme)
    tables_rondes = [
        EvenementFactory(
            programme=programme,
            type="table_ronde",
            publics=["parrains", "partenaires"],
            statut="publie",
        )
        for _ in range(2)
    ]
    # (Written to the outbox, not sent: the pending rows above must stay pending.)
    with override_settings(ENVOIS_IMMEDIATS=False):
        inscriptions = [
            parrain_inscrire(evenement=tables_rondes[0], parrain=comme_parrain),
            inscription_prendre(
                evenement=tables_rondes[1],
                public="partenaires",
                personne=personne,
                ouverts=Evenement.objects.filter(pk=tables_rondes[1].pk),
            ),
        ]

    # Tomorrow's meeting: a reminder to her mentor names her, one to her too (both pending).
    relances_planifier(maintenant=maintenant, regles=["rencontre_demain"])

    # The partner's report lists her (CSV, XLSX).
    rapport = services_partenaires.rapport_demander(
        convention=convention,
        debut=convention.date_debut,
        fin=aujourd_hui,
        sur_le_champ=True,
    )

    # The admin's log: her account, her profile, and the partner page where she was added.
    equipe = UserFactory(is_staff=True, is_superuser=True)
    LogEntry.objects.log_actions(
        user_id=equipe.pk,
        queryset=[personne, filleul],
        action_flag=CHANGE,
        change_message=[{"changed": {"fields": ["Téléphone"]}}],
    )
    LogEntry.objects.log_actions(
        user_id=equipe.pk,
        queryset=[partenaire],
        action_flag=CHANGE,
        change_message=[{"added": {"name": "membre", "object": str(membre)}}],
    )
    LogEntry.objects.log_actions(
        user_id=equipe.pk,
        queryset=[mentor],
        action_flag=ADDITION,
        change_message=[{"added": {"name": "parrainage", "object": str(binome)}}],
    )

    # The audit trail: what the factories wrote, and a change she made herself.
    with set_actor(personne, remote_addr="192.0.2.7"):
        filleul.mobilite_km = 25
        filleul.save()

    # Two signed-in sessions, and one stopped at the second factor (not signed in yet).
    for _ in range(2):
        navigateur = Client()
        navigateur.force_login(personne)
        session = navigateur.session
        session_mfa(session, personne, mfa=False)
        session.save()
    en_cours = import_module(settings.SESSION_ENGINE).SessionStore()
    session_mfa(en_cours, personne, mfa=False)
    en_cours.save()

    return {
        "personne": personne,
        "filleul": filleul,
        "binome": binome,
        "charte": charte,
        "rapport": rapport,
        "mentor": mentor,
        "inscriptions": inscriptions,
    }


# --- The ways an account goes -------------------------------------------------------------------


def par_son_espace(personne, client, admin_client):
    client.force_login(personne)
    reponse = client.post(
        reverse("filleul:supprimer"), {"mot_de_passe": MOT_DE_PASSE, "confirmation": "on"}
    )
    assert reponse.status_code == 302


def par_l_administration(personne, client, admin_client):
    url = reverse("admin:mentorat_user_delete", args=[personne.pk])
    reponse = admin_client.post(url, {"post": "yes"})
    assert reponse.status_code == 302


def par_la_conservation(personne, client, admin_client):
    assert retention._supprimer(personne.pk, User.objects.filter(pk=personne.pk))


@pytest.mark.parametrize(
    "effacer", [par_son_espace, par_l_administration, par_la_conservation], ids=lambda f: f.__name__
)
def test_erasure_leaves_nothing_in_any_table_or_file(
    effacer, client, admin_client, private_storage_dir, django_capture_on_commit_callbacks
):
    monde = seme(private_storage_dir)
    rapport = monde["rapport"]
    assert rapport.statut == Rapport.Statut.PRET
    anciens_fichiers = {rapport.pdf.name, rapport.csv.name, rapport.xlsx.name}

    # The search finds her everywhere she was put (else it would prove nothing).
    avant = traces_en_base()
    assert {
        "mentorat.User.email",
        "account.EmailAddress.email",
        "parrainages.Parrain.bio",
        "parrainages.Candidature.motif_refus",
        "parrainages.EvenementCandidature.precision",
        "parrainages.Evaluation.commentaire",
        "parrainages.Note.commentaire",
        "parrainages.ParticipationSelection.precision",
        "parrainages.Parrainage.objectifs",
        "parrainages.Parrainage.motif_declin",
        "parrainages.Rencontre.lieu",
        "parrainages.Rencontre.sujet",
        "parrainages.Rencontre.lien",
        "parrainages.Rencontre.compte_rendu",
        "parrainages.Immersion.lieu",
        "parrainages.Immersion.tuteur_nom",
        "parrainages.Immersion.texte",
        "mentorat.Partie.nom",
        "parrainages.Immersion.objectifs",
        "parrainages.Sortie.employeur",
        "parrainages.Sortie.commentaire",
        "parrainages.Charte.texte",
        "parrainages.Charte.motif_annulation",
        "mentorat.Partie.prenom",
        "mentorat.Partie.email",
        "partenaires.Prescription.message",
        "partenaires.Prescription.diagnostic",
        "mentorat.Envoi.email",
        "mentorat.Envoi.contexte",
        "mentorat.Envoi.texte",
        "mentorat.Partie.user_agent",
        "parrainages.RepresentantLegal.email",
        "parrainages.AutorisationParentale.texte",
        "admin.LogEntry.object_repr",
        "admin.LogEntry.change_message",
        "auditlog.LogEntry.changes",
        "auditlog.LogEntry.actor_email",
        "session",
    } <= avant
    fichiers_avant = traces_dans_les_fichiers(private_storage_dir)
    assert monde["charte"].pdf.name in fichiers_avant
    assert {rapport.csv.name, rapport.xlsx.name} <= fichiers_avant

    with django_capture_on_commit_callbacks(execute=True):
        effacer(monde["personne"], client, admin_client)

    assert traces_en_base() == set()
    assert traces_dans_les_fichiers(private_storage_dir) == set()
    assert not User.objects.filter(email__iexact=EMAIL).exists()

    # The report was produced again, without her name, and says why.
    rapport.refresh_from_db()
    assert rapport.statut == Rapport.Statut.PRET
    assert rapport.motif_reprise and rapport.reprise_le is not None
    fichiers = {rapport.pdf.name, rapport.csv.name, rapport.xlsx.name}
    assert all((private_storage_dir / nom).exists() for nom in fichiers)
    # The former files are gone (their names may be taken again by the new ones).
    stockes = {str(c.relative_to(private_storage_dir)) for c in private_storage_dir.rglob("*")}
    assert (anciens_fichiers - fichiers).isdisjoint(stockes)
    with rapport.csv.open("rb") as fichier:
        assert "Filleul anonymisé" in fichier.read().decode("utf-8-sig")

    # Her registrations to the round tables stay for the figures, naming no one; their
    # invitations (the calendar entries naming her) are emptied.
    comme_parrain, comme_membre = monde["inscriptions"]
    comme_parrain.refresh_from_db()
    comme_membre.refresh_from_db()
    assert comme_parrain.parrain.user_id is None and comme_parrain.public == "parrains"
    assert comme_membre.membre_id is None and comme_membre.public == "partenaires"
    invitations = Envoi.objects.filter(regle="evenement_invitation")
    assert invitations.count() == 2
    assert all(e.email == "" and e.pieces_jointes == [] for e in invitations)

    # The reminder naming her to her mentor will not go; the statistics stay: the pair was
    # formed, and ends (interrupted) with her account, its meetings kept.
    rappel = Envoi.objects.get(regle="rencontre_demain", destinataire=monde["mentor"].user)
    assert rappel.statut == Envoi.Statut.ANNULE_EFFACEMENT
    assert Parrainage.objects.filter(pk=monde["binome"].pk, statut="interrompu").exists()
    assert monde["binome"].rencontres.count() == 2
    # Her mentor is told, without her name (the search above found none anywhere).
    assert Envoi.objects.filter(regle="parrainage_fin", destinataire=monde["mentor"].user).exists()


def test_a_failed_erasure_keeps_the_files_and_the_rows(
    monkeypatch, private_storage_dir, django_capture_on_commit_callbacks
):
    monde = seme(private_storage_dir)
    charte, rapport, personne = monde["charte"], monde["rapport"], monde["personne"]
    chemins = [private_storage_dir / f.name for f in (charte.pdf, rapport.csv, rapport.xlsx)]
    assert all(chemin.exists() for chemin in chemins)

    def panne(*args, **kwargs):
        raise RuntimeError("panne au milieu de l'effacement")

    # The account's own deletion comes after every file was dealt with.
    monkeypatch.setattr("parrainages.services.effacement.supprimer", panne)
    with (
        django_capture_on_commit_callbacks(execute=True) as rappels,
        pytest.raises(RuntimeError),
    ):
        compte_effacer(user=personne)

    assert rappels == []
    assert all(chemin.exists() for chemin in chemins)
    charte.refresh_from_db()
    rapport.refresh_from_db()
    assert charte.pdf.name and PRENOM in charte.texte
    assert rapport.statut == Rapport.Statut.PRET and rapport.csv.name
    assert User.objects.filter(pk=personne.pk, first_name=PRENOM).exists()


def test_the_export_holds_reasons_outcomes_immersions_and_referrals(private_storage_dir):
    monde = seme(private_storage_dir)
    export = filleul_exporter(filleul=monde["filleul"])

    refusee = next(c for c in export["candidatures"] if c["statut"] == "Non retenue")
    assert refusee["motif"] == (
        f"Conditions d'éligibilité non remplies — {PRENOM} {NOM} habite hors du territoire "
        "du programme."
    )
    # What she was told (the reason's gentle text), never staff's free text.
    assert [e["statut"] for e in refusee["historique"]] == ["Non retenue"]
    assert "hors du territoire" not in refusee["historique"][0]["texte"]
    # Her situation recorded on that application (no pair in that programme).
    (sortie,) = refusee["sorties"]
    assert (sortie["situation"], sortie["employeur"], sortie["commentaire"]) == (
        "Formation qualifiante",
        f"Institut {NOM}",
        f"{PRENOM} suit une formation de cariste.",
    )
    binome = next(p for p in export["parrainages"] if p["statut"] == "En cours")
    assert binome["objectifs"] == f"Aider {PRENOM} à préparer ses entretiens."
    (sortie,) = binome["sorties"]
    assert (sortie["employeur"], sortie["commentaire"]) == (
        f"Boulangerie {NOM}",
        f"{PRENOM} a signé un CDI.",
    )
    (immersion,) = binome["immersions"]
    assert immersion["lieu"] == f"Atelier {NOM}, Paris"
    assert immersion["objectifs"] == f"Faire découvrir le métier à {PRENOM}."
    assert immersion["tuteur"] == f"M. Lenoir, qui accueille {PRENOM}"
    decline = next(p for p in export["parrainages"] if p["statut"] == "Décliné par le parrain")
    assert decline["motif_du_refus"] == f"Je connais déjà {PRENOM} {NOM}."
    messages = {o["message"] for o in export["orientations"]}
    assert messages == {
        f"{PRENOM} est très motivée, elle cherche dans la logistique.",
        f"Bonjour {PRENOM}, voici votre invitation.",
    }
    assert {o["partenaire"] for o in export["orientations"]} == {"Mission locale de l'effacement"}
    (semaine,) = export["semaines_de_selection"]
    assert semaine["programme"] == "Programme à sélection"
    assert [p["presence"] for p in semaine["presences"]] == ["Présent(e)"]
    assert semaine["evaluations"][0]["notes"][0]["note"] == 3
    assert semaine["decision_du_jury"] == "Non retenu(e)"
    # The jury's free text is staff's, for the prescriber: not in her export.
    assert "prochaine session" not in json.dumps(semaine, ensure_ascii=False)


def test_the_data_page_shows_the_new_parts(client, private_storage_dir):
    monde = seme(private_storage_dir)
    client.force_login(monde["personne"])
    page = client.get(reverse("filleul:donnees")).content.decode()
    for attendu in (
        "habite hors du territoire du programme",
        "Faire découvrir le métier à",
        "Boulangerie",
        "est très motivée",
        "Orientations",
        "Immersion",
    ):
        assert attendu in page, attendu


def test_a_report_produced_during_the_erasure_is_produced_again(
    monkeypatch, private_storage_dir, django_capture_on_commit_callbacks
):
    monde = seme(private_storage_dir)
    ancien = monde["rapport"]
    rapport = Rapport.objects.create(
        convention=ancien.convention,
        periode_debut=ancien.periode_debut,
        periode_fin=ancien.periode_fin,
    )
    vrai_csv = documents.rapport_csv
    efface = []

    def csv_puis_effacement(lignes):
        contenu = vrai_csv(lignes)  # her name was read before the erasure
        if not efface:
            efface.append(True)
            compte_effacer(user=monde["personne"], notifier=False)
        return contenu

    monkeypatch.setattr(documents, "rapport_csv", csv_puis_effacement)
    with django_capture_on_commit_callbacks(execute=True):
        services_partenaires.rapport_produire(rapport_id=rapport.pk)

    assert efface
    for r in (rapport, ancien):
        r.refresh_from_db()
        assert r.statut == Rapport.Statut.PRET and r.motif_reprise
    assert traces_dans_les_fichiers(private_storage_dir) == set()
    # No file is left behind by the production that did not finish.
    noms = {f.name for r in (rapport, ancien) for f in (r.pdf, r.csv, r.xlsx, r.csv_ventilation)}
    stockes = {
        str(c.relative_to(private_storage_dir))
        for c in (private_storage_dir / "rapports").rglob("*")
        if c.is_file()
    }
    assert stockes == noms


def test_the_admin_history_keeps_what_was_done_not_by_whom_to_whom(
    django_capture_on_commit_callbacks,
):
    candidature = CandidatureFactory(filleul__user__first_name=PRENOM, filleul__user__last_name=NOM)
    equipe = UserFactory(is_staff=True)
    LogEntry.objects.log_actions(
        user_id=equipe.pk,
        queryset=[candidature],
        action_flag=CHANGE,
        change_message="Retenir : Déposée → Retenue.",
    )
    LogEntry.objects.log_actions(
        user_id=equipe.pk,
        queryset=[candidature.programme],
        action_flag=CHANGE,
        change_message=f"Ajout de {PRENOM} {NOM} à la liste d'attente.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        compte_effacer(user=candidature.filleul.user, notifier=False)

    sur_la_candidature, sur_le_programme = LogEntry.objects.order_by("pk")
    assert sur_la_candidature.object_repr == f"Candidature n° {candidature.pk}"
    assert sur_la_candidature.change_message == "Retenir : Déposée → Retenue."
    assert sur_la_candidature.user_id == equipe.pk
    assert sur_le_programme.change_message == "[effacé]"


@pytest.mark.parametrize(
    ("donnees", "compte"),
    [
        ({"_auth_user_id": "12"}, 12),
        ({"account_authentication_methods_user": "7"}, 7),  # second factor pending
        ({"account_login": {"user_pk": "5"}}, 5),  # e-mail code pending
        ({"account_login": {"user_pk": None}}, None),
        ({"_auth_user_id": "x1"}, None),
        ({}, None),
    ],
)
def test_a_session_knows_its_account(donnees, compte):
    assert compte_de_la_session(donnees) == compte
