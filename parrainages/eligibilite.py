"""Eligibility of a mentee for a programme: a pure function, one line per criterion.

No database access beyond the objects passed in (the filleul's commune must be loaded, and
its school for a pupils' programme).
"""

import datetime as dt
import re
from dataclasses import asdict, dataclass, field

from django.utils import timezone

from mentorat.territoires import DEPARTEMENT_NOMS
from programmes.models import NiveauDiplome, Programme, Situation

from .models.personnes import Filleul, age_on

OK, KO = "✓", "✗"

# Each criterion's name, by its code (the snapshot keeps both; a staff page reads the code's
# name when a snapshot lacks it).
LIBELLES_CRITERES = {
    "age": "Âge",
    "territoire": "Lieu de résidence",
    "qpv": "Résidence en quartier prioritaire",
    "diplome": "Diplôme",
    "situation": "Situation",
    "inscription": "Inscription à France Travail",
    "classe": "Classe",
    "etablissement": "Établissement",
    "ouverture": "Candidatures",
}


@dataclass(frozen=True)
class Critere:
    code: str
    libelle: str
    valeur: str
    exigence: str
    ok: bool

    @property
    def ligne(self) -> str:
        return f"{self.libelle} : {self.valeur} — {self.exigence} {OK if self.ok else KO}"


@dataclass(frozen=True)
class Verdict:
    eligible: bool
    criteres: list[Critere] = field(default_factory=list)

    @property
    def motifs(self) -> list[str]:
        """The lines of the criteria that are not met."""
        return [c.ligne for c in self.criteres if not c.ok]

    def as_snapshot(self) -> dict:
        return {
            "eligible": self.eligible,
            "criteres": [{**asdict(c), "ligne": c.ligne} for c in self.criteres],
        }


def criteres_enregistres(instantane) -> list[Critere]:
    """The criteria of an application's eligibility snapshot (``Verdict.as_snapshot``), as
    staff read them: one per criterion, named in French, whatever the snapshot lacks."""
    if not isinstance(instantane, dict):
        return []
    criteres = []
    for ligne in instantane.get("criteres") or []:
        if not isinstance(ligne, dict):
            continue
        code = str(ligne.get("code") or "")
        criteres.append(
            Critere(
                code=code,
                libelle=str(ligne.get("libelle") or LIBELLES_CRITERES.get(code) or "Critère"),
                valeur=str(ligne.get("valeur") or "—"),
                exigence=str(ligne.get("exigence") or "—"),
                ok=ligne.get("ok") is True,
            )
        )
    return criteres


def _ans(n: int) -> str:
    return f"{n} an" if n < 2 else f"{n} ans"


def _age(programme: Programme, filleul: Filleul, jour: dt.date) -> Critere | None:
    mini, maxi = programme.age_min, programme.age_max
    if mini is None and maxi is None:
        return None
    age = age_on(filleul.date_naissance, jour)
    if mini is not None and maxi is not None:
        exigence = f"entre {mini} et {_ans(maxi)}"
    elif mini is not None:
        exigence = f"au moins {_ans(mini)}"
    else:
        exigence = f"au plus {_ans(maxi)}"
    ok = (mini is None or age >= mini) and (maxi is None or age <= maxi)
    return Critere("age", LIBELLES_CRITERES["age"], _ans(age), exigence, ok)


def _qpv(programme: Programme, filleul: Filleul) -> Critere | None:
    """Residence in a priority neighbourhood: the result from the address (or staff's decision)
    when there is one; otherwise the self-declaration counts, flagged to check (docs/qpv.md)."""
    if not programme.qpv_requis:
        return None
    resultat, origine = Filleul.ResultatQPV, Filleul.OrigineQPV
    equipe = filleul.qpv_origine == origine.EQUIPE
    if filleul.qpv_resultat == resultat.DANS:
        quartier = f" : {filleul.qpv_nom} ({filleul.qpv_code})" if filleul.qpv_code else ""
        valeur = f"oui{quartier}, " + ("décision de l'équipe" if equipe else "selon l'adresse")
        return Critere("qpv", LIBELLES_CRITERES["qpv"], valeur, "exigée", True)
    if filleul.qpv_resultat == resultat.HORS:
        valeur = "non, " + (
            "décision de l'équipe" if equipe else "l'adresse n'est dans aucun quartier prioritaire"
        )
        return Critere("qpv", LIBELLES_CRITERES["qpv"], valeur, "exigée", False)
    statut = Filleul.StatutQPV
    ok = filleul.qpv in (statut.DECLARE, statut.CONFIRME)
    valeurs = {
        statut.NON: "non déclaré",
        statut.DECLARE: "oui, déclaré (à vérifier : adresse non localisée)",
        statut.CONFIRME: "oui, confirmé",
        statut.INFIRME: "non confirmé après vérification",
    }
    return Critere("qpv", LIBELLES_CRITERES["qpv"], valeurs[filleul.qpv], "exigée", ok)


def _diplome(programme: Programme, filleul: Filleul) -> Critere | None:
    if programme.niveau_diplome_min is None:
        return None
    minimum = NiveauDiplome(programme.niveau_diplome_min)
    niveau = NiveauDiplome(filleul.niveau_diplome)
    return Critere(
        "diplome",
        LIBELLES_CRITERES["diplome"],
        niveau.label,
        f"minimum : {minimum.label}",
        niveau >= minimum,
    )


def _situation(programme: Programme, filleul: Filleul) -> Critere | None:
    acceptees = programme.situations_acceptees
    if not acceptees:
        return None
    libelles = [Situation(s).label for s in acceptees if s in Situation.values]
    exigence = "acceptées : " + " ; ".join(libelles)
    return Critere(
        "situation",
        LIBELLES_CRITERES["situation"],
        Situation(filleul.situation).label,
        exigence,
        filleul.situation in acceptees,
    )


def _mois_entre(debut: dt.date, fin: dt.date) -> int:
    return (fin.year - debut.year) * 12 + fin.month - debut.month - (fin.day < debut.day)


def _inscription(programme: Programme, filleul: Filleul, jour: dt.date) -> Critere | None:
    """Seniority of registration applies to job seekers only (not to pupils, say)."""
    minimum = programme.inscription_france_travail_min_mois
    if not minimum or filleul.situation != Situation.DEMANDEUR_EMPLOI:
        return None
    depuis = filleul.inscrit_france_travail_depuis
    exigence = f"au moins {minimum} mois"
    if depuis is None:
        return Critere(
            "inscription", LIBELLES_CRITERES["inscription"], "non renseignée", exigence, False
        )
    mois = _mois_entre(depuis, jour)
    return Critere(
        "inscription",
        LIBELLES_CRITERES["inscription"],
        f"depuis {mois} mois (le {depuis:%d/%m/%Y})",
        exigence,
        mois >= minimum,
    )


def _territoire(programme: Programme, filleul: Filleul) -> Critere | None:
    if not programme.departements:
        return None
    commune = filleul.commune
    noms = ", ".join(
        f"{DEPARTEMENT_NOMS.get(code, code)} ({code})" for code in programme.departements
    )
    return Critere(
        "territoire",
        LIBELLES_CRITERES["territoire"],
        f"{commune.nom} ({commune.departement})",
        f"territoire : {noms}",
        commune.departement in programme.departements,
    )


# "3e", "3ème", "3eme B", "3A": the last year of collège.
TROISIEME = re.compile(r"^\s*(troisi[eè]me|3\s*(e|è|ème|eme|ième|ieme)?)(?!\d)", re.IGNORECASE)


def en_troisieme(classe: str) -> bool:
    return bool(TROISIEME.match(classe or ""))


def _classe(programme: Programme, filleul: Filleul) -> Critere | None:
    if not programme.public_eleves:
        return None
    return Critere(
        "classe",
        LIBELLES_CRITERES["classe"],
        filleul.classe or "non renseignée",
        "élève de 3e",
        en_troisieme(filleul.classe),
    )


def _etablissement(programme: Programme, filleul: Filleul) -> Critere | None:
    """The school's priority-education network, from the school recorded (never declared)."""
    if not programme.public_eleves:
        return None
    etablissement = filleul.etablissement
    if etablissement is None:
        valeur, ok = "non renseigné", False
    elif etablissement.en_education_prioritaire:
        valeur = f"{etablissement.nom} ({etablissement.get_education_prioritaire_display()})"
        ok = True
    else:
        valeur, ok = f"{etablissement.nom} (hors éducation prioritaire)", False
    return Critere(
        "etablissement", LIBELLES_CRITERES["etablissement"], valeur, "collège en REP ou REP+", ok
    )


def refus_age(programme: Programme, filleul: Filleul, *, on: dt.date | None = None) -> str | None:
    """A kind word for a person younger than the programme's minimum age, else None."""
    if programme.age_min is None or filleul.date_naissance is None:
        return None
    age = age_on(filleul.date_naissance, on or timezone.localdate())
    return message_trop_jeune(programme, age)


def message_trop_jeune(programme: Programme, age: int) -> str | None:
    if programme.age_min is None or age >= programme.age_min:
        return None
    if programme.age_max is not None:
        tranche = f"de {programme.age_min} à {_ans(programme.age_max)}"
    else:
        tranche = f"à partir de {_ans(programme.age_min)}"
    return (
        f"Merci de votre intérêt ! Le programme « {programme.nom} » accueille les personnes "
        f"{tranche} : à {_ans(age)}, vous ne pouvez pas encore y participer. "
        "D'autres programmes peuvent vous être ouverts, et celui-ci le sera plus tard."
    )


def programmes_a_son_age(age: int, *, sauf=None):
    """Open programmes whose age range takes a person of ``age`` (an age-only check)."""
    programmes = Programme.objects.ouverts().order_by("nom")
    if sauf is not None:
        programmes = programmes.exclude(pk=sauf.pk)
    return [
        p
        for p in programmes
        if (p.age_min is None or age >= p.age_min) and (p.age_max is None or age <= p.age_max)
    ]


def eligibility(programme: Programme, filleul: Filleul, *, on: dt.date | None = None) -> Verdict:
    """Whether ``filleul`` may apply to ``programme`` on day ``on``, and why, line by line.

    A criterion the programme does not set is not listed. Programmes that are not open for
    applications add a line saying so.
    """
    jour = on or timezone.localdate()
    criteres = [
        c
        for c in (
            _age(programme, filleul, jour),
            _territoire(programme, filleul),
            _qpv(programme, filleul),
            _diplome(programme, filleul),
            _situation(programme, filleul),
            _inscription(programme, filleul, jour),
            _classe(programme, filleul),
            _etablissement(programme, filleul),
        )
        if c is not None
    ]
    if programme.statut != Programme.Statut.OUVERT:
        criteres.append(
            Critere(
                "ouverture",
                LIBELLES_CRITERES["ouverture"],
                Programme.Statut(programme.statut).label.lower(),
                "le programme doit être ouvert aux candidatures",
                False,
            )
        )
    return Verdict(eligible=all(c.ok for c in criteres), criteres=criteres)
