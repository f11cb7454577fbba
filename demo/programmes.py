"""The five programmes of the seed documents, as data: texts, rules, steps, charter, events.

Dates are relative to the day of the seeding (months before today), so the demo always looks
current. Each event is keyed by (programme, titre).
"""

from dataclasses import dataclass, field

from programmes.models import Evenement, NiveauDiplome, Programme, Situation

PARIS = "1000-parrains-1000-emplois"
STRASBOURG = "100-chances-100-emplois"
NQT = "nqt-1-jeune-1-mentor"
AUVERGNE = "club-1000-entreprises-auvergne"
HAUTE_GARONNE = "profession-emploi-haute-garonne"

SLUGS = [PARIS, STRASBOURG, NQT, AUVERGNE, HAUTE_GARONNE]

T = Evenement.Type


@dataclass
class EvenementDemo:
    type: str
    titre: str
    description: str
    jours: int  # days from today (negative: past)
    heure: int = 14
    duree_heures: int = 2
    duree_jours: int = 0  # for multi-day events (selection week)
    lieu: str = ""
    commune: str = ""  # INSEE code
    en_ligne: bool = False
    places: int | None = None
    statut: str | None = None  # default: terminé if past, publié if future
    organise_par_parrain: bool = False


@dataclass
class ProgrammeDemo:
    slug: str
    debut_mois_avant: int
    duree_mois: int | None  # None: no end date
    champs: dict
    etapes: list[tuple[str, str]]
    charte_titre: str
    charte: str
    evenements: list[EvenementDemo] = field(default_factory=list)
    coordinateur: str = "gestionnaire"


def charte_texte(*, preambule, parrain, filleul, programme, suivi):
    """A charter in four parts, with the placeholders the charter service fills in."""

    def puces(lignes):
        return "\n".join(f"- {ligne}" for ligne in lignes)

    return (
        f"{preambule}\n\n"
        "Entre {parrain}, parrain ou marraine, et {filleul}, filleul ou filleule, dans le cadre "
        "du programme « {programme} », pour la période du {date_debut} au {date_fin}.\n\n"
        "1. Engagements du parrain ou de la marraine\n"
        f"{puces(parrain)}\n\n"
        "2. Engagements du filleul ou de la filleule\n"
        f"{puces(filleul)}\n\n"
        "3. Engagements du programme\n"
        f"{puces(programme)}\n\n"
        "4. Suivi et fin du parrainage\n"
        f"{suivi}\n\n"
        "Le parrainage est bénévole et gratuit. Il ne crée aucun lien de subordination ni "
        "aucune obligation d'embauche. Chaque partie peut y mettre fin à tout moment en "
        "prévenant l'équipe du programme.\n"
    )


ENGAGEMENTS_PARRAIN_COMMUNS = [
    "consacrer du temps à son filleul ou sa filleule, au moins une rencontre par mois ;",
    "partager son expérience et son réseau professionnel avec bienveillance ;",
    "respecter la confidentialité de ce qui est confié pendant les rencontres ;",
    "prévenir l'équipe du programme de toute difficulté ou de toute absence prolongée ;",
]

ENGAGEMENTS_FILLEUL_COMMUNS = [
    "être présent ou présente aux rencontres prévues, ou prévenir au plus tôt en cas "
    "d'empêchement ;",
    "s'investir activement dans sa recherche d'emploi ou de formation ;",
    "tenir son parrain ou sa marraine informé des démarches engagées et de leurs résultats ;",
    "informer l'équipe du programme de sa situation à la fin du parrainage et six mois après.",
]

PROGRAMMES = [
    ProgrammeDemo(
        slug=PARIS,
        debut_mois_avant=26,
        duree_mois=48,
        champs={
            "nom": "1.000 parrains pour 1.000 emplois",
            "porteur": "Ville de Paris, avec l'ANDRH Île-de-France",
            "accroche": (
                "Des directrices et directeurs des ressources humaines d'entreprises "
                "parisiennes accompagnent des Parisiens en recherche d'emploi."
            ),
            "description": (
                "La Ville de Paris et l'Association nationale des DRH (groupe Île-de-France) "
                "mobilisent 1.000 professionnels des ressources humaines pour accompagner 1.000 "
                "Parisiennes et Parisiens vers l'emploi.\n\n"
                "Trois formes de parrainage sont proposées :\n"
                "- le parrainage régulier : des rencontres tous les quinze jours ou tous les mois "
                "pour préparer les entretiens d'embauche, se constituer un carnet d'adresses, "
                "choisir une formation ;\n"
                "- les actions ponctuelles : rencontres métiers, visites d'entreprises, "
                "simulations d'entretien ;\n"
                "- l'immersion : un stage court dans l'entreprise du parrain, de quelques "
                "semaines à quelques mois, pour découvrir un métier de l'intérieur.\n\n"
                "Les premiers binômes signent une charte de parrainage qui fixe les engagements "
                "de chacun."
            ),
            "public_vise": (
                "Parisiennes et Parisiens de 18 ans et plus, en recherche d'emploi, inscrits à "
                "France Travail ou suivis par la Mission locale de Paris."
            ),
            "engagements_filleul": (
                "Participer aux rencontres avec votre parrain ou votre marraine, au moins une "
                "fois par mois pendant six mois ; préparer chaque rencontre ; signer la charte "
                "de parrainage ; donner des nouvelles de votre situation à la fin du parrainage "
                "et six mois après."
            ),
            "statut": Programme.Statut.OUVERT,
            "cible_binomes": 1000,
            "offre_reguliere": True,
            "offre_ponctuelle": True,
            "offre_immersion": True,
            "age_min": 18,
            "age_max": None,
            "qpv_requis": False,
            "niveau_diplome_min": None,
            "situations_acceptees": [Situation.DEMANDEUR_EMPLOI, Situation.MISSION_LOCALE],
            "inscription_france_travail_min_mois": None,
            "departements": ["75"],
            "distance_max_km": 10,
            "duree_parrainage_mois": 6,
            "delai_reponse_jours": 7,
            "signature_coordinateur": False,
        },
        etapes=[
            (
                "Inscription et entretien d'accueil",
                "Entretien avec un conseiller de la Ville pour préciser le projet professionnel "
                "et la forme de parrainage souhaitée.",
            ),
            (
                "Appariement avec un parrain ou une marraine",
                "Proposition d'un binôme selon le secteur, la proximité et les disponibilités.",
            ),
            (
                "Parrainage et signature de la charte",
                "Six mois de rencontres régulières, d'actions ponctuelles ou d'immersion.",
            ),
        ],
        charte_titre="Charte de parrainage — 1.000 parrains pour 1.000 emplois",
        charte=charte_texte(
            preambule=(
                "La Ville de Paris et l'ANDRH Île-de-France ont créé le programme « 1.000 "
                "parrains pour 1.000 emplois » pour rapprocher les Parisiens en recherche "
                "d'emploi des professionnels du recrutement. La présente charte fixe les "
                "engagements réciproques du binôme et du programme."
            ),
            parrain=[
                *ENGAGEMENTS_PARRAIN_COMMUNS,
                "aider à préparer les entretiens d'embauche et à construire un carnet d'adresses ;",
                "proposer, lorsque c'est possible, une visite ou une immersion dans son "
                "entreprise.",
            ],
            filleul=ENGAGEMENTS_FILLEUL_COMMUNS,
            programme=[
                "proposer un binôme adapté au projet du filleul ou de la filleule ;",
                "rester joignable pendant toute la durée du parrainage et intervenir en cas de "
                "difficulté ;",
                "organiser des rencontres métiers et des visites d'entreprises ouvertes aux "
                "binômes ;",
                "protéger les données personnelles des participants (RGPD).",
            ],
            suivi=(
                "L'équipe de la Ville fait un point avec chaque binôme au bout d'un mois, puis à "
                "mi-parcours. Le parrainage dure six mois, du {date_debut} au {date_fin}, et peut "
                "être prolongé d'un commun accord."
            ),
        ),
        evenements=[
            EvenementDemo(
                T.REUNION_INFORMATION,
                "Réunion d'information : devenir parrain ou marraine",
                "Présentation du programme aux DRH volontaires, avec l'ANDRH Île-de-France.",
                jours=-120,
                heure=18,
                lieu="Hôtel de Ville, salle des fêtes",
                commune="75104",
                places=120,
            ),
            EvenementDemo(
                T.RENCONTRE_METIER,
                "Rencontre métiers : le commerce et la vente",
                "Des responsables de magasins et de centrales d'achat présentent leurs métiers "
                "et leurs besoins de recrutement.",
                jours=-45,
                lieu="Maison des entreprises et de l'emploi, Paris 19e",
                commune="75119",
                places=40,
            ),
            EvenementDemo(
                T.RENCONTRE_METIER,
                "Rencontre métiers : la santé et le soin",
                "Aide-soignant, agent de service hospitalier, secrétaire médical : les métiers "
                "qui recrutent dans les établissements parisiens.",
                jours=12,
                lieu="Clinique des Buttes-Chaumont",
                commune="75119",
                places=30,
            ),
            EvenementDemo(
                T.VISITE_ENTREPRISE,
                "Visite d'entreprise : une plateforme logistique",
                "Visite d'un entrepôt urbain et présentation des métiers de la logistique "
                "(préparateur de commandes, cariste, chef d'équipe).",
                jours=20,
                heure=10,
                lieu="Seine Logistique, quai de la Gare",
                commune="75113",
                places=15,
                organise_par_parrain=True,
            ),
            EvenementDemo(
                T.VISITE_ENTREPRISE,
                "Visite d'entreprise : les coulisses d'un grand hôtel",
                "Réception, cuisine, étages : découverte des métiers de l'hôtellerie.",
                jours=40,
                heure=15,
                lieu="Hôtels Haussmann Collection",
                commune="75108",
                places=12,
                statut=Evenement.Statut.PROPOSE,
                organise_par_parrain=True,
            ),
            EvenementDemo(
                T.RENCONTRE_METIER,
                "Rencontre métiers : le numérique",
                "Reportée faute de salle disponible.",
                jours=5,
                lieu="Paris 13e",
                commune="75113",
                places=30,
                statut=Evenement.Statut.ANNULE,
            ),
        ],
    ),
    ProgrammeDemo(
        slug=STRASBOURG,
        debut_mois_avant=22,
        duree_mois=36,
        champs={
            "nom": "100 chances 100 emplois",
            "porteur": (
                "Entreprises du bassin strasbourgeois et association 100 chances 100 emplois"
            ),
            "accroche": (
                "Une semaine pour se mobiliser, des chefs d'entreprise pour s'insérer : un "
                "parcours vers l'emploi pour les jeunes des quartiers prioritaires."
            ),
            "description": (
                "Piloté par des entreprises du territoire avec l'association 100 chances 100 "
                "emplois, le programme propose aux jeunes adultes des quartiers prioritaires de "
                "Strasbourg et de l'Eurométropole un parcours en trois étapes :\n"
                "1. la prescription : les candidats sont orientés par la Mission locale, France "
                "Travail ou une association de terrain ;\n"
                "2. une semaine de mobilisation et de sélection, encadrée : rencontres avec des "
                "managers d'entreprise, simulations d'entretien, construction du projet "
                "professionnel ;\n"
                "3. un parcours d'insertion : entretiens avec des chefs d'entreprise, "
                "parrainage, évaluation en situation de travail, missions d'intérim, stage "
                "court.\n\n"
                "Le parcours est réussi quand le jeune signe un CDI, un CDD ou une mission "
                "d'intérim de plus de six mois, ou entre en formation qualifiante."
            ),
            "public_vise": (
                "Jeunes de 18 à 30 ans résidant dans un quartier prioritaire de la politique de "
                "la ville (QPV, anciennement ZUS) du Bas-Rhin, orientés par un prescripteur."
            ),
            "engagements_filleul": (
                "Suivre toute la semaine de mobilisation ; rencontrer les chefs d'entreprise "
                "proposés ; participer aux rencontres avec votre parrain ou votre marraine ; "
                "signer la charte avec votre parrain et le coordinateur du programme."
            ),
            "statut": Programme.Statut.OUVERT,
            "cible_binomes": 100,
            "offre_reguliere": True,
            "offre_ponctuelle": False,
            "offre_immersion": True,
            "age_min": 18,
            "age_max": 30,
            "qpv_requis": True,
            # Selected through a selection week: outcomes counted over the whole cohort.
            "sorties_sur_la_cohorte": True,
            "niveau_diplome_min": None,
            "situations_acceptees": [
                Situation.DEMANDEUR_EMPLOI,
                Situation.MISSION_LOCALE,
                Situation.SANS_ACTIVITE,
            ],
            "inscription_france_travail_min_mois": None,
            "departements": ["67"],
            "distance_max_km": 25,
            "duree_parrainage_mois": 6,
            "delai_reponse_jours": 5,
            "signature_coordinateur": True,
        },
        etapes=[
            (
                "Prescription",
                "Orientation par la Mission locale, France Travail (ex Pôle emploi) ou une "
                "association de terrain.",
            ),
            (
                "Semaine de mobilisation et de sélection",
                "Une semaine encadrée : rencontres avec des managers, simulations d'entretien, "
                "projet professionnel. Les candidats retenus entrent dans le parcours.",
            ),
            (
                "Parcours d'insertion",
                "Entretiens avec des chefs d'entreprise, parrainage, évaluation en situation de "
                "travail, intérim, stage court, jusqu'à un emploi durable ou une formation "
                "qualifiante.",
            ),
        ],
        charte_titre="Charte d'engagement — 100 chances 100 emplois",
        charte=charte_texte(
            preambule=(
                "« 100 chances 100 emplois » rassemble des entreprises, des prescripteurs et "
                "des jeunes des quartiers prioritaires autour d'un parcours vers l'emploi "
                "durable. La charte est signée par le parrain, le filleul et le coordinateur "
                "du programme."
            ),
            parrain=[
                *ENGAGEMENTS_PARRAIN_COMMUNS,
                "ouvrir les portes de son entreprise et de son réseau de chefs d'entreprise ;",
                "participer au bilan de fin de parcours avec le coordinateur.",
            ],
            filleul=[
                *ENGAGEMENTS_FILLEUL_COMMUNS,
                "se présenter aux entretiens, évaluations en situation de travail et missions "
                "proposées.",
            ],
            programme=[
                "désigner un coordinateur, interlocuteur unique du binôme ;",
                "organiser les entretiens avec des chefs d'entreprise et les évaluations en "
                "situation de travail ;",
                "faire le lien avec le prescripteur du filleul ou de la filleule ;",
                "mesurer les sorties : CDI, CDD ou intérim de plus de six mois, formation "
                "qualifiante.",
            ],
            suivi=(
                "Le coordinateur réunit le binôme chaque mois. Le parcours dure six mois, du "
                "{date_debut} au {date_fin}. Une enquête de situation est faite à la fin et six "
                "mois après."
            ),
        ),
        evenements=[
            EvenementDemo(
                T.REUNION_INFORMATION,
                "Réunion d'information des prescripteurs",
                "Présentation du parcours aux conseillers de la Mission locale, de France "
                "Travail et des associations de quartier.",
                jours=-75,
                heure=10,
                lieu="Maison de l'emploi, Hautepierre",
                commune="67482",
                places=40,
            ),
            EvenementDemo(
                T.SEMAINE_SELECTION,
                "Semaine de mobilisation — promotion de printemps",
                "Cinq jours encadrés : accueil par les entreprises partenaires, ateliers projet "
                "professionnel, simulations d'entretien, rencontres avec des managers, "
                "sélection par un jury d'entreprises le vendredi.",
                jours=-60,
                heure=9,
                duree_heures=8,
                duree_jours=4,
                lieu="Centre de formation Rhénane Électrique",
                commune="67482",
                places=30,
            ),
            EvenementDemo(
                T.SIMULATION_ENTRETIEN,
                "Atelier de simulation d'entretien avec des managers",
                "Entretiens filmés avec des managers volontaires, puis débriefing individuel.",
                jours=-57,
                heure=14,
                duree_heures=3,
                lieu="Centre de formation Rhénane Électrique",
                commune="67482",
                places=30,
            ),
            EvenementDemo(
                T.SEMAINE_SELECTION,
                "Semaine de mobilisation — promotion d'automne",
                "Prochaine semaine de mobilisation : inscriptions par les prescripteurs.",
                jours=25,
                heure=9,
                duree_heures=8,
                duree_jours=4,
                lieu="Hôtel de la Petite France, salle de séminaire",
                commune="67482",
                places=30,
            ),
            EvenementDemo(
                T.SIMULATION_ENTRETIEN,
                "Atelier de simulation d'entretien — promotion d'automne",
                "Deuxième atelier, pendant la semaine de mobilisation.",
                jours=27,
                heure=14,
                duree_heures=3,
                lieu="Hôtel de la Petite France, salle de séminaire",
                commune="67482",
                places=30,
            ),
        ],
    ),
    ProgrammeDemo(
        slug=NQT,
        debut_mois_avant=30,
        duree_mois=None,
        champs={
            "nom": "1 jeune 1 mentor — NQT avec France Travail",
            "porteur": "NQT, en partenariat avec France Travail",
            "accroche": (
                "Jeune diplômé Bac+3 et plus, issu d'un quartier prioritaire ? Un mentor en "
                "activité vous aide à décrocher votre premier emploi qualifié."
            ),
            "description": (
                "NQT et France Travail s'associent dans le cadre du plan « 1 jeune 1 mentor » : "
                "des cadres et dirigeants en activité accompagnent des jeunes diplômés vers un "
                "emploi à la hauteur de leur qualification. Le programme est national ; le plan "
                "visait 200.000 jeunes accompagnés.\n\n"
                "Le mentorat se fait en rencontre ou à distance. Tout au long de l'année : "
                "webinaires, réunions d'information, job datings et salons en ligne.\n\n"
                "L'objectif de 2.000 binômes affiché ici est la part de la démonstration, pas "
                "l'objectif national."
            ),
            "public_vise": (
                "Jeunes diplômés de niveau Bac+3 et plus, de moins de 30 ans, résidant dans un "
                "quartier prioritaire de la politique de la ville, partout en France."
            ),
            "engagements_filleul": (
                "Échanger avec votre mentor au moins deux fois par mois, en personne ou en "
                "visioconférence ; participer à au moins un webinaire ; tenir votre mentor "
                "informé de vos candidatures."
            ),
            "statut": Programme.Statut.OUVERT,
            "cible_binomes": 2000,
            "offre_reguliere": True,
            "offre_ponctuelle": False,
            "offre_immersion": False,
            "age_min": None,
            "age_max": 29,
            "qpv_requis": True,
            "niveau_diplome_min": NiveauDiplome.BAC_3,
            "situations_acceptees": [Situation.JEUNE_DIPLOME, Situation.DEMANDEUR_EMPLOI],
            "inscription_france_travail_min_mois": None,
            "departements": [],
            "distance_max_km": None,
            "duree_parrainage_mois": 6,
            "delai_reponse_jours": 10,
            "signature_coordinateur": False,
        },
        etapes=[
            ("Inscription en ligne", "Création du profil et vérification du diplôme."),
            (
                "Entretien de validation",
                "Entretien téléphonique avec un chargé de mission NQT.",
            ),
            (
                "Mentorat",
                "Six mois d'échanges réguliers avec un mentor, en présentiel ou à distance.",
            ),
        ],
        charte_titre="Charte du mentorat — 1 jeune 1 mentor",
        charte=charte_texte(
            preambule=(
                "Le mentorat « 1 jeune 1 mentor » porté par NQT avec France Travail met en "
                "relation des jeunes diplômés et des professionnels en activité."
            ),
            parrain=[
                *ENGAGEMENTS_PARRAIN_COMMUNS,
                "aider à valoriser le diplôme et l'expérience auprès des recruteurs ;",
                "accepter les échanges à distance lorsque la distance l'impose.",
            ],
            filleul=ENGAGEMENTS_FILLEUL_COMMUNS,
            programme=[
                "vérifier l'éligibilité et présenter un mentor adapté ;",
                "proposer webinaires, job datings et salons en ligne ;",
                "suivre le binôme et faire le lien avec le conseiller France Travail.",
            ],
            suivi=(
                "Un chargé de mission NQT contacte le binôme chaque mois. Le mentorat dure six "
                "mois, du {date_debut} au {date_fin}."
            ),
        ),
        evenements=[
            EvenementDemo(
                T.WEBINAIRE,
                "Webinaire : réussir son entretien d'embauche",
                "Une heure avec une recruteuse et deux anciens filleuls.",
                jours=-30,
                heure=18,
                duree_heures=1,
                en_ligne=True,
                places=500,
            ),
            EvenementDemo(
                T.REUNION_INFORMATION,
                "Réunion d'information France Travail × NQT",
                "Présentation du mentorat aux jeunes diplômés inscrits à France Travail.",
                jours=-20,
                heure=10,
                lieu="Agence France Travail Paris 19e",
                commune="75119",
                places=60,
            ),
            EvenementDemo(
                T.WEBINAIRE,
                "Webinaire : valoriser son diplôme sur les réseaux professionnels",
                "Profil, recommandations, candidatures spontanées : les bonnes pratiques.",
                jours=9,
                heure=18,
                duree_heures=1,
                en_ligne=True,
                places=500,
            ),
            EvenementDemo(
                T.JOB_DATING,
                "Job dating jeunes diplômés — Île-de-France",
                "Des entretiens de dix minutes avec des recruteurs d'entreprises partenaires.",
                jours=18,
                heure=14,
                duree_heures=4,
                lieu="Cité des métiers, Paris 19e",
                commune="75119",
                places=80,
            ),
            EvenementDemo(
                T.SALON_EN_LIGNE,
                "Salon en ligne de l'emploi des jeunes diplômés",
                "Trois jours de stands virtuels et d'entretiens en visioconférence.",
                jours=33,
                heure=9,
                duree_heures=9,
                duree_jours=2,
                en_ligne=True,
                places=2000,
            ),
            EvenementDemo(
                T.JOB_DATING,
                "Job dating — banque et assurance",
                "Annulé, reporté au prochain trimestre.",
                jours=3,
                heure=14,
                duree_heures=3,
                lieu="Lyon",
                commune="69123",
                places=50,
                statut=Evenement.Statut.ANNULE,
            ),
        ],
    ),
    ProgrammeDemo(
        slug=AUVERGNE,
        debut_mois_avant=20,
        duree_mois=36,
        champs={
            "nom": "Club des 1.000 entreprises citoyennes d'Auvergne",
            "porteur": "Club des 1.000 entreprises citoyennes d'Auvergne, avec France Travail",
            "accroche": (
                "Des entreprises auvergnates s'engagent pour la diversité : parrainage de "
                "demandeurs d'emploi de longue durée et d'élèves de 3e en éducation prioritaire."
            ),
            "description": (
                "Par une convention de partenariat avec France Travail en faveur de la "
                "diversité et de l'inclusion, les entreprises du Club parrainent :\n"
                "- des demandeurs d'emploi de longue durée, inscrits depuis au moins douze "
                "mois, vers les secteurs en tension : hôtellerie-restauration, industrie, "
                "construction, services à la personne ;\n"
                "- des élèves de 3e de collèges de l'éducation prioritaire (REP et REP+), "
                "pendant toute une année scolaire : découverte des métiers, stage "
                "d'observation, orientation.\n\n"
                "Les candidatures sont closes pour l'année en cours ; les binômes sont "
                "accompagnés jusqu'à la fin de l'année scolaire."
            ),
            "public_vise": (
                "Demandeurs d'emploi inscrits à France Travail depuis douze mois ou plus, et "
                "élèves de 3e des collèges REP et REP+ de l'Allier, du Cantal, de la Haute-Loire "
                "et du Puy-de-Dôme."
            ),
            "engagements_filleul": (
                "Rencontrer votre parrain ou votre marraine chaque mois pendant l'année ; "
                "participer aux visites d'entreprises ; pour les collégiens, réaliser le stage "
                "d'observation de 3e dans une entreprise du Club."
            ),
            "statut": Programme.Statut.EN_COURS,
            "cible_binomes": 200,
            "offre_reguliere": True,
            "offre_ponctuelle": False,
            "offre_immersion": True,
            # Pupils of 3e are mentored by adults: their mentors' background check is recorded.
            "controle_honorabilite_requis": True,
            "age_min": None,
            "age_max": None,
            "qpv_requis": False,
            "niveau_diplome_min": None,
            "situations_acceptees": [Situation.DEMANDEUR_EMPLOI, Situation.ELEVE_3E_REP],
            "inscription_france_travail_min_mois": 12,
            "departements": ["03", "15", "43", "63"],
            "distance_max_km": 40,
            "duree_parrainage_mois": 9,
            "delai_reponse_jours": 7,
            "signature_coordinateur": False,
        },
        etapes=[
            (
                "Orientation",
                "Par le conseiller France Travail ou par le professeur principal du collège.",
            ),
            (
                "Réunion d'information et choix du secteur",
                "Présentation des entreprises du Club et des métiers en tension.",
            ),
            ("Parrainage", "Une année scolaire de parrainage, stage d'observation ou immersion."),
        ],
        charte_titre="Charte de parrainage — Club des 1.000 entreprises citoyennes d'Auvergne",
        charte=charte_texte(
            preambule=(
                "Les entreprises du Club des 1.000 entreprises citoyennes d'Auvergne et France "
                "Travail s'engagent pour la diversité et l'inclusion dans l'emploi."
            ),
            parrain=[
                *ENGAGEMENTS_PARRAIN_COMMUNS,
                "faire découvrir les métiers de son entreprise, y compris par une immersion ou "
                "un stage d'observation ;",
                "pour un collégien, échanger avec son professeur principal et ses parents.",
            ],
            filleul=ENGAGEMENTS_FILLEUL_COMMUNS,
            programme=[
                "faire le lien avec France Travail et avec le collège ;",
                "organiser visites d'entreprises et job datings dans les secteurs en tension ;",
                "réunir les binômes en fin d'année scolaire.",
            ],
            suivi=(
                "Le Club réunit les binômes à chaque trimestre. Le parrainage court du "
                "{date_debut} au {date_fin}."
            ),
        ),
        evenements=[
            EvenementDemo(
                T.REUNION_INFORMATION,
                "Réunion d'information : le parrainage des élèves de 3e",
                "Présentation du parrainage aux élèves, aux familles et aux professeurs "
                "principaux.",
                jours=-150,
                heure=17,
                lieu="Collège Albert Camus",
                commune="63113",
                places=80,
            ),
            EvenementDemo(
                T.VISITE_ENTREPRISE,
                "Visite d'entreprise : un site industriel clermontois",
                "Visite des ateliers de production et rencontre avec des techniciens.",
                jours=-40,
                heure=9,
                duree_heures=3,
                lieu="Volcans Industrie",
                commune="63113",
                places=20,
                organise_par_parrain=True,
            ),
            EvenementDemo(
                T.JOB_DATING,
                "Job dating hôtellerie-restauration — saison d'été",
                "Recrutements saisonniers dans les stations thermales et touristiques.",
                jours=15,
                heure=14,
                duree_heures=4,
                lieu="Agence France Travail Clermont-Ferrand",
                commune="63113",
                places=60,
            ),
            EvenementDemo(
                T.VISITE_ENTREPRISE,
                "Visite de chantier : les métiers de la construction",
                "Maçon, coffreur, conducteur d'engins : un chantier en activité.",
                jours=28,
                heure=9,
                duree_heures=3,
                lieu="Bâtir en Auvergne",
                commune="63113",
                places=15,
                organise_par_parrain=True,
            ),
        ],
    ),
    ProgrammeDemo(
        slug=HAUTE_GARONNE,
        debut_mois_avant=24,
        duree_mois=None,
        coordinateur="animateur",
        champs={
            "nom": "Profession-emploi",
            "porteur": "Mission locale Haute-Garonne",
            "accroche": (
                "Un réseau d'entreprises et de prescripteurs pour faire découvrir les métiers "
                "porteurs aux jeunes de la Mission locale."
            ),
            "description": (
                "Profession-emploi fédère des entreprises et des prescripteurs de la "
                "Haute-Garonne autour des jeunes suivis par la Mission locale. Chaque "
                "entreprise signe une convention de partenariat : objectifs, plan d'action, "
                "engagements, modalités de suivi et critères d'évaluation.\n\n"
                "Un animateur coordonne le réseau. Tables rondes et visites d'entreprises font "
                "découvrir les métiers porteurs : aéronautique, numérique, bâtiment, soin et "
                "aide à domicile, logistique. Les jeunes qui le souhaitent sont ensuite "
                "parrainés par un professionnel du métier choisi."
            ),
            "public_vise": ("Jeunes de 16 à 25 ans suivis par la Mission locale Haute-Garonne."),
            "engagements_filleul": (
                "Participer à au moins une table ronde ou une visite d'entreprise ; rencontrer "
                "votre parrain ou votre marraine chaque mois ; informer votre conseiller "
                "Mission locale de vos démarches."
            ),
            "statut": Programme.Statut.OUVERT,
            "cible_binomes": 150,
            "offre_reguliere": True,
            "offre_ponctuelle": True,
            "offre_immersion": False,
            "age_min": 16,
            "age_max": 25,
            "qpv_requis": False,
            "niveau_diplome_min": None,
            "situations_acceptees": [Situation.MISSION_LOCALE],
            "inscription_france_travail_min_mois": None,
            "departements": ["31"],
            "distance_max_km": 30,
            "duree_parrainage_mois": 6,
            "delai_reponse_jours": 7,
            "signature_coordinateur": False,
        },
        etapes=[
            ("Prescription par la Mission locale", "Le conseiller présente le réseau au jeune."),
            (
                "Découverte des métiers porteurs",
                "Table ronde ou visite d'entreprise dans le secteur choisi.",
            ),
            ("Parrainage", "Six mois de parrainage par un professionnel du métier."),
        ],
        charte_titre="Charte de parrainage — Profession-emploi",
        charte=charte_texte(
            preambule=(
                "Profession-emploi, animé par la Mission locale Haute-Garonne, réunit "
                "entreprises et prescripteurs pour l'emploi des jeunes."
            ),
            parrain=[
                *ENGAGEMENTS_PARRAIN_COMMUNS,
                "présenter son métier et ses perspectives avec honnêteté ;",
                "participer, si possible, à une table ronde du réseau.",
            ],
            filleul=ENGAGEMENTS_FILLEUL_COMMUNS,
            programme=[
                "l'animateur du réseau est l'interlocuteur du binôme ;",
                "organiser tables rondes et visites d'entreprises sur les métiers porteurs ;",
                "associer le conseiller Mission locale du jeune au suivi.",
            ],
            suivi=(
                "L'animateur fait le point avec le binôme tous les deux mois. Le parrainage "
                "court du {date_debut} au {date_fin}."
            ),
        ),
        evenements=[
            EvenementDemo(
                T.TABLE_RONDE,
                "Table ronde : les métiers porteurs de l'aéronautique",
                "Techniciens de maintenance, ajusteurs, chaudronniers : des professionnels "
                "témoignent.",
                jours=-50,
                heure=14,
                lieu="Mission locale Haute-Garonne, antenne de Toulouse",
                commune="31555",
                places=50,
            ),
            EvenementDemo(
                T.RENCONTRE_METIER,
                "Rencontre métiers : le soin et l'aide à domicile",
                "Auxiliaire de vie, aide-soignant : des métiers qui recrutent toute l'année.",
                jours=-25,
                heure=10,
                lieu="Domicile Services Occitanie",
                commune="31555",
                places=25,
            ),
            EvenementDemo(
                T.TABLE_RONDE,
                "Table ronde : le numérique recrute en Haute-Garonne",
                "Développeur, technicien support, data : témoignages et parcours de formation.",
                jours=10,
                heure=14,
                lieu="Occitanie Numérique",
                commune="31555",
                places=50,
            ),
            EvenementDemo(
                T.VISITE_ENTREPRISE,
                "Visite d'entreprise : un atelier de maintenance aéronautique",
                "Découverte d'un hangar de maintenance et des métiers de la mécanique.",
                jours=22,
                heure=9,
                duree_heures=3,
                lieu="Garonne Aéro Maintenance",
                commune="31555",
                places=15,
                organise_par_parrain=True,
            ),
            EvenementDemo(
                T.TABLE_RONDE,
                "Table ronde : les métiers du bâtiment",
                "À confirmer avec les entreprises du réseau.",
                jours=45,
                heure=14,
                lieu="Bâtisseurs du Sud-Ouest",
                commune="31555",
                places=40,
                statut=Evenement.Statut.PROPOSE,
            ),
        ],
    ),
]
