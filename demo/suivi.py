"""What happens inside the demo pairs: meetings, outcomes, charters; and who
registered for the programmes' events."""

import datetime as dt

from django.contrib.contenttypes.models import ContentType

from mentorat.horaires import debut_du_jour
from mentorat.models import Partie
from parrainages.models import (
    Candidature,
    Charte,
    Parrain,
    Parrainage,
    Rencontre,
    Sortie,
    Theme,
)
from parrainages.models.charte import sha256_text
from parrainages.services.charte import charte_parties, charte_rendre_texte
from programmes.models import Evenement, Inscription, ModeleCharte

from . import noms
from .population import a_heure, jours
from .programmes import AUVERGNE, HAUTE_GARONNE, PARIS, PROGRAMMES, STRASBOURG

PS = Parrainage.Statut


SUJETS = {
    Theme.CV: "Relecture du CV",
    Theme.ENTRETIEN: "Simulation d'entretien",
    Theme.RESEAU: "Réseau et carnet d'adresses",
    Theme.PROJET: "Point sur le projet professionnel",
    Theme.VISITE: "Visite de l'entreprise",
    Theme.FORMATION: "Choix d'une formation",
    Theme.CANDIDATURES: "Suivi des candidatures",
    Theme.AUTRE: "Point d'étape",
}

NOTES = {
    Theme.CV: [
        "CV relu ligne à ligne : accroche reformulée, missions d'intérim regroupées, "
        "compétences mises en avant. À faire : une version courte pour les salons.",
        "Lettre de motivation raccourcie à dix lignes ; CV adapté aux offres repérées.",
    ],
    Theme.ENTRETIEN: [
        "Simulation d'entretien de 45 minutes. Bonne présentation ; à travailler : les "
        "questions sur les points faibles et les prétentions salariales.",
        "Entretien filmé puis revu ensemble : regard, débit, exemples concrets. Net progrès "
        "depuis la dernière fois.",
    ],
    Theme.RESEAU: [
        "Liste de cinq contacts de mon réseau à solliciter ; message de prise de contact "
        "préparé ensemble.",
        "Présentation à deux collègues du service recrutement ; profil professionnel en ligne "
        "complété.",
    ],
    Theme.PROJET: [
        "Projet clarifié : deux métiers cibles, un plan B. Enquêtes métier à mener d'ici la "
        "prochaine rencontre.",
        "Bilan des expériences passées et des envies ; le secteur visé se confirme.",
    ],
    Theme.VISITE: [
        "Visite des locaux et échange avec deux managers ; très bonne impression laissée.",
        "Découverte d'un atelier et des postes ouverts au recrutement.",
    ],
    Theme.FORMATION: [
        "Comparaison de trois formations qualifiantes (titre professionnel) ; financement "
        "possible par France Travail ou le CPF.",
        "Dossier d'inscription à une formation en alternance préparé ensemble.",
    ],
    Theme.CANDIDATURES: [
        "Revue des candidatures de la semaine : deux relances à faire, un entretien obtenu.",
        "Tableau de suivi des candidatures mis en place ; six envois cette quinzaine.",
    ],
    Theme.AUTRE: [
        "Point d'étape, moral en hausse. Prochaine rencontre dans quinze jours.",
        "Échange sur l'organisation personnelle (garde d'enfant, transports) pour reprendre un "
        "emploi.",
    ],
}

THEMES_POIDS = [
    (Theme.CV, 14),
    (Theme.ENTRETIEN, 16),
    (Theme.RESEAU, 12),
    (Theme.PROJET, 14),
    (Theme.VISITE, 5),
    (Theme.FORMATION, 8),
    (Theme.CANDIDATURES, 14),
    (Theme.AUTRE, 4),
]

LIEUX = [
    "Locaux de {entreprise}",
    "Café près de la gare",
    "Médiathèque de {commune}",
    "Maison de l'emploi de {commune}",
]

SORTIES_FIN = [
    (Sortie.Type.CDI, 18),
    (Sortie.Type.CDD_LONG, 14),
    (Sortie.Type.CDD_COURT, 10),
    (Sortie.Type.INTERIM_LONG, 8),
    (Sortie.Type.ALTERNANCE, 8),
    (Sortie.Type.FORMATION, 12),
    (Sortie.Type.CREATION, 3),
    (Sortie.Type.AUCUNE, 20),
]

COMMENTAIRES = {
    Sortie.Type.CDI: "Embauche en CDI après deux entretiens.",
    Sortie.Type.CDD_LONG: "CDD de neuf mois, avec une perspective de CDI.",
    Sortie.Type.CDD_COURT: "Remplacement de trois mois.",
    Sortie.Type.INTERIM_LONG: "Missions d'intérim continues depuis plus de six mois.",
    Sortie.Type.ALTERNANCE: "Contrat d'apprentissage signé pour deux ans.",
    Sortie.Type.FORMATION: "Entrée en formation qualifiante (titre professionnel).",
    Sortie.Type.CREATION: "Création d'une micro-entreprise, accompagnée par une couveuse.",
    Sortie.Type.AUCUNE: "Toujours en recherche ; candidatures en cours.",
    Sortie.Type.ABANDON: "N'a plus donné de nouvelles.",
}

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
]


class Suivi:
    def __init__(self, population):
        self.pop = population
        self.rng = population.rng
        self.today = population.today
        self.now = population.now
        self.rencontres = []
        self.sorties = []
        self.chartes = []
        self.parties = []
        self.demo = population.demo

    def pick(self, poids):
        return self.pop.pick(poids)

    # Meetings ---------------------------------------------------------------------------------

    def rencontre(self, p, debut, statut, themes=()):
        rng = self.rng
        modalite = self.pick(
            [
                (Rencontre.Modalite.PRESENTIEL, 2 if p.programme.distance_max_km else 1),
                (Rencontre.Modalite.VISIO, 1 if p.programme.distance_max_km else 3),
                (Rencontre.Modalite.TELEPHONE, 0.4),
            ]
        )
        theme = themes[0] if themes else self.pick(THEMES_POIDS)
        lieu = lien = ""
        if modalite == Rencontre.Modalite.PRESENTIEL:
            commune = p.parrain.commune.nom if p.parrain.commune else ""
            lieu = rng.choice(LIEUX).format(entreprise=p.parrain.entreprise, commune=commune)
        elif modalite == Rencontre.Modalite.VISIO:
            lien = f"https://visio.mentorat.example/r/{rng.getrandbits(48):012x}"
        rencontre = Rencontre(
            parrainage=p,
            debut=debut,
            duree_minutes=rng.choice([45, 60, 60, 90, 120]),
            modalite=modalite,
            lieu=lieu,
            lien=lien,
            sujet=SUJETS[theme],
            statut=statut,
            themes=list(themes),
            compte_rendu=rng.choice(NOTES[theme]) if statut == Rencontre.Statut.TENUE else "",
            # Proposed by the mentee: their own time, not yet in anyone's calendar.
            acceptee_le=a_heure(self.today - jours(1), 20, 0)
            if statut == Rencontre.Statut.PROPOSEE
            else None,
            au_calendrier=statut != Rencontre.Statut.PROPOSEE,
        )
        self.rencontres.append(rencontre)
        return rencontre

    def themes(self):
        n = self.pick([(1, 5), (2, 4), (3, 1)])
        choisis = []
        while len(choisis) < n:
            theme = self.pick(THEMES_POIDS)
            if theme not in choisis:
                choisis.append(theme)
        return choisis

    def heure(self, jour):
        return a_heure(jour, self.rng.choice([9, 10, 12, 14, 17, 18, 19]), self.rng.choice([0, 30]))

    def rencontres_passees(self, p, fin):
        jour = p.date_debut + jours(self.rng.randint(3, 10))
        while jour < fin:
            if self.rng.random() < 0.12:
                self.rencontre(p, self.heure(jour), Rencontre.Statut.ANNULEE)
            else:
                self.rencontre(p, self.heure(jour), Rencontre.Statut.TENUE, self.themes())
            jour += jours(self.rng.randint(12, 30))

    def rencontres_de(self, p):
        if p.statut not in Parrainage.STATUTS_FORMES:
            return
        if p.statut != PS.ACTIF:
            self.rencontres_passees(p, p.date_fin)
            return
        self.rencontres_passees(p, self.today - jours(10))
        if self.rng.random() < 0.25:  # a past meeting the mentor has not logged yet
            jour = max(p.date_debut, self.today - jours(self.rng.randint(1, 8)))
            if jour < self.today:
                self.rencontre(p, self.heure(jour), Rencontre.Statut.PREVUE)
        if self.rng.random() < 0.7:
            self.rencontre(
                p, self.heure(self.today + jours(self.rng.randint(2, 21))), Rencontre.Statut.PREVUE
            )

    # Outcomes ---------------------------------------------------------------------------------

    def employeur(self, p, type_sortie):
        if type_sortie in (Sortie.Type.AUCUNE, Sortie.Type.ABANDON, Sortie.Type.CREATION):
            return ""
        if type_sortie == Sortie.Type.FORMATION:
            return "Centre de formation professionnelle pour adultes"
        if self.rng.random() < 0.2:
            return p.parrain.entreprise
        territoire = {
            PARIS: "paris",
            STRASBOURG: "strasbourg",
            AUVERGNE: "auvergne",
            HAUTE_GARONNE: "toulouse",
        }.get(p.programme.slug, "national")
        return self.rng.choice(noms.ENTREPRISES[territoire])[0]

    def sortie(self, p, moment, type_sortie, date, source):
        # Most mentees confirmed what their mentor declared, a few days later; the others
        # have not answered yet (their positive situation does not count until they do).
        # Read from the date, not the random stream: the rest of the demo stays as it was.
        confirmee_le = None
        if source == Sortie.Source.PARRAIN and date.toordinal() % 10 < 7:
            confirmee_le = min(self.now, debut_du_jour(date + jours(1 + date.day % 20)))
        self.sorties.append(
            Sortie(
                parrainage=p,
                moment=moment,
                type=type_sortie,
                date=date,
                employeur=self.employeur(p, type_sortie),
                commentaire=COMMENTAIRES[type_sortie],
                source=source,
                confirmee_le=confirmee_le,
            )
        )

    def sorties_de(self, p, *, fin=None, six_mois=None):
        rng = self.rng
        if p.statut == PS.TERMINE:
            fin = fin or self.pick(SORTIES_FIN)
        elif p.statut == PS.INTERROMPU and rng.random() < 0.8:
            fin = fin or rng.choice(p.demo_issues)
        else:
            return
        source = self.pick(
            [(Sortie.Source.PARRAIN, 3), (Sortie.Source.EQUIPE, 3), (Sortie.Source.FILLEUL, 2)]
        )
        self.sortie(p, Sortie.Moment.FIN, fin, p.date_fin, source)
        date_six_mois = p.date_fin + jours(183)
        if date_six_mois > self.today or (six_mois is None and rng.random() < 0.2):
            return
        if six_mois is None:
            if fin in Sortie.TYPES_POSITIFS:
                six_mois = fin if rng.random() < 0.7 else Sortie.Type.CDI
            else:
                six_mois = self.pick(SORTIES_FIN + [(Sortie.Type.AUCUNE, 20)])
        self.sortie(p, Sortie.Moment.SIX_MOIS, six_mois, date_six_mois, Sortie.Source.ENQUETE)

    # Charters ---------------------------------------------------------------------------------

    def charte(self, p, modele, signes, *, annulee=False):
        """A frozen charter and its parties; ``signes``: roles that signed (all of them, a
        minor's guardians included: signed charter)."""
        rng = self.rng
        texte = charte_rendre_texte(modele=modele, parrainage=p)
        empreinte = sha256_text(texte)
        emise = p.repondu_le + dt.timedelta(minutes=rng.randint(1, 30))
        charte = Charte(
            parrainage=p, modele=modele, texte=texte, texte_sha256=empreinte, emise_le=emise
        )
        quand, parties = emise, []
        for spec in charte_parties(parrainage=p, le=emise.date()):
            user = spec.pop("user", None)
            partie = Partie(
                role=spec.pop("role"),
                user=user,
                email=spec.pop("email", "") or (user.email if user else ""),
                prenom=spec.pop("prenom", "") or (user.first_name if user else ""),
                nom=spec.pop("nom", "") or (user.last_name if user else ""),
                created_at=emise,
                **spec,
            )
            role_de_base = partie.role.rstrip("0123456789").rstrip("_")
            if partie.role in signes or role_de_base in signes:
                quand = min(self.now, quand + dt.timedelta(hours=rng.randint(1, 60)))
                partie.signee_le = quand
                partie.adresse_ip = (
                    f"{rng.choice(['192.0.2', '198.51.100', '203.0.113'])}.{rng.randint(1, 254)}"
                )
                partie.user_agent = rng.choice(USER_AGENTS)
                partie.methode = Partie.Methode.CODE_EMAIL
                partie.texte_sha256 = empreinte
            parties.append(partie)
        if all(partie.signee_le for partie in parties):
            charte.statut, charte.signee_le = Charte.Statut.SIGNEE, quand
        if annulee:
            charte.statut = Charte.Statut.ANNULEE
            charte.annulee_le = a_heure(p.date_fin, 17)
            charte.motif_annulation = f"Parrainage interrompu : {p.motif_fin}"
        self.chartes.append(charte)
        self.parties.append((charte, parties))
        return charte

    def chartes_de(self, p, modele):
        R = Charte.Role
        tous = {R.PARRAIN, R.FILLEUL, R.COORDINATEUR, Charte.ROLE_REPRESENTANT_LEGAL}
        if p.statut == PS.TERMINE:
            self.charte(p, modele, tous)
        elif p.statut == PS.INTERROMPU:
            self.charte(p, modele, tous, annulee=True)
        elif p.statut == PS.ACTIF:
            choix = self.pick([("toutes", 55), ("une", 25), ("aucune", 20)])
            if choix == "toutes":
                signes = tous
            elif choix == "une":
                signes = {self.rng.choice([R.PARRAIN, R.FILLEUL])}
            else:
                signes = set()
            self.charte(p, modele, signes)

    # Events -----------------------------------------------------------------------------------

    def choisir_hotes(self, evenements):
        """Each company visit is hosted by a mentor working there (before mentors are saved)."""
        specs = {(pd.slug, e.titre): e for pd in PROGRAMMES for e in pd.evenements}
        choisis = {}
        for ev in evenements:
            spec = specs.get((ev.programme.slug, ev.titre))
            if spec is None or not spec.organise_par_parrain:
                continue
            entreprise = spec.lieu.split(",")[0]
            mentors = [
                m
                for m in self.pop.parrains_par_programme[ev.programme.slug]
                if m.statut == Parrain.Statut.ACTIF and not getattr(m, "demo_reserve", False)
            ]
            hote = next((m for m in mentors if m.entreprise == entreprise), None)
            if hote is None:
                hote = mentors[len(choisis) % len(mentors)]
                hote.bio = hote.bio.replace(hote.entreprise, entreprise)
                hote.entreprise = entreprise
            choisis[ev.pk] = hote
        self.hotes = choisis

    def inscriptions(self, evenements):
        rng = self.rng
        candidatures = {}
        for c in self.pop.candidatures:
            candidatures.setdefault(c.programme.slug, []).append(c)
        rows = []
        ES, IS = Evenement.Statut, Inscription.Statut
        for ev in evenements:
            if ev.statut == ES.PROPOSE:
                continue
            semaine = ev.type == Evenement.Type.SEMAINE_SELECTION
            statuts_ok = (Candidature.Statut.EN_ETUDE, Candidature.Statut.RETENUE)
            if semaine:
                statuts_ok += (Candidature.Statut.REFUSEE,)
            public = [
                c
                for c in candidatures.get(ev.programme.slug, [])
                if c.statut in statuts_ok and c.created_at < ev.debut
            ]
            places = ev.places or 30
            n = min(len(public), places if semaine else rng.randint(8, min(places, 35)))
            for c in rng.sample(public, n):
                if ev.statut == ES.ANNULE:
                    statut = IS.ANNULE
                elif ev.statut == ES.TERMINE:
                    present = 9 if c.statut == Candidature.Statut.RETENUE else 6
                    statut = self.pick([(IS.PRESENT, present), (IS.ABSENT, 2), (IS.ANNULE, 1)])
                else:
                    statut = self.pick([(IS.INSCRIT, 9), (IS.ANNULE, 1)])
                rows.append(Inscription(evenement=ev, filleul=c.filleul, statut=statut))
        # The demo mentee went to one job talk and registered for the next one.
        filleul = self.demo["filleul"]
        deja = {(r.evenement.pk, id(r.filleul)) for r in rows}
        for ev in evenements:
            if ev.programme.slug != PARIS or ev.type != Evenement.Type.RENCONTRE_METIER:
                continue
            if ev.statut not in (ES.TERMINE, ES.PUBLIE) or (ev.pk, id(filleul)) in deja:
                continue
            statut = IS.PRESENT if ev.statut == ES.TERMINE else IS.INSCRIT
            rows.append(Inscription(evenement=ev, filleul=filleul, statut=statut))
        return rows

    # Orchestration -----------------------------------------------------------------------------

    def generer(self, evenements):
        """Meetings, outcomes, charters, registrations (the pairs are saved; immersion
        conventions come later, from demo/immersions.py)."""
        demo = self.demo
        modeles = {m.programme_id: m for m in ModeleCharte.objects.filter(version=1)}
        forces = {id(demo["actif_filleul_demo"]), id(demo["actif_immersion"]), id(demo["termine"])}
        for p in self.pop.parrainages:
            if id(p) in forces:
                continue
            self.rencontres_de(p)
            self.sorties_de(p)
            if p.programme.slug in (PARIS, STRASBOURG):
                self.chartes_de(p, modeles[p.programme.pk])
        self.generer_demo(modeles[demo["parrain"].demo_programmes[0].pk])
        self.lignes_inscriptions = self.inscriptions(evenements)

    def generer_demo(self, modele):
        """The demo mentor's pairs: meetings to log, upcoming ones, outcomes (their immersion
        conventions are made by demo/immersions.py, through the services)."""
        demo, today = self.demo, self.today
        R = Charte.Role
        p = demo["actif_filleul_demo"]
        for n, theme in enumerate([[Theme.PROJET, Theme.CV], [Theme.CV], [Theme.ENTRETIEN]]):
            self.rencontre(
                p, a_heure(p.date_debut + jours(3 + 14 * n), 18, 30), Rencontre.Statut.TENUE, theme
            )
        self.rencontre(p, a_heure(today - jours(2), 18, 30), Rencontre.Statut.PREVUE)
        self.rencontre(p, a_heure(today + jours(5), 18, 30), Rencontre.Statut.PREVUE)
        self.charte(p, modele, {R.PARRAIN})

        p = demo["actif_immersion"]
        self.rencontres_passees(p, today - jours(12))
        self.rencontre(p, a_heure(today - jours(6), 12, 30), Rencontre.Statut.PREVUE)
        self.rencontre(p, a_heure(today + jours(9), 12, 30), Rencontre.Statut.PREVUE)
        # Proposed by the mentee, awaiting the demo mentor's answer.
        self.rencontre(p, a_heure(today + jours(23), 12, 30), Rencontre.Statut.PROPOSEE)
        self.charte(p, modele, {R.FILLEUL})

        p = demo["termine"]
        self.rencontres_passees(p, p.date_fin)
        self.sorties_de(p, fin=Sortie.Type.CDD_LONG, six_mois=Sortie.Type.CDI)
        self.charte(p, modele, {R.PARRAIN, R.FILLEUL})

    def enregistrer(self):
        Rencontre.objects.bulk_create(self.rencontres)
        Sortie.objects.bulk_create(self.sorties)
        Charte.objects.bulk_create(self.chartes)
        type_charte = ContentType.objects.get_for_model(Charte)
        parties = []
        for charte, lignes in self.parties:
            for partie in lignes:
                partie.document_type, partie.document_id = type_charte, charte.pk
                parties.append(partie)
        Partie.objects.bulk_create(parties)
        Inscription.objects.bulk_create(self.lignes_inscriptions)
        for pk, hote in self.hotes.items():
            Evenement.objects.filter(pk=pk).update(organisateur=hote)
