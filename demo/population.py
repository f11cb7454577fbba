"""The demo population: mentors, mentees, candidatures and pairs.

Everything is drawn from one seeded ``random.Random``, built in memory, then saved with
``bulk_create`` (see ``enregistrer``). Related objects are linked as instances before they
have a primary key; ``bulk_create`` fills the foreign keys once the parents are saved.
"""

import datetime as dt
import math
import random

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.utils import timezone

from parrainages.matching.scoring import EXPECTED_YEARS
from parrainages.models import (
    Candidature,
    EvenementCandidature,
    Filleul,
    Parrain,
    Parrainage,
    Sortie,
    add_months,
)
from parrainages.services.decisions import historique_reconstituer
from programmes.models import Commune, Disponibilite, Forme, Secteur, Situation, formes_offertes

from . import noms
from . import partenaires as org
from .eligibilite import eligibilite
from .profils import POPULATIONS, TOUS_SECTEURS
from .programmes import NQT, PARIS, STRASBOURG

DOMAINE = "demo.mentorat.fr"
SEED = 2026
CONSENTEMENT_VERSION = "2025-01"

PS = Parrainage.Statut
CS = Candidature.Statut

STATUTS_CANDIDATURE = [
    (CS.DEPOSEE, 7),
    (CS.EN_ETUDE, 8),
    (CS.RETENUE, 68),
    (CS.REFUSEE, 9),
    (CS.DESISTEE, 8),
]

# What happens to a retained candidate: the pairs, oldest first.
PARCOURS = [
    ((), 8),
    ((PS.PROPOSITION,), 6),
    ((PS.ATTENTE_PARRAIN,), 6),
    ((PS.ACTIF,), 34),
    ((PS.TERMINE,), 22),
    ((PS.INTERROMPU,), 7),
    ((PS.DECLINE, PS.ACTIF), 5),
    ((PS.EXPIRE, PS.PROPOSITION), 3),
    ((PS.ANNULE,), 3),
    ((PS.DECLINE,), 3),
    ((PS.EXPIRE,), 3),
]

STATUTS_PARRAIN = [
    (Parrain.Statut.ACTIF, 84),
    (Parrain.Statut.A_VALIDER, 5),
    (Parrain.Statut.PAUSE, 5),
    (Parrain.Statut.INACTIF, 3),
    (Parrain.Statut.INVITE, 3),
]

CAPACITES = [(1, 35), (2, 35), (3, 20), (4, 10)]

MOTIFS_REFUS = [
    "Projet professionnel à construire d'abord : orientation vers l'accompagnement renforcé "
    "de la Mission locale.",
    "Candidature incomplète malgré deux relances.",
    "Le besoin exprimé (reprise d'études) relève d'un autre dispositif.",
    "Absence à l'entretien d'accueil, sans nouvelles.",
]
MOTIF_REFUS_SEMAINE = "Non retenu à l'issue de la semaine de mobilisation (jury d'entreprises)."

MOTIFS_DECLIN = [
    "Je pars en déplacement professionnel pour deux mois.",
    "Le projet de la personne ne correspond pas à mon secteur : je préfère laisser la place à "
    "un parrain du métier.",
    "Trop de charge de travail en ce moment, je pourrai reprendre le mois prochain.",
    "Je connais déjà cette personne par ma famille : je préfère éviter.",
]

ST = Sortie.Type
MOTIFS_INTERRUPTION = [
    ("Le filleul ne donne plus de nouvelles depuis plusieurs semaines.", [ST.ABANDON]),
    (
        "Le filleul a trouvé un emploi et ne souhaite plus être accompagné.",
        [ST.CDI, ST.CDD_LONG, ST.CDD_COURT, ST.INTERIM_LONG],
    ),
    ("Entrée en formation, incompatible avec les rencontres.", [ST.FORMATION, ST.ALTERNANCE]),
    ("Déménagement hors du territoire du programme.", [ST.AUCUNE, ST.ABANDON]),
    ("Le parrain a changé de poste et ne peut plus assurer les rencontres.", [ST.AUCUNE]),
]

OBJECTIFS = {
    Forme.REGULIER: [
        "Préparer les entretiens d'embauche et élargir le réseau professionnel.",
        "Clarifier le projet professionnel et cibler les entreprises qui recrutent.",
        "Retravailler le CV et préparer des candidatures spontanées.",
        "Choisir une formation qualifiante et trouver son financement.",
    ],
    Forme.PONCTUEL: [
        "Découvrir les métiers du secteur lors de rencontres métiers et de visites.",
        "Une simulation d'entretien et une visite d'entreprise.",
    ],
    Forme.IMMERSION: [
        "Découvrir le métier de l'intérieur par une immersion dans l'entreprise du parrain.",
        "Valider le projet professionnel par une période d'immersion.",
    ],
}

User = get_user_model()


def a_heure(jour: dt.date, heure: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(jour, dt.time(heure, minute)))


def jours(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def distance_km(a, b) -> float | None:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


def naissance_pour_age(age: int, jour: dt.date, decalage: int) -> dt.date:
    """A birth date that makes someone exactly ``age`` on ``jour`` (0 ≤ decalage < 365)."""
    try:
        anniversaire = jour.replace(year=jour.year - age)
    except ValueError:  # 29 February
        anniversaire = jour.replace(year=jour.year - age, day=28)
    return anniversaire - jours(decalage)


def email_parrain(n: int) -> str:
    return f"parrain-{n:04d}@{DOMAINE}"


def email_filleul(n: int) -> str:
    return f"filleul-{n:04d}@{DOMAINE}"


MARQUEUR = email_parrain(1)


def population_existe() -> bool:
    return User.objects.filter(email=MARQUEUR).exists()


class Population:
    def __init__(self, *, programmes, partenaires, comptes, password_hash, seed=SEED):
        self.rng = random.Random(seed)
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.programmes = programmes
        self.partenaires = partenaires
        self.comptes = comptes
        self.password_hash = password_hash
        self.secteurs = {s.code: s for s in Secteur.objects.all()}
        self.communes = list(Commune.objects.order_by("code_insee"))
        self.users = []
        self.parrains = []
        self.filleuls = []
        self.candidatures = []
        self.parrainages = []
        self.parrains_par_programme = {slug: [] for slug in programmes}
        self.filleuls_par_programme = {slug: [] for slug in programmes}
        self.n_parrains = 0
        self.n_filleuls = 0
        # The first draws walk through every case, so each status shows whatever the day.
        self.parcours_a_couvrir = [statuts for statuts, _ in PARCOURS]
        self.interruptions_a_couvrir = list(MOTIFS_INTERRUPTION)

    # Small random helpers -------------------------------------------------------------------

    def pick(self, poids):
        """One key of a [(value, weight)] list or a {value: weight} dict."""
        items = list(poids.items()) if isinstance(poids, dict) else list(poids)
        return self.rng.choices([v for v, _ in items], weights=[w for _, w in items])[0]

    def entre(self, debut: dt.datetime, fin: dt.datetime) -> dt.datetime:
        secondes = max(0, int((fin - debut).total_seconds()))
        return debut + dt.timedelta(seconds=self.rng.randint(0, secondes))

    def telephone(self) -> str:
        # 06 39 98 xx xx: a range the regulator keeps for fiction.
        return f"06 39 98 {self.rng.randint(0, 99):02d} {self.rng.randint(0, 99):02d}"

    def disponibilites(self, n_min, n_max, soirs=False):
        valeurs = list(Disponibilite.values)
        if soirs:
            valeurs = [v for v in valeurs if v.endswith("soir") or v.startswith("sam")] + [
                "mer_aprem",
                "ven_aprem",
            ]
        n = min(len(valeurs), self.rng.randint(n_min, n_max))
        return sorted(self.rng.sample(valeurs, n), key=Disponibilite.values.index)

    # People ---------------------------------------------------------------------------------

    def nouveau_user(self, email, prenom, nom, joined):
        user = User(
            email=email,
            first_name=prenom,
            last_name=nom,
            password=self.password_hash,
            date_joined=joined,
            telephone=self.telephone(),
        )
        self.users.append(user)
        return user

    def communes_de(self, pop, programme):
        if pop.communes:
            communes = [c for c in self.communes if c.code_insee in pop.communes]
        else:
            communes = [c for c in self.communes if c.departement in programme.departements]
        if not communes:
            raise CommandError(
                f"Aucune commune pour le programme « {programme.nom} » : importez d'abord les "
                "communes (manage.py import_communes)."
            )
        principale = next((c for c in communes if c.code_insee == pop.ville_principale), None)
        return communes, principale

    def commune(self, communes, principale, part):
        if principale is not None and self.rng.random() < part:
            return principale
        return self.rng.choice(communes)

    def commune_hors(self, departements):
        autres = [c for c in self.communes if c.departement not in departements]
        return self.rng.choice(autres) if autres else None

    def creer_parrain(self, pop, programme, communes, principale):
        rng = self.rng
        self.n_parrains += 1
        femme = rng.random() < 0.55
        prenom = rng.choice(
            noms.PRENOMS_FEMININS_PARRAINS if femme else noms.PRENOMS_MASCULINS_PARRAINS
        )
        nom = rng.choice(noms.NOMS)
        fonction = rng.choice(pop.fonctions)[1 if femme else 0]
        entreprise, secteur = rng.choice(noms.ENTREPRISES[pop.entreprises])
        secteurs = {secteur}
        if rng.random() < 0.35:
            secteurs.add(rng.choice(TOUS_SECTEURS))
        offre_reguliere = programme.offre_reguliere and rng.random() < 0.9
        offre_ponctuelle = programme.offre_ponctuelle and rng.random() < 0.4
        offre_immersion = programme.offre_immersion and rng.random() < 0.35
        if not (offre_reguliere or offre_ponctuelle or offre_immersion):
            offre_reguliere = programme.offre_reguliere
            offre_ponctuelle = not offre_reguliere
        annees = rng.randint(5, 32)
        statut = self.pick(STATUTS_PARRAIN)
        anciennete = max(1, (self.today - programme.date_debut).days - 60)
        created = a_heure(
            programme.date_debut + jours(rng.randint(0, anciennete)), rng.randint(8, 19)
        )
        user = self.nouveau_user(email_parrain(self.n_parrains), prenom, nom, created)
        parrain = Parrain(
            user=user,
            entreprise=entreprise,
            fonction=fonction,
            offre_reguliere=offre_reguliere,
            offre_ponctuelle=offre_ponctuelle,
            offre_immersion=offre_immersion,
            capacite=self.pick(CAPACITES),
            disponibilites=self.disponibilites(2, 5, soirs=rng.random() < 0.6),
            commune=self.commune(communes, principale, pop.part_ville_principale),
            distanciel_accepte=programme.distance_max_km is None or rng.random() < 0.8,
            annees_experience=annees,
            bio=rng.choice(noms.BIOS_PARRAIN).format(
                fonction=fonction, entreprise=entreprise, annees=annees
            ),
            statut=statut,
            created_at=created,
            valide_le=(
                None
                if statut in (Parrain.Statut.INVITE, Parrain.Statut.A_VALIDER)
                else created + jours(rng.randint(1, 10))
            ),
        )
        parrain.demo_secteurs = sorted(secteurs)
        parrain.demo_programmes = [programme]
        parrain.demo_ouverts = 0
        self.parrains.append(parrain)
        self.parrains_par_programme[programme.slug].append(parrain)
        return parrain

    def creer_filleul(self, pop, programme, profil, communes, principale, *, mode, quand):
        """A mentee whose profile fits the programme, except for ``mode`` if given."""
        rng = self.rng
        self.n_filleuls += 1
        jour = quand.date()
        femme = rng.random() < 0.5
        prenom = rng.choice(
            noms.PRENOMS_FEMININS_FILLEULS if femme else noms.PRENOMS_MASCULINS_FILLEULS
        )
        nom = rng.choice(noms.NOMS)
        age = rng.randint(*profil.ages)
        situation = self.pick(profil.situations)
        niveau = self.pick(profil.niveaux)
        qpv = (
            self.pick([(Filleul.StatutQPV.CONFIRME, 6), (Filleul.StatutQPV.DECLARE, 4)])
            if rng.random() < profil.qpv
            else Filleul.StatutQPV.NON
        )
        part = profil.part_ville_principale
        commune = self.commune(
            communes, principale, pop.part_ville_principale if part is None else part
        )
        anciennete = rng.randint(*profil.anciennete_ft_mois)

        if mode == "age_bas":
            age = (programme.age_min or 18) - 1
        elif mode == "age_haut":
            age = (programme.age_max or 30) + rng.randint(1, 4)
        elif mode == "qpv":
            qpv = self.pick([(Filleul.StatutQPV.NON, 3), (Filleul.StatutQPV.INFIRME, 1)])
        elif mode == "diplome":
            niveau = self.pick({2: 1, 3: 1, 4: 2, 5: 3})
        elif mode == "territoire":
            commune = self.commune_hors(programme.departements) or commune
        elif mode == "situation":
            autres = [s for s in Situation.values if s not in programme.situations_acceptees]
            situation = rng.choice([s for s in autres if s != Situation.ELEVE_3E_REP])
        elif mode == "anciennete":
            situation, anciennete = Situation.DEMANDEUR_EMPLOI, rng.randint(2, 10)

        inscrit_ft = identifiant = None
        if situation == Situation.DEMANDEUR_EMPLOI or (
            situation in (Situation.MISSION_LOCALE, Situation.JEUNE_DIPLOME) and rng.random() < 0.3
        ):
            inscrit_ft = add_months(jour, -anciennete) - jours(rng.randint(0, 20))
            if rng.random() < 0.8:
                lettre = rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ")
                identifiant = f"{rng.randint(0, 9_999_999):07d}{lettre}"

        prescripteur_nom = self.pick(profil.prescripteurs)
        prescripteur = self.partenaires[prescripteur_nom] if prescripteur_nom else None
        source = self.source_filleul(prescripteur)
        inscrit_le = quand - dt.timedelta(hours=rng.randint(1, 72))
        user = self.nouveau_user(email_filleul(self.n_filleuls), prenom, nom, inscrit_le)
        filleul = Filleul(
            user=user,
            date_naissance=naissance_pour_age(age, jour, rng.randint(0, 364)),
            commune=commune,
            qpv=qpv,
            niveau_diplome=niveau,
            situation=situation,
            inscrit_france_travail_depuis=inscrit_ft,
            identifiant_france_travail=identifiant or "",
            disponibilites=self.disponibilites(3, 7),
            mobilite_km=rng.choice(pop.mobilite_km),
            source=source,
            prescripteur=prescripteur,
            consentement_version=CONSENTEMENT_VERSION,
            consentement_le=inscrit_le,
            created_at=inscrit_le,
        )
        filleul.demo_secteurs = sorted(rng.sample(profil.secteurs, rng.randint(1, 3)))
        self.filleuls.append(filleul)
        self.filleuls_par_programme[programme.slug].append(filleul)
        return filleul

    def source_filleul(self, prescripteur):
        if prescripteur is None:
            return self.pick(
                [
                    (Filleul.Source.RESEAUX_SOCIAUX, 3),
                    (Filleul.Source.SITE_VILLE, 3),
                    (Filleul.Source.ENTOURAGE, 2),
                    (Filleul.Source.AUTRE, 1),
                ]
            )
        return {
            org.TP.FRANCE_TRAVAIL: Filleul.Source.FRANCE_TRAVAIL,
            org.TP.MISSION_LOCALE: Filleul.Source.MISSION_LOCALE,
            org.TP.ETABLISSEMENT_SCOLAIRE: Filleul.Source.ETABLISSEMENT,
        }.get(prescripteur.type, Filleul.Source.ASSOCIATION)

    # Candidatures -----------------------------------------------------------------------------

    def candidature(self, programme, filleul, *, statut, cree, decidee):
        instantane = eligibilite(programme, filleul, cree.date())
        motif = self.motif_refus(programme, instantane) if statut == CS.REFUSEE else ""
        etapes = programme.demo_etapes
        rang = {
            CS.DEPOSEE: 0,
            CS.EN_ETUDE: 1,
            CS.LISTE_ATTENTE: 1,
            CS.RETENUE: 2,
            CS.REFUSEE: 1,
            CS.DESISTEE: 0,
        }
        etape = etapes[min(rang[statut], len(etapes) - 1)] if etapes else None
        if statut == CS.REFUSEE and not instantane["eligible"]:
            etape = etapes[0] if etapes else None
        prescripteur = filleul.prescripteur
        source = Candidature.Source.PRESCRIPTION if prescripteur else Candidature.Source.EN_LIGNE
        if prescripteur is None and self.rng.random() < 0.1:
            source = Candidature.Source.IMPORT
        candidature = Candidature(
            filleul=filleul,
            programme=programme,
            statut=statut,
            etape=etape,
            source=source,
            prescripteur=prescripteur,
            eligible=instantane["eligible"],
            eligibilite=instantane,
            motif_refus=motif,
            decidee_le=decidee,
            decidee_par=programme.coordinateur if decidee else None,
            created_at=cree,
        )
        self.candidatures.append(candidature)
        return candidature

    def motif_refus(self, programme, instantane):
        if not instantane["eligible"]:
            manquants = [c for c in instantane["criteres"] if not c["ok"]]
            return "Critères d'éligibilité non remplis : " + " ; ".join(
                f"{c['libelle']} : {c['valeur']} ({c['exigence']})" for c in manquants
            )
        if programme.slug == STRASBOURG and self.rng.random() < 0.6:
            return MOTIF_REFUS_SEMAINE
        return self.rng.choice(MOTIFS_REFUS)

    # Pairs ------------------------------------------------------------------------------------

    def debut_programme(self, programme):
        return a_heure(programme.date_debut, 9)

    def calendrier_accepte(self, programme, statut):
        """Dates of a pair the mentor accepted; None when the programme is too young for it."""
        rng, today = self.rng, self.today
        duree = programme.duree_parrainage_mois
        plus_tot = programme.date_debut + jours(40)
        if statut == PS.ACTIF:
            lo, hi = max(plus_tot, today - jours(duree * 29)), today - jours(5)
        elif statut == PS.TERMINE:
            lo, hi = plus_tot, today - jours(duree * 31 + 3)
        else:
            lo, hi = plus_tot, today - jours(30)
        if lo > hi:
            return None
        debut = lo + jours(rng.randint(0, (hi - lo).days))
        fin_prevue = add_months(debut, duree)
        fin = None
        if statut == PS.TERMINE:
            fin = max(debut, min(fin_prevue + jours(rng.randint(-10, 10)), today))
        elif statut == PS.INTERROMPU:
            fin = debut + jours(rng.randint(20, min(duree * 30 - 10, (today - debut).days)))
        propose = a_heure(debut - jours(rng.randint(6, 20)), rng.randint(9, 17), rng.randint(0, 59))
        return {
            "propose_le": propose,
            "envoye_le": propose + dt.timedelta(days=1, hours=rng.randint(0, 5)),
            "repondu_le": a_heure(debut, rng.randint(8, 20), rng.randint(0, 59)),
            "date_debut": debut,
            "date_fin_prevue": fin_prevue,
            "date_fin": fin,
        }

    def calendrier_propose(self, programme, statut, avant=None):
        """Dates of a pair the mentor never accepted (``avant``: a later pair's proposal)."""
        rng, now = self.rng, self.now
        if statut == PS.PROPOSITION:
            return {
                "propose_le": now - dt.timedelta(days=rng.randint(0, 4), hours=rng.randint(1, 8))
            }
        if statut == PS.ATTENTE_PARRAIN:
            propose = now - dt.timedelta(days=rng.randint(3, 14), hours=rng.randint(0, 8))
            return {"propose_le": propose, "envoye_le": propose + dt.timedelta(days=1)}
        plus_tot = self.debut_programme(programme) + jours(20)
        if avant is not None:
            lo, hi = max(plus_tot, avant - jours(40)), avant - jours(8)
        else:
            lo, hi = max(plus_tot, now - jours(200)), now - jours(15)
        if lo > hi:
            return None
        propose = self.entre(lo, hi)
        if statut == PS.ANNULE:
            return {"propose_le": propose}
        envoye = propose + dt.timedelta(days=1, hours=rng.randint(0, 5))
        if statut == PS.EXPIRE:
            return {"propose_le": propose, "envoye_le": envoye}
        return {
            "propose_le": propose,
            "envoye_le": envoye,
            "repondu_le": envoye + dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 8)),
        }

    def evaluer(self, programme, parrain, filleul):
        """A score out of 100 and the reasons, in the words staff read."""
        score, raisons = 0.0, []
        communs = sorted(set(parrain.demo_secteurs) & set(filleul.demo_secteurs))
        if communs:
            score += 40
            libelles = ", ".join(self.secteurs[c].libelle for c in communs)
            raisons.append(f"Secteur souhaité couvert par le parrain : {libelles}")
        d = distance_km(parrain.commune, filleul.commune) if parrain.commune else None
        limite = programme.distance_max_km
        if d is not None and (limite is None or d <= limite):
            score += 25 * (1 - d / (limite or 800))
            raisons.append("Même commune" if d < 1 else f"{d:.0f} km entre leurs communes")
        elif parrain.distanciel_accepte:
            score += 10
            raisons.append("Rencontres à distance acceptées par le parrain")
        dispo = [v for v in parrain.disponibilites if v in filleul.disponibilites]
        if dispo:
            score += min(20, 7 * len(dispo))
            libelles = ", ".join(Disponibilite(v).label.lower() for v in dispo[:3])
            raisons.append(f"Disponibilités communes : {libelles}")
        if parrain.annees_experience >= 10:
            score += 10
            raisons.append(f"{parrain.annees_experience} ans d'expérience professionnelle")
        elif filleul.niveau_diplome >= 6:
            score += 5
            raisons.append("Parrain proche du niveau de qualification du filleul")
        return round(score, 1), raisons

    def en_bref(self, programme, parrain, filleul, d: float | None) -> dict[str, str]:
        """The reasons in short words, as the matching writes them (its list of proposals)."""
        communs = set(parrain.demo_secteurs) & set(filleul.demo_secteurs)
        secteur = "secteur ✓" if communs else "secteur ✗"
        limite = programme.distance_max_km
        if d is not None and (limite is None or d <= limite):
            distance = "même commune" if d < 0.5 else f"{round(d)} km"
        else:
            distance = "à distance" if parrain.distanciel_accepte else "distance inconnue"
        dispo = sum(1 for v in parrain.disponibilites if v in filleul.disponibilites)
        niveau_diplome = min(max(filleul.niveau_diplome or 0, 0), len(EXPECTED_YEARS) - 1)
        attendu = int(EXPECTED_YEARS[niveau_diplome])
        annees = parrain.annees_experience
        niveau = "expérience ✓" if annees >= attendu else f"expérience {annees}/{attendu} ans"
        return {
            "secteur": secteur,
            "distance": distance,
            "disponibilites": f"disponibilités {min(dispo, 3)}/3",
            "niveau": niveau,
        }

    def forme_souhaitee(self, programme, profil):
        poids = {
            Forme.REGULIER: 70,
            Forme.PONCTUEL: 15,
            Forme.IMMERSION: round(100 * profil.part_immersion),
        }
        return self.pick({f: poids[f] for f in programme.formes})

    def choisir_parrain(self, programme, filleul, forme, *, ouvert, exclure=()):
        candidats = []
        for parrain in self.parrains_par_programme[programme.slug]:
            if parrain in exclure or getattr(parrain, "demo_reserve", False):
                continue
            if parrain.statut in (Parrain.Statut.INVITE, Parrain.Statut.A_VALIDER):
                continue
            if ouvert and (
                parrain.statut != Parrain.Statut.ACTIF or parrain.demo_ouverts >= parrain.capacite
            ):
                continue
            formes = [f for f in formes_offertes(parrain) if f in programme.formes]
            if not formes:
                continue
            score, _ = self.evaluer(programme, parrain, filleul)
            if forme in formes:
                score += 30
            candidats.append((score, parrain))
        if not candidats:
            return None
        candidats.sort(key=lambda c: -c[0])
        return self.rng.choice(candidats[:4])[1]

    def parrainage(self, programme, parrain, filleul, candidature, statut, dates, forme=None):
        formes = [f for f in formes_offertes(parrain) if f in programme.formes]
        if forme not in formes:
            forme = formes[0]
        score, raisons = self.evaluer(programme, parrain, filleul)
        d = distance_km(parrain.commune, filleul.commune) if parrain.commune else None
        motif_fin, issues = "", []
        if statut == PS.TERMINE:
            motif_fin = "Fin de la période de parrainage prévue."
        elif statut == PS.INTERROMPU:
            motif_fin, issues = (
                self.interruptions_a_couvrir.pop(0)
                if self.interruptions_a_couvrir
                else self.rng.choice(MOTIFS_INTERRUPTION)
            )
        parrainage = Parrainage(
            programme=programme,
            parrain=parrain,
            filleul=filleul,
            candidature=candidature,
            forme=forme,
            statut=statut,
            objectifs=self.rng.choice(OBJECTIFS[forme]),
            score=score,
            raisons=raisons,
            raisons_breves=self.en_bref(programme, parrain, filleul, d),
            distance_km=None if d is None else round(d, 1),
            motif_declin=self.rng.choice(MOTIFS_DECLIN) if statut == PS.DECLINE else "",
            motif_fin=motif_fin,
            **dates,
        )
        # The demo's proposals were delivered when sent: their answer delay runs from then.
        parrainage.notifie_le = parrainage.envoye_le
        parrainage.demo_issues = issues
        if statut in Parrainage.STATUTS_OUVERTS:
            parrain.demo_ouverts += 1
        self.parrainages.append(parrainage)
        return parrainage

    def parcours(self, programme, profil, statuts):
        """The pairs' dates, oldest first; open pairs that cannot happen are dropped."""
        plan, avant = [], None
        for statut in reversed(statuts):
            if statut in (PS.ACTIF, PS.TERMINE, PS.INTERROMPU):
                dates = self.calendrier_accepte(programme, statut)
            else:
                dates = self.calendrier_propose(programme, statut, avant)
            if dates is None:
                continue
            plan.insert(0, (statut, dates))
            avant = dates["propose_le"]
        return plan

    def dates_candidature(self, programme, statut, premier=None):
        rng, now = self.rng, self.now
        debut = self.debut_programme(programme)
        if premier is not None:
            decidee = premier - dt.timedelta(days=rng.randint(3, 25), hours=rng.randint(0, 8))
            cree = max(debut, decidee - jours(rng.randint(5, 30)))
            return cree, max(decidee, cree + jours(1))
        if statut == CS.DEPOSEE:
            return max(
                debut, now - dt.timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 9))
            ), None
        if statut == CS.EN_ETUDE:
            cree = max(debut, now - jours(rng.randint(10, 60)))
            return cree, min(now, cree + dt.timedelta(days=rng.randint(1, 7)))
        cree = self.entre(debut, now - jours(15))
        if statut == CS.RETENUE:
            cree = max(debut, now - jours(rng.randint(20, 120)))
        if statut == CS.DESISTEE:
            return cree, None
        return cree, min(now, cree + dt.timedelta(days=rng.randint(5, 30)))

    def peupler_programme(self, pop, programme, reserver=()):
        """Mentors, mentees, candidatures and pairs of one programme.

        ``reserver``: first-proposal dates of retained candidates set aside, without pairs, for
        the demo mentor; they are returned with their candidatures.
        """
        rng = self.rng
        communes, principale = self.communes_de(pop, programme)
        for _ in range(pop.parrains):
            self.creer_parrain(pop, programme, communes, principale)
        profils = [(p, p.poids) for p in pop.profils]
        reserves = []
        en_cours = programme.statut == programme.Statut.EN_COURS
        for i in range(pop.filleuls):
            profil = self.pick(profils)
            reserve = i < len(reserver)
            mode, plan, premier = None, [], None
            if reserve:
                statut, premier = CS.RETENUE, reserver[i]
            elif rng.random() < 0.09:
                # Pupils can only live outside the territory; adults fail any rule.
                mode = rng.choice(pop.ineligibilites) if profil.ages[1] >= 16 else "territoire"
                statut = CS.DEPOSEE if rng.random() < 0.3 else CS.REFUSEE
            else:
                statut = self.pick(STATUTS_CANDIDATURE)
            if en_cours and statut == CS.DEPOSEE:
                statut = CS.EN_ETUDE
            if statut == CS.RETENUE and not reserve:
                statuts = (
                    self.parcours_a_couvrir.pop(0)
                    if self.parcours_a_couvrir
                    else self.pick(PARCOURS)
                )
                plan = self.parcours(programme, profil, statuts)
                premier = plan[0][1]["propose_le"] if plan else None
            cree, decidee = self.dates_candidature(programme, statut, premier)
            if statut == CS.EN_ETUDE and i % 3 == 0:
                # Studied, then put on the waiting list (the programme full): drawn without the
                # random stream, which the rest of the population follows.
                statut = CS.LISTE_ATTENTE
            filleul = self.creer_filleul(
                pop, programme, profil, communes, principale, mode=mode, quand=cree
            )
            candidature = self.candidature(
                programme, filleul, statut=statut, cree=cree, decidee=decidee
            )
            if reserve:
                reserves.append((filleul, candidature))
            else:
                self.apparier(programme, profil, filleul, candidature, plan)
        return reserves

    def apparier(self, programme, profil, filleul, candidature, plan):
        deja = []
        for statut, dates in plan:
            ouvert = statut in Parrainage.STATUTS_OUVERTS
            forme = self.forme_souhaitee(programme, profil)
            parrain = self.choisir_parrain(programme, filleul, forme, ouvert=ouvert, exclure=deja)
            if parrain is None:
                continue
            deja.append(parrain)
            self.parrainage(programme, parrain, filleul, candidature, statut, dates, forme)

    def candidatures_croisees(self, source, cible):
        """Some Paris graduates also apply to the national programme."""
        for filleul in self.filleuls_par_programme[source.slug]:
            jour = self.today - jours(self.rng.randint(3, 40))
            if not eligibilite(cible, filleul, jour)["eligible"] or self.rng.random() < 0.4:
                continue
            statut = self.pick([(CS.DEPOSEE, 3), (CS.EN_ETUDE, 2), (CS.DESISTEE, 1)])
            cree = a_heure(jour, self.rng.randint(8, 21))
            decidee = cree + jours(2) if statut == CS.EN_ETUDE else None
            self.candidature(cible, filleul, statut=statut, cree=cree, decidee=decidee)

    # Demo logins' own pairs ---------------------------------------------------------------------

    def dates_acceptees_demo(self, programme, debut, fin=None):
        propose = a_heure(debut - jours(9), 10, 15)
        return {
            "propose_le": propose,
            "envoye_le": propose + dt.timedelta(hours=26),
            "repondu_le": a_heure(debut, 19, 5),
            "date_debut": debut,
            "date_fin_prevue": add_months(debut, programme.duree_parrainage_mois),
            "date_fin": fin,
        }

    def premieres_propositions_demo(self):
        """The demo mentor's other pairs, planned first so their mentees' dates fit."""
        programme, today, now = self.programmes[PARIS], self.today, self.now
        debut_termine = today - jours(420)
        decline = a_heure(today - jours(300), 11)
        self.demo_calendrier = {
            "immersion": self.dates_acceptees_demo(programme, today - jours(100)),
            "attente_1": {
                "propose_le": now - jours(3),
                "envoye_le": now - jours(3) + dt.timedelta(hours=20),
            },
            "attente_2": {
                "propose_le": now - jours(5),
                "envoye_le": now - jours(5) + dt.timedelta(hours=20),
            },
            "termine": self.dates_acceptees_demo(
                programme,
                debut_termine,
                fin=add_months(debut_termine, programme.duree_parrainage_mois),
            ),
            "decline": {
                "propose_le": decline,
                "envoye_le": decline + jours(1),
                "repondu_le": decline + jours(3),
            },
        }
        return [dates["propose_le"] for dates in self.demo_calendrier.values()]

    def personas(self, reserves):
        """The demo mentor and mentee of the Paris programme, and the demo mentor's pairs."""
        programme = self.programmes[PARIS]
        today, now = self.today, self.now
        commune = {c.code_insee: c for c in self.communes}
        debut_compte = self.debut_programme(programme) + jours(30)

        parrain = Parrain(
            user=self.comptes["parrain"],
            entreprise="Groupe Lutèce Services",
            fonction="Directrice des ressources humaines",
            offre_reguliere=True,
            offre_ponctuelle=True,
            offre_immersion=True,
            capacite=4,
            disponibilites=["mar_soir", "jeu_soir", "sam_matin"],
            commune=commune.get("75108") or self.rng.choice(self.communes),
            distanciel_accepte=True,
            annees_experience=22,
            bio=(
                "DRH d'un groupe de services de 1.200 salariés, je recrute chaque année une "
                "centaine de personnes. Je parraine depuis le lancement du programme : "
                "préparation aux entretiens, réseau, immersion dans nos équipes."
            ),
            statut=Parrain.Statut.ACTIF,
            valide_le=debut_compte + jours(2),
            created_at=debut_compte,
        )
        parrain.demo_secteurs = ["D", "M"]
        parrain.demo_programmes = [programme]
        parrain.demo_ouverts = 0
        parrain.demo_reserve = True
        self.parrains.append(parrain)
        self.parrains_par_programme[PARIS].append(parrain)

        inscrit_le = now - jours(75)
        filleul = Filleul(
            user=self.comptes["filleul"],
            date_naissance=naissance_pour_age(24, inscrit_le.date(), 120),
            commune=commune.get("75119") or self.rng.choice(self.communes),
            qpv=Filleul.StatutQPV.CONFIRME,
            niveau_diplome=5,
            situation=Situation.MISSION_LOCALE,
            inscrit_france_travail_depuis=add_months(today, -8),
            identifiant_france_travail="4821736K",
            disponibilites=["mar_soir", "mer_aprem", "jeu_soir", "ven_matin"],
            mobilite_km=10,
            source=Filleul.Source.MISSION_LOCALE,
            prescripteur=self.partenaires[org.ML_PARIS],
            consentement_version=CONSENTEMENT_VERSION,
            consentement_le=inscrit_le,
            created_at=inscrit_le,
        )
        filleul.demo_secteurs = ["D", "M"]
        self.filleuls.append(filleul)
        self.filleuls_par_programme[PARIS].append(filleul)
        candidature = self.candidature(
            programme,
            filleul,
            statut=CS.RETENUE,
            cree=inscrit_le,
            decidee=inscrit_le + jours(12),
        )

        cal = self.demo_calendrier
        avec_filleul_demo = self.parrainage(
            programme,
            parrain,
            filleul,
            candidature,
            PS.ACTIF,
            self.dates_acceptees_demo(programme, today - jours(45)),
            Forme.REGULIER,
        )
        (f1, c1), (f2, c2), (f3, c3), (f4, c4), (f5, c5) = reserves
        immersion = self.parrainage(
            programme, parrain, f1, c1, PS.ACTIF, cal["immersion"], Forme.IMMERSION
        )
        for f, c, cle in ((f2, c2, "attente_1"), (f3, c3, "attente_2")):
            self.parrainage(programme, parrain, f, c, PS.ATTENTE_PARRAIN, cal[cle], Forme.REGULIER)
        termine = self.parrainage(
            programme, parrain, f4, c4, PS.TERMINE, cal["termine"], Forme.REGULIER
        )
        self.parrainage(programme, parrain, f5, c5, PS.DECLINE, cal["decline"], Forme.REGULIER)
        return {
            "parrain": parrain,
            "filleul": filleul,
            "actif_filleul_demo": avec_filleul_demo,
            "actif_immersion": immersion,
            "termine": termine,
        }

    # Orchestration -----------------------------------------------------------------------------

    def generer(self):
        for programme in self.programmes.values():
            programme.demo_etapes = list(programme.etapes.order_by("ordre"))
        reserves = []
        for pop in POPULATIONS:
            programme = self.programmes[pop.slug]
            reserver = self.premieres_propositions_demo() if pop.slug == PARIS else ()
            reserves += self.peupler_programme(pop, programme, reserver)
        self.candidatures_croisees(self.programmes[PARIS], self.programmes[NQT])
        self.demo = self.personas(reserves)
        self.dater_parrains()

    def dater_parrains(self):
        """A mentor signed up before their first proposal."""
        premiere = {}
        for p in self.parrainages:
            key = id(p.parrain)
            premiere[key] = min(premiere.get(key, p.propose_le), p.propose_le)
        for parrain in self.parrains:
            first = premiere.get(id(parrain))
            if first is not None and parrain.created_at >= first:
                parrain.created_at = first - jours(self.rng.randint(10, 40))
                if parrain.valide_le is not None:
                    parrain.valide_le = parrain.created_at + jours(self.rng.randint(1, 5))
            if parrain.user is not None and parrain.user.pk is None:
                parrain.user.date_joined = parrain.created_at

    def enregistrer(self):
        """Save people, profiles, candidatures and pairs in bulk, parents first."""
        User.objects.bulk_create(self.users)
        EmailAddress.objects.bulk_create(
            EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in self.users
        )
        Parrain.objects.bulk_create(self.parrains)
        Filleul.objects.bulk_create(self.filleuls)
        Parrain.secteurs.through.objects.bulk_create(
            Parrain.secteurs.through(parrain_id=p.pk, secteur_id=self.secteurs[c].pk)
            for p in self.parrains
            for c in p.demo_secteurs
        )
        Parrain.programmes.through.objects.bulk_create(
            Parrain.programmes.through(parrain_id=p.pk, programme_id=prog.pk)
            for p in self.parrains
            for prog in p.demo_programmes
        )
        Filleul.secteurs_souhaites.through.objects.bulk_create(
            Filleul.secteurs_souhaites.through(filleul_id=f.pk, secteur_id=self.secteurs[c].pk)
            for f in self.filleuls
            for c in f.demo_secteurs
        )
        Candidature.objects.bulk_create(self.candidatures)
        # Their history, as the applicants and prescribers would have read it.
        EvenementCandidature.objects.bulk_create(historique_reconstituer(self.candidatures))
        Parrainage.objects.bulk_create(self.parrainages)
