"""Immersion conventions in the demo, made through the real services and signature machinery.

- The Paris programme has a PMSMP in each state: a draft, one to sign (the demo mentor's
  other pair: logging in as ``parrain@`` shows it to sign), one partially signed (the demo
  pair: ``filleul@`` has still to sign), one waiting for staff's validation, one validated,
  two finished with their tutor's assessment (one leading to a hire), one refused by the tutor
  with a reason, one cancelled.
- The Club des 1.000 has a pupil's observation sequence signed by every party (the pupil, the
  guardian, the head teacher, the referent teacher, the host company and the tutor) and
  validated.

Each convention is proposed with ``immersion_proposer`` and signed the way a party signs: a
one-time code, then ``signature_confirmer``; the code is planted with a known value rather than
e-mailed, so each signature row is the one a real signature writes (the text's fingerprint,
the instant, the method, the network address and the browser). Each step is then dated back to
a plausible moment of the convention's story (an ``update()`` of its timestamps only).

The messages these steps write stay in the outbox, marked as sent when they were written (the
demo's fictitious parties are not e-mailed, as for the charters); a link-bearing one is emptied
as the sender empties it. Staff's « Relancer » in the admin issues fresh signature links, which
the console e-mail backend prints.
"""

import datetime as dt
import hashlib
import zlib

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.text import slugify

from mentorat.models import CodeSignature, Envoi, Partie
from mentorat.signatures import _hash_code, parties_de, signature_confirmer, signature_refuser
from mentorat.siret import luhn_valide
from parrainages import immersion_regles as regles
from parrainages.models import AGE_MAJORITE, BilanImmersion, Immersion, Parrainage
from parrainages.services.immersion import (
    bilan_enregistrer,
    bilans_demander,
    immersion_annuler,
    immersion_proposer,
    immersion_texte,
    immersion_valider,
)
from partenaires.models import Partenaire
from programmes.models import Situation

from . import noms
from .partenaires import FT_PARIS_19
from .population import DOMAINE, a_heure, jours
from .programmes import AUVERGNE, PARIS
from .suivi import USER_AGENTS

User = get_user_model()

CODE = "246810"  # the code each demo party "types"
ADRESSES_IP = ["192.0.2.14", "198.51.100.73", "203.0.113.201", "192.0.2.88", "198.51.100.5"]
SEMAINE = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")
HORAIRES_ADULTE = {j: [["09:00", "12:30"], ["13:30", "17:00"]] for j in SEMAINE}  # 35 h
# A pupil under 16: 6 hours a day, a break at noon, nothing after 20:00.
HORAIRES_ELEVE = {j: [["09:00", "12:00"], ["13:30", "16:30"]] for j in SEMAINE}

METIERS = [
    (
        "M1601",
        "Agent(e) d'accueil",
        "Accueillir le public à l'accueil du siège, orienter les visiteurs, tenir le standard.",
        "Accueillir et orienter un visiteur\nGérer les appels entrants\nTenir un registre",
    ),
    (
        "M1501",
        "Assistant(e) ressources humaines",
        "Préparer les dossiers d'entrée des salariés, suivre les absences, classer.",
        "Constituer un dossier du personnel\nSuivre les absences\nRédiger un courrier simple",
    ),
    (
        "N1103",
        "Préparateur(trice) de commandes",
        "Préparer les commandes au scanner, contrôler les colis, ranger les réserves.",
        "Préparer une commande\nUtiliser un scanner\nRespecter les règles de sécurité",
    ),
    (
        "G1703",
        "Réceptionniste en hôtellerie",
        "Accueillir les clients de l'hôtel, enregistrer les arrivées et les départs.",
        "Accueillir un client\nEnregistrer une réservation\nÉtablir une facture",
    ),
    (
        "M1607",
        "Secrétaire",
        "Tenir les agendas de l'équipe, préparer les réunions, mettre en forme les documents.",
        "Gérer un agenda\nMettre en forme un document\nClasser et archiver",
    ),
    (
        "G1603",
        "Équipier(ère) polyvalent(e) de restauration",
        "Préparer les plats simples, servir au comptoir, entretenir la salle.",
        "Appliquer les règles d'hygiène\nServir au comptoir\nEntretenir un espace",
    ),
    (
        "D1507",
        "Employé(e) de libre-service",
        "Mettre en rayon, étiqueter, renseigner les clients du magasin.",
        "Mettre en rayon\nContrôler les dates\nRenseigner un client",
    ),
    (
        "K2204",
        "Agent(e) de propreté",
        "Entretenir les bureaux avec l'équipe de propreté, suivre le planning d'intervention.",
        "Utiliser le matériel d'entretien\nRespecter un protocole\nTravailler en équipe",
    ),
]


# --- Helpers ------------------------------------------------------------------------------------


def siret_demo(graine: int) -> str:
    """A well-formed SIRET (its Luhn keys right) from a number: the demo's companies."""
    base = f"{10_000_000 + graine % 90_000_000:08d}"
    siren = next(f"{base}{c}" for c in range(10) if luhn_valide(f"{base}{c}"))
    return next(f"{siren}0001{c}" for c in range(10) if luhn_valide(f"{siren}0001{c}"))


def lundi(semaines: int) -> dt.date:
    """The Monday ``semaines`` weeks from this week's (1: next Monday)."""
    today = timezone.localdate()
    return today + jours(7 * semaines - today.weekday())


def _adresse(prenom: str, nom: str, domaine: str) -> str:
    return f"{slugify(prenom)}.{slugify(nom)}@{domaine}"


def _domaine(nom: str) -> str:
    return f"{slugify(nom)[:40].strip('-')}.{DOMAINE}"


def _dernier_envoi() -> int:
    return Envoi.objects.aggregate(n=Max("pk"))["n"] or 0


def _apres(instant: dt.datetime, heures: float) -> dt.datetime:
    """``heures`` later, in the daytime (a step due at night waits for the next morning)."""
    suivant = timezone.localtime(instant + dt.timedelta(hours=heures))
    if suivant.hour >= 21:
        suivant = a_heure(suivant.date() + jours(1), 8, suivant.minute)
    elif suivant.hour < 8:
        suivant = a_heure(suivant.date(), 8, suivant.minute)
    return suivant


def il_y_a(jours_: int) -> dt.datetime:
    """Half past ten, ``jours_`` days ago: when a convention was proposed."""
    return a_heure(timezone.localdate() - jours(jours_), 10, 30)


def _plus_tot(instant: dt.datetime) -> dt.datetime:
    """Never in the future: a step of a current convention happened a few minutes ago at most."""
    return min(instant, timezone.now() - dt.timedelta(minutes=5))


class Convention:
    """One demo convention, driven through the services; each step then dated."""

    def __init__(self, pair, donnees, *, proposee_le, n):
        self.n = n
        self.marque = _dernier_envoi()
        self.immersion = immersion_proposer(parrainage=pair, par=pair.parrain.user, donnees=donnees)
        Immersion.objects.filter(pk=self.immersion.pk).update(
            created_at=proposee_le, soumise_le=proposee_le
        )
        self.parties().update(
            created_at=proposee_le,
            jeton_expire_le=F("jeton_expire_le") - (timezone.now() - proposee_le),
        )
        self._dater_envois(proposee_le)

    def parties(self):
        return Partie.objects.du_document(self.immersion)

    def _dater_envois(self, instant):
        """The messages the last step wrote, dated with it."""
        Envoi.objects.filter(pk__gt=self.marque).update(created_at=instant, prochain_essai=instant)
        self.marque = _dernier_envoi()

    def signer(self, roles=None, *, depuis, pas_heures=7):
        """The parties of ``roles`` (prefixes; None: every party) sign, in the convention's
        order, one after the other from ``depuis``; returns the last signature's instant."""
        quand = depuis
        for i, partie in enumerate(parties_de(self.immersion).a_signer()):
            if roles is not None and not partie.role.startswith(tuple(roles)):
                continue
            quand = _plus_tot(_apres(quand, pas_heures + i / 5))
            # The code the party would have received by e-mail, planted with a known value
            # (as tests/mentorat/factories.py code_en_attente does), then typed.
            demande = CodeSignature.objects.create(
                partie=partie,
                code_hash="",
                expire_le=timezone.now() + dt.timedelta(minutes=CodeSignature.DUREE_MINUTES),
            )
            demande.code_hash = _hash_code(demande.pk, CODE)
            demande.save(update_fields=["code_hash"])
            signature_confirmer(
                partie=partie,
                code=CODE,
                ip=ADRESSES_IP[(self.n + i) % len(ADRESSES_IP)],
                user_agent=USER_AGENTS[(self.n + i) % len(USER_AGENTS)],
            )
            Partie.objects.filter(pk=partie.pk).update(signee_le=quand)
            CodeSignature.objects.filter(pk=demande.pk).update(
                created_at=quand - dt.timedelta(minutes=2),
                expire_le=quand + dt.timedelta(minutes=CodeSignature.DUREE_MINUTES - 2),
                utilise_le=quand,
            )
            self._dater_envois(quand)
        self.immersion.refresh_from_db()
        if self.immersion.signee_le is not None:
            Immersion.objects.filter(pk=self.immersion.pk).update(signee_le=quand)
        return quand

    def valider(self, par, *, le):
        immersion_valider(immersion=self.immersion, par=par)
        Immersion.objects.filter(pk=self.immersion.pk).update(valide_le=le)
        self._dater_envois(le)

    def refuser(self, role, motif, *, le):
        partie = self.parties().get(role=role)
        signature_refuser(partie=partie, motif=motif)
        Partie.objects.filter(pk=partie.pk).update(refusee_le=le)
        Immersion.objects.filter(pk=self.immersion.pk).update(refusee_le=le)
        self._dater_envois(le)

    def annuler(self, par, motif, *, le):
        immersion_annuler(immersion=self.immersion, par=par, motif=motif)
        Immersion.objects.filter(pk=self.immersion.pk).update(annulee_le=le)
        self._dater_envois(le)

    def avancer_dates(self, semaines: int):
        """Move the period ``semaines`` weeks earlier (same weekdays), and freeze its text
        again, with each signature's fingerprint.

        Why: the legal rules refuse to sign a convention whose first day has passed, so a
        past convention cannot be signed today through the services. The demo shows past
        conventions that were legal when signed: each is made with future dates, signed and
        validated, then its period (and its text, fingerprint included) moved to the past.
        """
        decalage = jours(7 * semaines)
        Immersion.objects.filter(pk=self.immersion.pk).update(
            date_debut=F("date_debut") - decalage, date_fin=F("date_fin") - decalage
        )
        immersion = Immersion.objects.avec_libelle().select_related("prescripteur")
        immersion = immersion.get(pk=self.immersion.pk)
        texte = immersion_texte(immersion)
        immersion.texte = texte
        immersion.texte_sha256 = hashlib.sha256(texte.encode("utf-8")).hexdigest()
        Immersion.objects.filter(pk=immersion.pk).update(
            texte=immersion.texte, texte_sha256=immersion.texte_sha256
        )
        self.parties().filter(signee_le__isnull=False).update(texte_sha256=immersion.texte_sha256)
        self.immersion = immersion


# --- What each convention says ------------------------------------------------------------------


def _prescripteur(filleul, defaut):
    prescripteur = filleul.prescripteur
    if prescripteur is not None and prescripteur.type in regles.TYPES_PRESCRIPTEURS_PMSMP:
        return prescripteur
    return defaut


def donnees_pmsmp(pair, *, n, debut, prescripteur, objet=Immersion.Objet.CONFIRMER):
    code, metier, activites, competences = METIERS[n % len(METIERS)]
    parrain = pair.parrain
    entreprise = parrain.entreprise or "Entreprise d'accueil"
    commune = parrain.commune.nom if parrain.commune else "Paris"
    prenom_t = noms.PRENOMS_FEMININS_PARRAINS[(3 * n) % len(noms.PRENOMS_FEMININS_PARRAINS)]
    nom_t = noms.NOMS[(7 * n + 3) % len(noms.NOMS)]
    prenom_c = noms.PRENOMS_MASCULINS_PARRAINS[(5 * n) % len(noms.PRENOMS_MASCULINS_PARRAINS)]
    nom_c = noms.NOMS[(11 * n + 5) % len(noms.NOMS)]
    domaine_c = prescripteur.email.split("@")[-1] if prescripteur.email else DOMAINE
    proche = noms.NOMS[(13 * n + 1) % len(noms.NOMS)]
    objectifs = {
        Immersion.Objet.DECOUVRIR: f"Découvrir le métier de {metier.lower()} en situation réelle.",
        Immersion.Objet.CONFIRMER: f"Confirmer le projet de devenir {metier.lower()} : "
        "observer le poste, réaliser les tâches courantes avec le tuteur, faire le point en fin "
        "de période.",
        Immersion.Objet.RECRUTER: f"Initier un recrutement sur un poste de {metier.lower()} : "
        "vérifier l'adéquation au poste avant un entretien d'embauche.",
    }[objet]
    return {
        "date_debut": debut,
        "date_fin": debut + jours(11),
        "objet": objet,
        "objectifs": objectifs,
        "metier_code": code,
        "metier_libelle": metier,
        "entreprise_nom": entreprise,
        "entreprise_siret": siret_demo(zlib.crc32(entreprise.encode())),
        "entreprise_adresse": f"{10 + n * 7} rue de la République, {commune}",
        "lieu": f"{entreprise}, {commune}",
        "representant_est_parrain": True,
        "tuteur_prenom": prenom_t,
        "tuteur_nom": nom_t,
        "tuteur_fonction": "Responsable d'équipe",
        "tuteur_email": _adresse(prenom_t, nom_t, _domaine(entreprise)),
        "tuteur_telephone": f"01 44 {10 + n:02d} 32 {40 + n:02d}",
        "prescripteur": prescripteur,
        "conseiller_prenom": prenom_c,
        "conseiller_nom": nom_c,
        "conseiller_fonction": "Conseiller emploi",
        "conseiller_email": _adresse(prenom_c, nom_c, domaine_c),
        "horaires": HORAIRES_ADULTE,
        "activites": activites,
        "competences": competences,
        "risques": "Travail sur écran et station debout : pauses régulières.",
        "urgence_nom": f"{noms.PRENOMS_FEMININS_FILLEULS[n % 8]} {proche}",
        "urgence_telephone": f"06 {12 + n:02d} 34 56 {78 - n:02d}",
    }


def donnees_observation(pair, *, debut):
    parrain, ecole = pair.parrain, pair.filleul.etablissement
    entreprise = parrain.entreprise or "Entreprise d'accueil"
    commune = parrain.commune.nom if parrain.commune else "Clermont-Ferrand"
    domaine_ecole = _domaine(ecole.nom)
    return {
        "date_debut": debut,
        "date_fin": debut + jours(4),
        "objectifs": "Séquence d'observation de 3e : découvrir l'entreprise, ses métiers et ses "
        "règles ; préparer le rapport de stage.",
        "metier_libelle": "Métiers de l'entreprise",
        "entreprise_nom": entreprise,
        "entreprise_siret": siret_demo(zlib.crc32(entreprise.encode())),
        "entreprise_adresse": f"12 boulevard Gustave Flaubert, {commune}",
        "lieu": f"{entreprise}, {commune}",
        "representant_est_parrain": True,
        "tuteur_prenom": "Sandrine",
        "tuteur_nom": "Chabrier",
        "tuteur_fonction": "Cheffe d'atelier",
        "tuteur_email": _adresse("Sandrine", "Chabrier", _domaine(entreprise)),
        "tuteur_telephone": "04 73 21 45 60",
        "chef_etablissement_prenom": "Hélène",
        "chef_etablissement_nom": "Vidal",
        "chef_etablissement_email": f"direction@{domaine_ecole}",
        "enseignant_prenom": "Julien",
        "enseignant_nom": "Mercier",
        "enseignant_email": _adresse("Julien", "Mercier", domaine_ecole),
        "enseignant_telephone": "04 73 98 12 30",
        "horaires": HORAIRES_ELEVE,
        "activites": "Observer l'accueil des clients et le travail de l'atelier ; découvrir les "
        "métiers de l'entreprise en échangeant avec les salariés.",
        "competences": "Se présenter\nObserver et décrire un poste de travail",
        "sans_travaux_dangereux": True,
        "risques": "Aucune machine : l'élève reste en zone d'accueil et de bureaux.",
        "urgence_nom": "",  # the guardian, filled below
        "urgence_telephone": "",
    }


# --- The pairs ----------------------------------------------------------------------------------


def _paires_paris(exclure_parrain):
    """Active Paris pairs whose mentor offers immersions and whose mentee is an adult job
    seeker (a PMSMP, not a pupil's sequence), oldest first, one per mentor and mentee."""
    majeur = timezone.localdate().replace(year=timezone.localdate().year - AGE_MAJORITE - 1)
    paires = (
        Parrainage.objects.filter(
            programme__slug=PARIS,
            statut=Parrainage.Statut.ACTIF,
            parrain__offre_immersion=True,
            parrain__user__isnull=False,
            filleul__user__isnull=False,
            filleul__etablissement__isnull=True,
            filleul__date_naissance__lte=majeur,
            immersions__isnull=True,
        )
        .exclude(filleul__situation=Situation.ELEVE_3E_REP)
        .exclude(parrain=exclure_parrain)
        .select_related("programme", "parrain__user", "parrain__commune", "filleul__user")
        .select_related("filleul__prescripteur")
        .order_by("date_debut", "pk")
    )
    vus, choisies = set(), []
    for pair in paires:
        if pair.parrain_id in vus or pair.filleul_id in vus:
            continue
        vus |= {pair.parrain_id, pair.filleul_id}
        choisies.append(pair)
    return choisies


def _paire_eleve():
    """An active Club pair with a 3e pupil in a school, a guardian, and a mentor whose
    background check is recorded (the Club asks it for mentors of minors); one whose mentor
    offers immersions first."""
    pair = (
        Parrainage.objects.filter(
            programme__slug=AUVERGNE,
            statut=Parrainage.Statut.ACTIF,
            filleul__situation=Situation.ELEVE_3E_REP,
            filleul__etablissement__isnull=False,
            filleul__representants_legaux__isnull=False,
            filleul__user__isnull=False,
            parrain__user__isnull=False,
            parrain__honorabilite_verifiee_le__isnull=False,
        )
        .select_related("programme", "parrain__user", "parrain__commune", "filleul__user")
        .select_related("filleul__etablissement")
        .order_by("-parrain__offre_immersion", "pk")
        .first()
    )
    if pair is not None and not pair.parrain.offre_immersion:
        # The mentor welcomes the pupil in their company: they offer it.
        type(pair.parrain).objects.filter(pk=pair.parrain_id).update(offre_immersion=True)
        pair.parrain.offre_immersion = True
    return pair


# --- The demo ------------------------------------------------------------------------------------


@transaction.atomic
def immersions_demo() -> None:
    """Once, after the population and the minors (``seed_demo``'s creation branch)."""
    debut_envois = _dernier_envoi()
    gestionnaire = User.objects.get(email=f"gestionnaire@{DOMAINE}")
    _paris(gestionnaire)
    _club(gestionnaire)
    _envois_passes(debut_envois)


def _paris(gestionnaire):
    parrain_demo = User.objects.get(email=f"parrain@{DOMAINE}").parrain
    demo_pairs = {
        p.filleul.user.email: p
        for p in Parrainage.objects.filter(parrain=parrain_demo, statut=Parrainage.Statut.ACTIF)
        .select_related("programme", "parrain__user", "parrain__commune", "filleul__user")
        .select_related("filleul__prescripteur")
        .order_by("pk")
    }
    avec_filleul_demo = demo_pairs.pop(f"filleul@{DOMAINE}")
    autre_demo = next(iter(demo_pairs.values()))
    paires = iter(_paires_paris(parrain_demo))
    ft_paris = Partenaire.objects.get(nom=FT_PARIS_19)
    today = timezone.localdate()

    def proposer(pair, n, debut, proposee_le, **kw):
        donnees = donnees_pmsmp(
            pair, n=n, debut=debut, prescripteur=_prescripteur(pair.filleul, ft_paris), **kw
        )
        return Convention(pair, donnees, proposee_le=proposee_le, n=n)

    # A draft: a proposal made before conventions existed, that staff complete then send.
    pair = next(paires)
    code, metier, activites, _ = METIERS[0]
    Immersion.objects.create(
        parrainage=pair,
        nature=Immersion.Nature.PMSMP,
        statut=Immersion.Statut.BROUILLON,
        proposee_par=pair.parrain.user,
        objet=Immersion.Objet.DECOUVRIR,
        objectifs=f"Découvrir le métier de {metier.lower()}.",
        metier_code=code,
        metier_libelle=metier,
        entreprise_nom=pair.parrain.entreprise,
        lieu=pair.parrain.entreprise,
        activites=activites,
        date_debut=lundi(5),
        date_fin=lundi(5) + jours(4),
        horaires=HORAIRES_ADULTE,
        created_at=il_y_a(40),
    )

    # To sign: the demo mentor (the host company's representative) has it to sign.
    proposer(autre_demo, 1, lundi(3), il_y_a(1))

    # Partially signed: the demo mentor and the tutor signed, the demo mentee has still to.
    c = proposer(avec_filleul_demo, 2, lundi(2), il_y_a(4))
    c.signer(["entreprise", "tuteur"], depuis=il_y_a(4))

    # Every party signed: in staff's queue to validate.
    c = proposer(next(paires), 3, lundi(2), il_y_a(6), objet=Immersion.Objet.RECRUTER)
    c.signer(depuis=il_y_a(6))

    # Validated: its sealed PDF is made by seed_demo (when WeasyPrint is there).
    c = proposer(next(paires), 4, lundi(2), il_y_a(12))
    fin = c.signer(depuis=il_y_a(12))
    c.valider(gestionnaire, le=_plus_tot(_apres(fin, 20)))

    # Finished, with the tutor's assessment: a hire is considered after one, a training
    # after the other.
    for n, semaines, objet, issue in (
        (5, 5, Immersion.Objet.RECRUTER, BilanImmersion.Issue.EMBAUCHE),
        (6, 10, Immersion.Objet.CONFIRMER, BilanImmersion.Issue.FORMATION),
    ):
        debut_passe = lundi(-semaines)
        proposee_le = a_heure(debut_passe - jours(20), 10, 30)
        c = proposer(next(paires), n, lundi(1), proposee_le, objet=objet)
        fin = c.signer(depuis=proposee_le)
        c.valider(gestionnaire, le=_apres(fin, 22))
        c.avancer_dates(semaines + 1)
        _terminer(c, issue=issue, today=today)

    # Refused by the tutor, after the mentee signed.
    c = proposer(next(paires), 7, lundi(3), il_y_a(5))
    fin = c.signer(["beneficiaire"], depuis=il_y_a(5))
    c.refuser(
        "tuteur",
        "Je serai en congé la deuxième semaine : il faut décaler la période d'une semaine.",
        le=_plus_tot(_apres(fin, 26)),
    )

    # Cancelled by staff, after two signatures: the mentee found a job before it started.
    c = proposer(next(paires), 8, lundi(4), il_y_a(9))
    fin = c.signer(["beneficiaire", "entreprise"], depuis=il_y_a(9))
    c.annuler(
        gestionnaire,
        "Contrat de travail signé avant le début de la période : l'immersion n'a plus d'objet.",
        le=_plus_tot(_apres(fin, 48)),
    )


def _terminer(c: Convention, *, issue, today):
    """The period is over: the tutor is asked for the assessment (the daily task), fills it."""
    immersion = c.immersion
    bilans_demander(aujourd_hui=today)
    demande_le = a_heure(immersion.date_fin, 18)
    recu_le = a_heure(immersion.date_fin + jours(3), 11, 20)
    Immersion.objects.filter(pk=immersion.pk).update(
        bilan_demande_le=demande_le, bilan_jeton_expire_le=demande_le + jours(60)
    )
    c._dater_envois(demande_le)
    competences = immersion.liste_competences()
    niveaux = [BilanImmersion.Niveau.ACQUISE, BilanImmersion.Niveau.EN_COURS]
    commentaire = {
        BilanImmersion.Issue.EMBAUCHE: "Très bonne intégration dans l'équipe, ponctualité et "
        "curiosité. Nous proposons un entretien pour le poste ouvert en janvier.",
        BilanImmersion.Issue.FORMATION: "Période sérieuse ; le métier lui plaît mais demande "
        "une qualification : nous conseillons le titre professionnel correspondant.",
    }[issue]
    bilan_enregistrer(
        immersion=immersion,
        donnees={
            "jours_presence": 9,
            "jours_absence": 1,
            "competences": {nom: niveaux[i % 2] for i, nom in enumerate(competences)},
            "issue": issue,
            "commentaire": commentaire,
        },
    )
    BilanImmersion.objects.filter(immersion=immersion).update(created_at=recu_le)
    c._dater_envois(recu_le)


def _club(gestionnaire):
    """A pupil's observation sequence, signed by every party and validated."""
    pair = _paire_eleve()
    if pair is None:
        return
    representant = pair.filleul.representants_legaux.order_by("created_at", "pk").first()
    donnees = donnees_observation(pair, debut=lundi(2))
    donnees["urgence_nom"] = representant.nom_complet
    donnees["urgence_telephone"] = representant.telephone
    c = Convention(pair, donnees, proposee_le=il_y_a(10), n=9)
    fin = c.signer(depuis=il_y_a(10), pas_heures=18)
    coordinateur = pair.programme.coordinateur
    par = coordinateur if coordinateur is not None and coordinateur.is_staff else gestionnaire
    c.valider(par, le=_plus_tot(_apres(fin, 20)))


def _envois_passes(depuis: int) -> None:
    """The messages written above count as sent when they were written (the demo's
    fictitious parties are not e-mailed); a confidential one (a link, a code) is emptied as
    the sender empties it, the address too when no account holds it."""
    envois = Envoi.objects.filter(pk__gt=depuis)
    vide = {"texte": "", "html": "", "contexte": {}, "pieces_jointes": [], "gabarit": ""}
    envois.filter(confidentiel=True, destinataire__isnull=True).update(email="", **vide)
    envois.filter(confidentiel=True).update(**vide)
    envois.update(statut=Envoi.Statut.ENVOYE, envoye_le=F("created_at"), tentatives=1)
