"""The legal limits of an immersion convention, each with the article it comes from.

``verifier(immersion)`` checks a convention as the services are about to write it (a proposal,
a change, a signature, a validation) and raises one ``ValidationError`` holding every problem
found, each under the field it concerns and in French, with its article. Nothing here writes
anything. docs/immersion.md lists the same limits and what each message says.

The texts relied on (Code du travail unless stated):

- PMSMP: L5135-1 (its three purposes), L5135-2 (who prescribes it), L5135-4 (the convention
  and its parties), D5135-2 (what the convention states), D5135-3 (one month at most « de date
  à date », continuous or not; one renewal, same purpose and objectives; at most two
  conventions and sixty days in twelve months in the same host structure), D5135-5 (the tutor);
- working time: L3121-18 (10 hours a day) and L3121-20 (48 hours a week) for adults, L3131-1
  (11 hours of daily rest), L3132-1 (six days a week at most); for minors L3162-1 (8 hours a
  day, 35 a week), L3162-3 (a 30-minute break after 4 h 30), L3163-1 and L3163-2 (no night
  work: 20 h to 6 h under 16, 22 h to 6 h from 16), L3164-1 (12 hours of daily rest, 14 under
  16), L3164-2 (two consecutive days of rest a week);
- minors and pupils: L4153-1 (no work under 16, except pupils' observation sequences), L4153-2
  (the school's convention), Code de l'éducation L131-1 (schooling compulsory until 16),
  D331-6 (the pupil followed by the school and supervised in the company), D331-9 and Code du
  travail D4153-15 to D4153-37 (observation only: no machine, product or work forbidden to
  minors), D332-14 (the 3e sequence: five days, consecutive or not, per the ministry's
  eduscol guidance), and the ministry's circular on pupils under 16 in a professional
  setting (7 hours a day at most).
"""

import datetime as dt
import re
import unicodedata

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone

from mentorat.siret import siret_valide
from programmes.models import Situation

from . import immersion_horaires as H
from .models import AGE_MAJORITE, Immersion, add_months

ROME = re.compile(r"^[A-N][0-9]{4}$")

# L5135-2: France Travail, the Missions locales, Cap emploi, the structures of « insertion par
# l'activité économique » and the bodies they authorise by convention (here: associations).
TYPES_PRESCRIPTEURS_PMSMP = ("france_travail", "mission_locale", "association")
AGE_MINIMUM_PMSMP = 16  # L4153-1; Code de l'éducation L131-1 (schooling compulsory until 16)
AGE_TRAVAIL_ENFANT = 16  # below: « enfants » (L3163-1 2°, L3164-1)
JOURS_OBSERVATION_MAX = 5  # Code de l'éducation D332-14 (eduscol: five days, consecutive or not)
CONVENTIONS_MAX_12_MOIS = 2  # D5135-3, third paragraph
JOURS_MAX_12_MOIS = 60  # D5135-3, third paragraph
MOTS_OBSERVATION = ("observ", "decouv", "assist", "accompagn", "rencontr", "visit", "echang")


def _d(jour: dt.date) -> str:
    return f"{jour:%d/%m/%Y}"


def _sans_accents(texte: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFD", texte.lower()) if unicodedata.category(c) != "Mn"
    )


def _meme_texte(a: str, b: str) -> bool:
    return " ".join((a or "").split()).casefold() == " ".join((b or "").split()).casefold()


class _Erreurs:
    def __init__(self):
        self.par_champ: dict[str, list[str]] = {}

    def __call__(self, champ: str | None, message: str):
        self.par_champ.setdefault(champ or NON_FIELD_ERRORS, []).append(message)

    def lever(self):
        if self.par_champ:
            raise ValidationError(self.par_champ)


def nature_attendue(parrainage) -> str:
    """A pupil's placement is an observation sequence (Code de l'éducation, art. L332-3-1;
    Code du travail, art. L4153-1), a job seeker's a PMSMP (art. L5135-1): a pupils'
    programme, or a pupil (class of 3e, a school recorded) in a programme that serves both,
    such as the Club des 1.000."""
    filleul = parrainage.filleul
    eleve = filleul.situation == Situation.ELEVE_3E_REP or bool(filleul.etablissement_id)
    if parrainage.programme.public_eleves or eleve:
        return Immersion.Nature.OBSERVATION
    return Immersion.Nature.PMSMP


def fin_max_pmsmp(debut: dt.date) -> dt.date:
    """The last day a PMSMP starting on ``debut`` may last to: one month « de date à date »
    (D5135-3), i.e. the day before the same date a month later (clamped to shorter months).

    immersion-facile counts 30 days between the first and the last day; the calendar month is
    the text's own measure, and is never longer than that (from 1 February: 28 February). A
    start on a day the next month lacks (31 January) runs to that month's end (28 February).
    """
    un_mois_apres = add_months(debut, 1)
    if un_mois_apres.day < debut.day:
        return un_mois_apres
    return un_mois_apres - dt.timedelta(days=1)


# --- Fields a convention must state (D5135-2; Code de l'éducation D331-3 and D331-6) --------------

REQUIS_COMMUNS = {
    "objectifs": "Indiquez les objectifs de la période.",
    "entreprise_nom": "Indiquez le nom de l'entreprise d'accueil.",
    "entreprise_siret": "Indiquez le SIRET de l'établissement d'accueil.",
    "entreprise_adresse": "Indiquez l'adresse de l'établissement d'accueil.",
    "lieu": "Indiquez le lieu où se déroule la période.",
    "tuteur_prenom": "Indiquez le prénom du tuteur ou de la tutrice.",
    "tuteur_nom": "Indiquez le nom du tuteur ou de la tutrice.",
    "tuteur_fonction": "Indiquez la fonction du tuteur ou de la tutrice.",
    "tuteur_email": "Indiquez l'adresse e-mail du tuteur ou de la tutrice : il ou elle signe "
    "et remplit le bilan en ligne.",
    "activites": "Décrivez les activités confiées.",
    "urgence_nom": "Indiquez la personne à prévenir en cas d'urgence.",
    "urgence_telephone": "Indiquez le téléphone de la personne à prévenir en cas d'urgence.",
}
REQUIS_REPRESENTANT = {
    "representant_prenom": "Indiquez le prénom du représentant de l'entreprise.",
    "representant_nom": "Indiquez le nom du représentant de l'entreprise.",
    "representant_fonction": "Indiquez la fonction du représentant de l'entreprise.",
    "representant_email": "Indiquez l'adresse e-mail du représentant de l'entreprise : il ou "
    "elle signe en ligne.",
}
REQUIS_PMSMP = {
    "objet": "Choisissez l'objet de la période (Code du travail, art. L5135-1).",
    "metier_code": "Indiquez le code ROME du métier (une lettre de A à N et 4 chiffres).",
    "metier_libelle": "Indiquez le métier.",
    "conseiller_prenom": "Indiquez le prénom du conseiller ou de la conseillère référent(e).",
    "conseiller_nom": "Indiquez le nom du conseiller ou de la conseillère référent(e).",
    "conseiller_email": "Indiquez l'adresse e-mail du conseiller ou de la conseillère : "
    "il ou elle signe en ligne.",
    "competences": "Indiquez les compétences observées, une par ligne.",
}
REQUIS_OBSERVATION = {
    "chef_etablissement_prenom": "Indiquez le prénom du chef ou de la cheffe d'établissement.",
    "chef_etablissement_nom": "Indiquez le nom du chef ou de la cheffe d'établissement.",
    "chef_etablissement_email": "Indiquez l'adresse e-mail du chef ou de la cheffe "
    "d'établissement : il ou elle signe en ligne.",
    "enseignant_prenom": "Indiquez le prénom du professeur ou de la professeure référent(e).",
    "enseignant_nom": "Indiquez le nom du professeur ou de la professeure référent(e).",
    "enseignant_email": "Indiquez l'adresse e-mail du professeur ou de la professeure référent(e).",
}


def _requis(immersion: Immersion, erreur) -> None:
    requis = dict(REQUIS_COMMUNS)
    if not immersion.representant_est_parrain:
        requis |= REQUIS_REPRESENTANT
    requis |= REQUIS_OBSERVATION if immersion.est_observation else REQUIS_PMSMP
    for champ, message in requis.items():
        if not str(getattr(immersion, champ) or "").strip():
            erreur(champ, message)


# --- The rules ------------------------------------------------------------------------------------


def verifier(immersion: Immersion, *, aujourd_hui: dt.date | None = None) -> None:
    """Raise a ValidationError holding every legal limit ``immersion`` breaks (see the module).

    ``immersion`` may be unsaved (a proposal); its pair, mentee and programme are read.
    """
    aujourd_hui = aujourd_hui or timezone.localdate()
    erreur = _Erreurs()
    parrainage = immersion.parrainage
    filleul = parrainage.filleul
    if immersion.nature not in Immersion.Nature.values:
        erreur("nature", "Nature de convention inconnue.")
        erreur.lever()
    attendue = nature_attendue(parrainage)
    if attendue == Immersion.Nature.OBSERVATION and not immersion.est_observation:
        erreur(
            "nature",
            "Ce filleul est un élève : sa convention est une séquence d'observation "
            "(Code du travail, art. L4153-1).",
        )
    if immersion.est_observation and attendue != Immersion.Nature.OBSERVATION:
        erreur(
            "nature",
            "Une séquence d'observation est réservée aux élèves (Code de l'éducation, "
            "art. L332-3-1).",
        )
    _requis(immersion, erreur)
    _identifiants(immersion, erreur)
    if not (immersion.date_debut and immersion.date_fin):
        erreur("date_debut", "Indiquez le premier et le dernier jour.")
        erreur.lever()
    _dates(immersion, aujourd_hui, erreur)
    age = filleul.age(immersion.date_debut)
    _personnes(immersion, filleul, age, erreur)
    _prescripteur(immersion, filleul, erreur)
    semaine = _horaires(immersion, age, erreur)
    if immersion.est_observation:
        _observation(immersion, semaine, age, erreur)
    else:
        _pmsmp(immersion, erreur)
    _chevauchement(immersion, filleul, erreur)
    erreur.lever()


def _identifiants(immersion, erreur):
    if immersion.entreprise_siret and not siret_valide(immersion.entreprise_siret):
        erreur(
            "entreprise_siret",
            "Ce SIRET n'est pas valide : il compte 14 chiffres et sa clé de contrôle ne "
            "correspond pas. Recopiez-le depuis un document de l'entreprise (fiche de paie, "
            "extrait Kbis, annuaire des entreprises).",
        )
    if immersion.metier_code and not ROME.match(immersion.metier_code):
        erreur(
            "metier_code",
            "Un code ROME s'écrit avec une lettre de A à N suivie de 4 chiffres (ex. M1607).",
        )


def _dates(immersion, aujourd_hui, erreur):
    debut, fin = immersion.date_debut, immersion.date_fin
    if fin < debut:
        erreur("date_fin", "Le dernier jour doit suivre le premier.")
        return
    if debut < aujourd_hui:
        erreur(
            "date_debut",
            f"La période commence le {_d(debut)}, une date passée : une convention se signe "
            "avant son premier jour. Choisissez de nouvelles dates.",
        )
    if not immersion.est_observation and fin > fin_max_pmsmp(debut):
        erreur(
            "date_fin",
            f"Une PMSMP dure au plus un mois de date à date, continu ou non : commencée le "
            f"{_d(debut)}, elle finit au plus tard le {_d(fin_max_pmsmp(debut))} "
            "(Code du travail, art. D5135-3).",
        )


def _personnes(immersion, filleul, age, erreur):
    if not immersion.est_observation and age < AGE_MINIMUM_PMSMP:
        erreur(
            None,
            f"Une PMSMP n'est ouverte qu'à partir de {AGE_MINIMUM_PMSMP} ans : la personne "
            f"aura {age} ans le premier jour (Code du travail, art. L4153-1 ; Code de "
            "l'éducation, art. L131-1).",
        )
    representants = list(filleul.representants_legaux.all()) if filleul.pk else []
    if age < AGE_MAJORITE and not representants:
        erreur(
            None,
            "La personne sera mineure le premier jour : enregistrez d'abord son ou ses "
            "représentants légaux, qui signent la convention avec elle.",
        )
    proches = {
        e.casefold()
        for e in [filleul.user.email if filleul.user_id else ""] + [r.email for r in representants]
        if e
    }
    if immersion.tuteur_email and immersion.tuteur_email.casefold() in proches:
        erreur(
            "tuteur_email",
            "Le tuteur ou la tutrice ne peut être ni la personne accueillie ni son représentant "
            "légal : indiquez l'adresse d'une personne de l'entreprise.",
        )
    if (
        not immersion.representant_est_parrain
        and immersion.representant_email
        and immersion.representant_email.casefold() in proches
    ):
        erreur(
            "representant_email",
            "Le représentant de l'entreprise ne peut être ni la personne accueillie ni son "
            "représentant légal.",
        )


def _prescripteur(immersion, filleul, erreur):
    prescripteur = immersion.prescripteur
    if immersion.est_observation:
        if not filleul.etablissement_id:
            erreur(
                "prescripteur",
                "L'établissement scolaire de l'élève n'est pas enregistré : renseignez-le dans "
                "son profil avant la convention.",
            )
        elif immersion.prescripteur_id != filleul.etablissement_id:
            erreur(
                "prescripteur",
                "La convention d'un élève est passée avec son établissement scolaire "
                "(Code du travail, art. L4153-2).",
            )
        return
    if prescripteur is None:
        erreur(
            "prescripteur",
            "Choisissez la structure prescriptrice (France Travail, Mission locale ou "
            "association habilitée) : une PMSMP est prescrite (Code du travail, art. L5135-2).",
        )
    elif prescripteur.type not in TYPES_PRESCRIPTEURS_PMSMP:
        erreur(
            "prescripteur",
            f"« {prescripteur} » ne peut pas prescrire une PMSMP : seuls France Travail, les "
            "Missions locales et les structures qu'ils habilitent le peuvent (Code du travail, "
            "art. L5135-2).",
        )


# --- Hours ----------------------------------------------------------------------------------------


def _blocs_continus(plages, pause_min=30):
    """Ranges separated by less than a 30-minute break make one continuous block."""
    blocs = []
    for debut, fin in plages:
        if blocs and debut - blocs[-1][1] < pause_min:
            blocs[-1] = (blocs[-1][0], fin)
        else:
            blocs.append((debut, fin))
    return blocs


def _horaires(immersion, age, erreur):
    try:
        semaine = H.lire(immersion.horaires)
    except ValidationError as exc:
        for message in exc.messages:
            erreur("horaires", message)
        return None
    if not semaine.minutes_par_semaine:
        erreur(
            "horaires",
            "Indiquez les horaires de présence, jour par jour (Code du travail, art. D5135-2).",
        )
        return None
    if immersion.date_debut <= immersion.date_fin and not H.jours_de_presence(
        semaine, immersion.date_debut, immersion.date_fin
    ):
        erreur(
            "horaires",
            "Aucun jour de présence entre le premier et le dernier jour : vérifiez les dates et "
            "les jours travaillés.",
        )
    mineur = age < AGE_MAJORITE
    enfant = age < AGE_TRAVAIL_ENFANT
    if mineur:
        _horaires_mineur(immersion, semaine, enfant, erreur)
    else:
        _horaires_adulte(immersion, semaine, erreur)
    return semaine


def _par_jour(semaine, maximum_min, message):
    for j in semaine.jours_travailles:
        total = semaine.minutes_du_jour(j)
        if total > maximum_min:
            return message.format(jour=H.JOURS[j], duree=H.duree_texte(total))
    return None


def _semaines_civiles(immersion, semaine, maximum_min, message):
    if immersion.date_fin < immersion.date_debut:
        return None
    for lundi, total in H.heures_par_semaine_civile(
        semaine, immersion.date_debut, immersion.date_fin
    ):
        if total > maximum_min:
            return message.format(lundi=_d(lundi), duree=H.duree_texte(total))
    return None


def _repos_quotidien(semaine, minimum_min):
    """The first pair of consecutive days whose rest between them is too short."""
    for j in semaine.jours_travailles:
        suivant = (j + 1) % 7
        if semaine.plages[suivant]:
            repos = 24 * 60 - semaine.fin(j) + semaine.debut(suivant)
            if repos < minimum_min:
                return H.JOURS[j], H.JOURS[suivant], repos
    return None


def _horaires_adulte(immersion, semaine, erreur):
    message = _par_jour(
        semaine,
        10 * 60,
        "Le {jour}, {duree} de présence : au plus 10 heures par jour (Code du travail, "
        "art. L3121-18).",
    )
    if message:
        erreur("horaires", message)
    message = _semaines_civiles(
        immersion,
        semaine,
        48 * 60,
        "La semaine du {lundi} compte {duree} de présence : au plus 48 heures par semaine "
        "(Code du travail, art. L3121-20).",
    )
    if message:
        erreur("horaires", message)
    if len(semaine.jours_travailles) > 6:
        erreur(
            "horaires",
            "Sept jours de présence par semaine : au plus six (Code du travail, art. L3132-1).",
        )
    court = _repos_quotidien(semaine, 11 * 60)
    if court:
        erreur(
            "horaires",
            f"Entre le {court[0]} et le {court[1]}, {H.duree_texte(court[2])} de repos : au moins "
            "11 heures consécutives (Code du travail, art. L3131-1).",
        )


def _horaires_mineur(immersion, semaine, enfant, erreur):
    eleve_enfant = immersion.est_observation and enfant
    if eleve_enfant:
        message = _par_jour(
            semaine,
            7 * 60,
            "Le {jour}, {duree} de présence : un élève de moins de 16 ans est présent au plus "
            "7 heures par jour (circulaire sur l'accueil des élèves mineurs de moins de 16 ans "
            "en milieu professionnel).",
        )
    else:
        message = _par_jour(
            semaine,
            8 * 60,
            "Le {jour}, {duree} de présence : un mineur est présent au plus 8 heures par jour "
            "(Code du travail, art. L3162-1).",
        )
    if message:
        erreur("horaires", message)
    message = _semaines_civiles(
        immersion,
        semaine,
        35 * 60,
        "La semaine du {lundi} compte {duree} de présence : un mineur est présent au plus "
        "35 heures par semaine (Code du travail, art. L3162-1).",
    )
    if message:
        erreur("horaires", message)
    for j in semaine.jours_travailles:
        for debut, fin in _blocs_continus(semaine.plages[j]):
            if fin - debut > 4 * 60 + 30:
                erreur(
                    "horaires",
                    f"Le {H.JOURS[j]}, {H.duree_texte(fin - debut)} sans pause de 30 minutes : "
                    "un mineur fait une pause d'au moins 30 minutes après 4 h 30 (Code du "
                    "travail, art. L3162-3).",
                )
                break
        else:
            continue
        break
    nuit_debut = 20 * 60 if enfant else 22 * 60
    for j in semaine.jours_travailles:
        if semaine.debut(j) < 6 * 60 or semaine.fin(j) > nuit_debut:
            erreur(
                "horaires",
                f"Le {H.JOURS[j]}, présence entre {H.heure(nuit_debut)} et 06:00 : le travail de "
                f"nuit est interdit aux mineurs{' de moins de 16 ans' if enfant else ''} "
                "(Code du travail, art. L3163-1 et L3163-2).",
            )
            break
    repos_min = (14 if enfant else 12) * 60
    court = _repos_quotidien(semaine, repos_min)
    if court:
        erreur(
            "horaires",
            f"Entre le {court[0]} et le {court[1]}, {H.duree_texte(court[2])} de repos : un "
            f"mineur{' de moins de 16 ans' if enfant else ''} a droit à "
            f"{repos_min // 60} heures consécutives (Code du travail, art. L3164-1).",
        )
    libres = [not semaine.plages[j] for j in range(7)]
    if not any(libres[j] and libres[(j + 1) % 7] for j in range(7)):
        erreur(
            "horaires",
            "Un mineur a droit à deux jours de repos consécutifs par semaine (Code du travail, "
            "art. L3164-2).",
        )


# --- Natures --------------------------------------------------------------------------------------


def _observation(immersion, semaine, age, erreur):
    if semaine is not None and immersion.date_debut <= immersion.date_fin:
        jours = H.jours_de_presence(semaine, immersion.date_debut, immersion.date_fin)
        if len(jours) > JOURS_OBSERVATION_MAX:
            erreur(
                "date_fin",
                f"{len(jours)} jours de présence : la séquence d'observation de 3e dure au plus "
                f"{JOURS_OBSERVATION_MAX} jours, consécutifs ou non (Code de l'éducation, "
                "art. D332-14).",
            )
    if not immersion.sans_travaux_dangereux:
        erreur(
            "sans_travaux_dangereux",
            "Confirmez que l'élève ne fera qu'observer : ni machine, ni produit, ni travail "
            "interdits aux mineurs (Code de l'éducation, art. D331-9 ; Code du travail, "
            "art. D4153-15 et suivants).",
        )
    activites = _sans_accents(immersion.activites or "")
    if activites.strip() and not any(mot in activites for mot in MOTS_OBSERVATION):
        erreur(
            "activites",
            "Une séquence d'observation ne comporte que de l'observation : décrivez ce que "
            "l'élève observera ou découvrira (par exemple « observer l'accueil des clients, "
            "découvrir les métiers de l'atelier »).",
        )


def _pmsmp(immersion, erreur):
    if immersion.objet and immersion.objet not in Immersion.Objet.values:
        erreur("objet", "Objet inconnu : choisissez l'un des trois objets de l'art. L5135-1.")
    if immersion.renouvelle_id:
        _renouvellement(immersion, erreur)
    _douze_mois(immersion, erreur)


def _renouvellement(immersion, erreur):
    initiale = immersion.renouvelle
    if initiale.renouvelle_id:
        erreur(
            "renouvelle",
            "Cette convention est elle-même un renouvellement : une PMSMP n'est renouvelée "
            "qu'une fois (Code du travail, art. D5135-3).",
        )
    deja = (
        Immersion.objects.en_vigueur().filter(renouvelle=initiale).exclude(pk=immersion.pk).exists()
    )
    if deja:
        erreur(
            "renouvelle",
            "Cette convention a déjà été renouvelée une fois : une PMSMP n'est renouvelée "
            "qu'une fois (Code du travail, art. D5135-3).",
        )
    if initiale.est_observation:
        erreur("renouvelle", "Seule une PMSMP se renouvelle.")
    if initiale.parrainage.filleul_id != immersion.parrainage.filleul_id:
        erreur("renouvelle", "Un renouvellement concerne la même personne.")
    if initiale.statut not in (Immersion.Statut.VALIDEE, Immersion.Statut.TERMINEE):
        erreur("renouvelle", "Seule une convention validée peut être renouvelée.")
    if initiale.objet != immersion.objet or not _meme_texte(
        initiale.objectifs, immersion.objectifs
    ):
        erreur(
            "renouvelle",
            "Un renouvellement garde le même objet et les mêmes objectifs que la convention "
            "initiale (Code du travail, art. D5135-3) : pour un autre objectif, proposez une "
            "nouvelle convention.",
        )
    if initiale.entreprise_siret != immersion.entreprise_siret:
        erreur(
            "renouvelle",
            "Un renouvellement se fait dans la même structure d'accueil (même SIRET) que la "
            "convention initiale.",
        )
    if immersion.date_debut <= initiale.date_fin:
        erreur(
            "date_debut",
            f"Le renouvellement commence après la fin de la convention initiale (le "
            f"{_d(initiale.date_fin)}).",
        )


def _douze_mois(immersion, erreur):
    """D5135-3, third paragraph: with one beneficiary, in one host structure, over any twelve
    consecutive months, at most two conventions (renewals are part of the convention they
    renew), with different purposes or objectives, and sixty days at most in all."""
    if not immersion.entreprise_siret:
        return
    autres = list(
        Immersion.objects.en_vigueur()
        .filter(
            parrainage__filleul_id=immersion.parrainage.filleul_id,
            nature=Immersion.Nature.PMSMP,
            entreprise_siret=immersion.entreprise_siret,
            date_fin__gte=add_months(immersion.date_debut, -12),
            date_debut__lte=add_months(immersion.date_fin, 12),
        )
        .exclude(pk=immersion.pk)
        .only("pk", "date_debut", "date_fin", "renouvelle_id", "objet", "objectifs")
    )
    if not autres:
        return
    toutes = [*autres, immersion]
    for ancre in toutes:
        fenetre = (ancre.date_debut, add_months(ancre.date_debut, 12) - dt.timedelta(days=1))
        dedans = [c for c in toutes if c.date_debut <= fenetre[1] and c.date_fin >= fenetre[0]]
        if immersion not in dedans:
            continue
        initiales = [c for c in dedans if not c.renouvelle_id]
        jours = sum((c.date_fin - c.date_debut).days + 1 for c in dedans)
        if len(initiales) > CONVENTIONS_MAX_12_MOIS:
            erreur(
                None,
                "Déjà deux conventions avec cette personne dans cet établissement sur douze "
                "mois : au plus deux (Code du travail, art. D5135-3).",
            )
            return
        # One convention and its renewal are bounded by the second paragraph (a month each);
        # the sixty days bound two conventions, renewals included.
        if len(initiales) > 1 and jours > JOURS_MAX_12_MOIS:
            erreur(
                "date_fin",
                f"{jours} jours de PMSMP dans cet établissement sur douze mois, "
                f"renouvellements compris : au plus {JOURS_MAX_12_MOIS} (Code du travail, "
                "art. D5135-3).",
            )
            return
        if not immersion.renouvelle_id and any(
            c is not immersion
            and not c.renouvelle_id
            and c.objet == immersion.objet
            and _meme_texte(c.objectifs, immersion.objectifs)
            for c in initiales
        ):
            erreur(
                "objectifs",
                "Une deuxième convention dans le même établissement sur douze mois a un autre "
                "objet ou d'autres objectifs ; pour poursuivre les mêmes, renouvelez la "
                "première (Code du travail, art. D5135-3).",
            )
            return


def _chevauchement(immersion, filleul, erreur):
    if immersion.date_fin < immersion.date_debut:
        return
    autre = (
        Immersion.objects.en_vigueur()
        .filter(
            parrainage__filleul=filleul,
            date_debut__lte=immersion.date_fin,
            date_fin__gte=immersion.date_debut,
        )
        .exclude(pk=immersion.pk)
        .order_by("date_debut")
        .first()
    )
    if autre is not None:
        erreur(
            "date_debut",
            f"Ces dates chevauchent une autre immersion de la même personne (du "
            f"{_d(autre.date_debut)} au {_d(autre.date_fin)}).",
        )


def signature_possible(immersion: Immersion, *, aujourd_hui: dt.date | None = None) -> str | None:
    """Why ``immersion`` cannot be signed now (French), or None when it can.

    Re-checked at each signature: the start date may have passed since the convention was
    issued; staff then change the dates, which asks every party again.
    """
    aujourd_hui = aujourd_hui or timezone.localdate()
    if not immersion.en_signature:
        return "Cette convention n'est plus proposée à la signature."
    if immersion.date_debut < aujourd_hui:
        return (
            f"La période devait commencer le {_d(immersion.date_debut)} : une convention dont "
            "le premier jour est passé ne peut plus être signée. L'équipe du programme doit "
            "d'abord en changer les dates ; chacun sera alors invité à signer de nouveau."
        )
    return None
