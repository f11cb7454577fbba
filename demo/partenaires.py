"""Partners, their conventions (with objectives) and their members, as data."""

from dataclasses import dataclass, field

from partenaires.models import Convention, Membre, Objectif, Partenaire

from .programmes import AUVERGNE, HAUTE_GARONNE, NQT, PARIS, STRASBOURG

TP = Partenaire.Type
IND = Objectif.Indicateur
P = Objectif.Periode
S = Convention.Statut

# Partner keys used elsewhere in the demo.
VILLE_PARIS = "Ville de Paris"
ANDRH_IDF = "ANDRH Île-de-France"
ML_PARIS = "Mission locale de Paris"
FT_PARIS_19 = "France Travail Paris 19e"
FT_HAUTEPIERRE = "France Travail Strasbourg Hautepierre"
ML_STRASBOURG = "Mission locale pour l'emploi de Strasbourg"
ASSO_100_CHANCES = "Association 100 chances 100 emplois"
NQT_ASSO = "NQT"
CLUB_AUVERGNE = "Club des 1.000 entreprises citoyennes d'Auvergne"
FT_CLERMONT = "France Travail Clermont-Ferrand"
COLLEGE_CLERMONT = "Collège Albert Camus"
ML_HAUTE_GARONNE = "Mission locale Haute-Garonne"
FT_TOULOUSE = "France Travail Toulouse Bellefontaine"
HOTELS_HAUSSMANN = "Hôtels Haussmann Collection"
GARONNE_AERO = "Garonne Aéro Maintenance"
BATISSEURS_SO = "Bâtisseurs du Sud-Ouest"
DOMICILE_OCCITANIE = "Domicile Services Occitanie"
RHENANE = "Rhénane Électrique"


@dataclass
class PartenaireDemo:
    nom: str
    type: str
    commune: str  # INSEE code
    adresse: str
    email: str
    telephone: str = ""
    site_web: str = ""


PARTENAIRES = [
    PartenaireDemo(
        VILLE_PARIS,
        TP.COLLECTIVITE,
        "75104",
        "Hôtel de Ville, place de l'Hôtel de Ville",
        "emploi@ville-paris.demo.mentorat.fr",
    ),
    PartenaireDemo(
        ANDRH_IDF,
        TP.ASSOCIATION,
        "75108",
        "Groupe régional Île-de-France",
        "idf@andrh.demo.mentorat.fr",
    ),
    PartenaireDemo(
        ML_PARIS,
        TP.MISSION_LOCALE,
        "75119",
        "Site Paris 19e, avenue Jean Jaurès",
        "contact@missionlocale-paris.demo.mentorat.fr",
    ),
    PartenaireDemo(
        FT_PARIS_19,
        TP.FRANCE_TRAVAIL,
        "75119",
        "Rue de Crimée",
        "paris19@francetravail.demo.mentorat.fr",
    ),
    PartenaireDemo(
        FT_HAUTEPIERRE,
        TP.FRANCE_TRAVAIL,
        "67482",
        "Hautepierre, avenue Racine",
        "hautepierre@francetravail.demo.mentorat.fr",
    ),
    PartenaireDemo(
        ML_STRASBOURG,
        TP.MISSION_LOCALE,
        "67482",
        "Rue de Molsheim",
        "contact@mlpe-strasbourg.demo.mentorat.fr",
    ),
    PartenaireDemo(
        ASSO_100_CHANCES,
        TP.ASSOCIATION,
        "67482",
        "Antenne du Bas-Rhin",
        "alsace@100chances.demo.mentorat.fr",
    ),
    PartenaireDemo(
        NQT_ASSO, TP.ASSOCIATION, "75109", "Siège national", "mentorat@nqt.demo.mentorat.fr"
    ),
    PartenaireDemo(
        CLUB_AUVERGNE,
        TP.CLUB_ENTREPRISES,
        "63113",
        "Clermont-Ferrand",
        "contact@club1000-auvergne.demo.mentorat.fr",
    ),
    PartenaireDemo(
        FT_CLERMONT,
        TP.FRANCE_TRAVAIL,
        "63113",
        "Boulevard Gustave Flaubert",
        "clermont@francetravail.demo.mentorat.fr",
    ),
    PartenaireDemo(
        COLLEGE_CLERMONT,
        TP.ETABLISSEMENT_SCOLAIRE,
        "63113",
        "Quartier de la Croix-de-Neyrat (REP+)",
        "principal@college-camus-clermont.demo.mentorat.fr",
    ),
    PartenaireDemo(
        ML_HAUTE_GARONNE,
        TP.MISSION_LOCALE,
        "31555",
        "Antenne de Toulouse centre",
        "profession-emploi@ml31.demo.mentorat.fr",
    ),
    PartenaireDemo(
        FT_TOULOUSE,
        TP.FRANCE_TRAVAIL,
        "31555",
        "Quartier Bellefontaine",
        "bellefontaine@francetravail.demo.mentorat.fr",
    ),
    PartenaireDemo(
        HOTELS_HAUSSMANN,
        TP.ENTREPRISE,
        "75108",
        "Boulevard Haussmann",
        "rh@hotels-haussmann.demo.mentorat.fr",
    ),
    PartenaireDemo(
        RHENANE, TP.ENTREPRISE, "67482", "Port du Rhin", "rh@rhenane-electrique.demo.mentorat.fr"
    ),
    PartenaireDemo(
        GARONNE_AERO,
        TP.ENTREPRISE,
        "31555",
        "Zone aéroportuaire",
        "rh@garonne-aero.demo.mentorat.fr",
    ),
    PartenaireDemo(
        BATISSEURS_SO,
        TP.ENTREPRISE,
        "31555",
        "Zone d'activités de Montaudran",
        "contact@batisseurs-so.demo.mentorat.fr",
    ),
    PartenaireDemo(
        DOMICILE_OCCITANIE,
        TP.ENTREPRISE,
        "31555",
        "Quartier des Minimes",
        "recrutement@domicile-occitanie.demo.mentorat.fr",
    ),
]


@dataclass
class ConventionDemo:
    reference: str
    partenaire: str
    programmes: list[str]
    titre: str
    statut: str
    debut_mois: int  # months from today (negative: past)
    duree_mois: int
    objectifs: list[tuple[str, int, str]]
    plan_action: str
    engagements_partenaire: str
    engagements_ville: str
    signataires: list[str]
    modalites_suivi: str = (
        "Comité de suivi trimestriel réunissant le référent du partenaire et l'équipe du "
        "programme ; rapport mensuel des indicateurs disponible sur le portail partenaire ; "
        "bilan annuel présenté en comité de pilotage."
    )
    criteres_evaluation: str = (
        "Atteinte des objectifs chiffrés de la convention ; part des sorties positives (CDI, CDD "
        "ou intérim de six mois et plus, alternance, formation qualifiante) six mois après la fin "
        "du parrainage ; assiduité des binômes (rencontres tenues) ; satisfaction des "
        "participants."
    )
    extra: dict = field(default_factory=dict)


CONVENTIONS = [
    ConventionDemo(
        reference="CONV-75-ANDRH",
        partenaire=ANDRH_IDF,
        programmes=[PARIS],
        titre="Mobilisation de 1.000 DRH parrains pour l'emploi des Parisiens",
        statut=S.ACTIVE,
        debut_mois=-26,
        duree_mois=48,
        objectifs=[
            (IND.PARRAINS_APPORTES, 1000, P.CONVENTION),
            (IND.BINOMES_FORMES, 1000, P.CONVENTION),
            (IND.RENCONTRES_TENUES, 3000, P.ANNEE),
            (IND.SORTIES_POSITIVES_6_MOIS, 500, P.CONVENTION),
        ],
        plan_action=(
            "1. Campagne de mobilisation des adhérents de l'ANDRH Île-de-France (lettre, "
            "réunions de section).\n2. Réunions d'information trimestrielles à l'Hôtel de "
            "Ville.\n3. Formation des nouveaux parrains : posture, écoute, non-discrimination.\n"
            "4. Rencontres métiers et visites d'entreprises ouvertes à tous les binômes."
        ),
        engagements_partenaire=(
            "Mobiliser ses adhérents comme parrains et marraines ; co-animer les réunions "
            "d'information ; relayer les offres d'immersion des entreprises adhérentes."
        ),
        engagements_ville=(
            "Recruter et orienter les filleuls avec France Travail et la Mission locale ; "
            "proposer les binômes ; assurer le suivi et la mesure des résultats ; mettre à "
            "disposition des salles."
        ),
        signataires=[
            "Pour la Ville de Paris : l'adjointe à la Maire chargée de l'emploi",
            "Pour l'ANDRH Île-de-France : le président du groupe régional",
        ],
    ),
    ConventionDemo(
        reference="CONV-75-MLP",
        partenaire=ML_PARIS,
        programmes=[PARIS],
        titre="Orientation des jeunes suivis par la Mission locale de Paris",
        statut=S.ACTIVE,
        debut_mois=-14,
        duree_mois=24,
        objectifs=[
            (IND.FILLEULS_ORIENTES, 150, P.ANNEE),
            (IND.BINOMES_FORMES, 100, P.CONVENTION),
            (IND.SORTIES_POSITIVES_6_MOIS, 50, P.CONVENTION),
            (IND.PARTICIPATION, 120, P.ANNEE),
        ],
        plan_action=(
            "1. Présentation du programme aux conseillers des cinq sites parisiens.\n2. "
            "Prescription en ligne par les conseillers depuis le portail partenaire.\n3. Point "
            "mensuel entre les conseillers et l'équipe de la Ville sur les jeunes orientés."
        ),
        engagements_partenaire=(
            "Orienter des jeunes de 18 à 25 ans motivés ; rester le référent de leur parcours ; "
            "partager les sorties à six mois."
        ),
        engagements_ville=(
            "Proposer un parrain à chaque jeune retenu dans un délai d'un mois ; informer le "
            "conseiller des étapes du parrainage."
        ),
        signataires=[
            "Pour la Ville de Paris : la directrice de l'attractivité et de l'emploi",
            "Pour la Mission locale de Paris : le directeur général",
        ],
        # A convention with several parties: the agency refers people too, the HR network
        # co-signs.
        extra={"parties": [(FT_PARIS_19, "prescripteur"), (ANDRH_IDF, "co_signataire")]},
    ),
    ConventionDemo(
        reference="CONV-75-FT19",
        partenaire=FT_PARIS_19,
        programmes=[PARIS, NQT],
        titre="Prescription des demandeurs d'emploi du 19e arrondissement",
        statut=S.SIGNEE,
        debut_mois=0,
        duree_mois=12,
        objectifs=[
            (IND.FILLEULS_ORIENTES, 200, P.CONVENTION),
            (IND.BINOMES_FORMES, 100, P.CONVENTION),
            (IND.SORTIES_POSITIVES_6_MOIS, 40, P.CONVENTION),
        ],
        plan_action=(
            "1. Information collective mensuelle dans l'agence.\n2. Prescription par les "
            "conseillers.\n3. Suivi des parcours dans les entretiens réguliers."
        ),
        engagements_partenaire=(
            "Identifier les demandeurs d'emploi intéressés ; les informer du programme ; "
            "partager leur situation à la sortie."
        ),
        engagements_ville="Accueillir les personnes orientées et leur proposer un binôme.",
        signataires=[
            "Pour la Ville de Paris : la directrice de l'attractivité et de l'emploi",
            "Pour France Travail : la directrice de l'agence Paris 19e",
        ],
    ),
    ConventionDemo(
        reference="CONV-67-100CHANCES",
        partenaire=ASSO_100_CHANCES,
        programmes=[STRASBOURG],
        titre="Parcours 100 chances 100 emplois dans l'Eurométropole de Strasbourg",
        statut=S.ACTIVE,
        debut_mois=-22,
        duree_mois=36,
        objectifs=[
            (IND.FILLEULS_ORIENTES, 150, P.CONVENTION),
            (IND.BINOMES_FORMES, 100, P.CONVENTION),
            (IND.EVENEMENTS_ORGANISES, 4, P.ANNEE),
            (IND.SORTIES_POSITIVES_6_MOIS, 70, P.CONVENTION),
        ],
        plan_action=(
            "1. Deux semaines de mobilisation par an (printemps et automne).\n2. Ateliers de "
            "simulation d'entretien avec les managers des entreprises pilotes.\n3. Parcours "
            "d'insertion : entretiens avec des chefs d'entreprise, évaluations en situation de "
            "travail, intérim, stage court.\n4. Comité d'entreprises pilotes chaque trimestre."
        ),
        engagements_partenaire=(
            "Animer le réseau des entreprises pilotes ; organiser les semaines de mobilisation ; "
            "mettre à disposition la méthode et les outils du programme."
        ),
        engagements_ville=(
            "Coordonner les prescripteurs ; assurer le suivi des parcours et des sorties ; "
            "désigner un coordinateur pour la signature des chartes."
        ),
        signataires=[
            "Pour la collectivité : le vice-président chargé de l'emploi",
            "Pour l'association 100 chances 100 emplois : la déléguée territoriale",
            "Pour les entreprises pilotes : le président du comité d'entreprises",
        ],
    ),
    ConventionDemo(
        reference="CONV-67-MLPE",
        partenaire=ML_STRASBOURG,
        programmes=[STRASBOURG],
        titre="Prescription des jeunes des quartiers prioritaires de Strasbourg",
        statut=S.ACTIVE,
        debut_mois=-12,
        duree_mois=24,
        objectifs=[
            (IND.FILLEULS_ORIENTES, 60, P.ANNEE),
            (IND.PARTICIPATION, 50, P.ANNEE),
            (IND.SORTIES_POSITIVES_6_MOIS, 30, P.CONVENTION),
        ],
        plan_action=(
            "1. Repérage des jeunes dans les quartiers prioritaires.\n2. Préparation à la "
            "semaine de mobilisation.\n3. Accompagnement renforcé pendant le parcours."
        ),
        engagements_partenaire=(
            "Orienter des jeunes de 18 à 30 ans des QPV ; les préparer à la semaine de "
            "mobilisation ; rester leur référent."
        ),
        engagements_ville="Informer la Mission locale de chaque étape du parcours.",
        signataires=[
            "Pour la collectivité : le vice-président chargé de l'emploi",
            "Pour la Mission locale : la directrice",
        ],
    ),
    ConventionDemo(
        reference="CONV-67-FTH-1",
        partenaire=FT_HAUTEPIERRE,
        programmes=[STRASBOURG],
        titre="Prescription France Travail — première période",
        statut=S.TERMINEE,
        debut_mois=-22,
        duree_mois=12,
        objectifs=[(IND.FILLEULS_ORIENTES, 40, P.CONVENTION)],
        plan_action="Information collective et prescription par les conseillers de l'agence.",
        engagements_partenaire="Orienter des demandeurs d'emploi de 18 à 30 ans des QPV.",
        engagements_ville="Accueillir les candidats à la semaine de mobilisation.",
        signataires=[
            "Pour la collectivité : le vice-président chargé de l'emploi",
            "Pour France Travail : le directeur de l'agence de Hautepierre",
        ],
    ),
    ConventionDemo(
        reference="CONV-67-FTH-2",
        partenaire=FT_HAUTEPIERRE,
        programmes=[STRASBOURG],
        titre="Prescription France Travail — renouvellement",
        statut=S.BROUILLON,
        debut_mois=2,
        duree_mois=12,
        objectifs=[
            (IND.FILLEULS_ORIENTES, 50, P.CONVENTION),
            (IND.SORTIES_POSITIVES_6_MOIS, 20, P.CONVENTION),
        ],
        plan_action="Reconduction de la première période, avec deux informations collectives "
        "supplémentaires.",
        engagements_partenaire="Orienter des demandeurs d'emploi de 18 à 30 ans des QPV.",
        engagements_ville="Accueillir les candidats à la semaine de mobilisation.",
        signataires=[
            "Pour la collectivité : le vice-président chargé de l'emploi",
            "Pour France Travail : le directeur de l'agence de Hautepierre",
        ],
    ),
    ConventionDemo(
        reference="CONV-NQT-FT",
        partenaire=NQT_ASSO,
        programmes=[NQT],
        titre="1 jeune 1 mentor : mentorat des jeunes diplômés des quartiers prioritaires",
        statut=S.ACTIVE,
        debut_mois=-30,
        duree_mois=48,
        objectifs=[
            (IND.PARRAINS_APPORTES, 600, P.CONVENTION),
            (IND.BINOMES_FORMES, 2000, P.CONVENTION),
            (IND.EVENEMENTS_ORGANISES, 24, P.ANNEE),
            (IND.PARTICIPATION, 1500, P.ANNEE),
        ],
        plan_action=(
            "1. Recrutement de mentors dans les entreprises partenaires.\n2. Webinaires "
            "mensuels et réunions d'information dans les agences France Travail.\n3. Job "
            "datings et salons en ligne chaque trimestre."
        ),
        engagements_partenaire=(
            "Recruter et former les mentors ; valider les diplômes ; animer les webinaires."
        ),
        engagements_ville="Relayer le programme auprès des jeunes diplômés et mesurer les "
        "résultats locaux.",
        signataires=[
            "Pour NQT : la directrice générale",
            "Pour France Travail : le directeur régional",
        ],
    ),
    ConventionDemo(
        reference="CONV-63-CLUB",
        partenaire=CLUB_AUVERGNE,
        programmes=[AUVERGNE],
        titre="Convention diversité et inclusion du Club des 1.000 entreprises citoyennes",
        statut=S.ACTIVE,
        debut_mois=-20,
        duree_mois=36,
        objectifs=[
            (IND.PARRAINS_APPORTES, 150, P.CONVENTION),
            (IND.BINOMES_FORMES, 200, P.CONVENTION),
            (IND.EVENEMENTS_ORGANISES, 6, P.ANNEE),
            (IND.SORTIES_POSITIVES_6_MOIS, 60, P.CONVENTION),
        ],
        plan_action=(
            "1. Parrainage de demandeurs d'emploi de longue durée vers l'hôtellerie-"
            "restauration, l'industrie, la construction et les services à la personne.\n2. "
            "Parrainage d'élèves de 3e de collèges REP et REP+ pendant l'année scolaire, avec "
            "stage d'observation.\n3. Visites d'entreprises et job datings dans les secteurs en "
            "tension."
        ),
        engagements_partenaire=(
            "Mobiliser les entreprises adhérentes comme parraines ; accueillir des stages "
            "d'observation et des immersions ; participer aux job datings."
        ),
        engagements_ville=(
            "Avec France Travail : orienter les demandeurs d'emploi de longue durée et suivre "
            "les sorties."
        ),
        signataires=[
            "Pour le Club des 1.000 entreprises citoyennes d'Auvergne : la présidente",
            "Pour France Travail : la directrice territoriale du Puy-de-Dôme",
        ],
    ),
    ConventionDemo(
        reference="CONV-63-FT",
        partenaire=FT_CLERMONT,
        programmes=[AUVERGNE],
        titre="Orientation des demandeurs d'emploi de longue durée",
        statut=S.SIGNEE,
        debut_mois=-1,
        duree_mois=12,
        objectifs=[
            (IND.FILLEULS_ORIENTES, 120, P.CONVENTION),
            (IND.SORTIES_POSITIVES_6_MOIS, 40, P.CONVENTION),
        ],
        plan_action=(
            "Repérage des demandeurs d'emploi inscrits depuis plus de douze mois et intéressés "
            "par un secteur en tension ; information collective ; prescription."
        ),
        engagements_partenaire="Orienter et suivre les demandeurs d'emploi de longue durée.",
        engagements_ville="Proposer un parrain dans le secteur visé.",
        signataires=[
            "Pour le Club des 1.000 entreprises citoyennes d'Auvergne : la présidente",
            "Pour France Travail : le directeur de l'agence de Clermont-Ferrand",
        ],
    ),
    ConventionDemo(
        reference="CONV-63-COLLEGE",
        partenaire=COLLEGE_CLERMONT,
        programmes=[AUVERGNE],
        titre="Parrainage des élèves de 3e — année scolaire en cours",
        statut=S.ACTIVE,
        debut_mois=-8,
        duree_mois=10,
        objectifs=[
            (IND.FILLEULS_ORIENTES, 30, P.CONVENTION),
            (IND.BINOMES_FORMES, 30, P.CONVENTION),
            (IND.PARTICIPATION, 60, P.CONVENTION),
        ],
        plan_action=(
            "1. Présentation aux familles à la rentrée.\n2. Un parrain par élève volontaire "
            "pendant l'année.\n3. Stage d'observation de 3e dans une entreprise du Club."
        ),
        engagements_partenaire=(
            "Présenter le dispositif aux élèves et aux familles ; désigner un professeur "
            "référent ; faciliter les rencontres au collège."
        ),
        engagements_ville="Avec le Club : proposer un parrain et un lieu de stage à chaque élève.",
        signataires=[
            "Pour le collège : le principal",
            "Pour le Club des 1.000 entreprises citoyennes d'Auvergne : la présidente",
        ],
    ),
    ConventionDemo(
        reference="CONV-31-MLHG",
        partenaire=ML_HAUTE_GARONNE,
        programmes=[HAUTE_GARONNE],
        titre="Animation du réseau Profession-emploi",
        statut=S.ACTIVE,
        debut_mois=-24,
        duree_mois=36,
        objectifs=[
            (IND.FILLEULS_ORIENTES, 150, P.ANNEE),
            (IND.BINOMES_FORMES, 120, P.CONVENTION),
            (IND.EVENEMENTS_ORGANISES, 8, P.ANNEE),
            (IND.PARTICIPATION, 300, P.ANNEE),
            (IND.RENCONTRES_TENUES, 80, P.TRIMESTRE),
        ],
        plan_action=(
            "1. Un animateur à temps plein coordonne le réseau.\n2. Une table ronde par mois "
            "sur un métier porteur.\n3. Visites d'entreprises du réseau.\n4. Parrainage des "
            "jeunes qui le souhaitent."
        ),
        engagements_partenaire=(
            "Animer le réseau ; orienter les jeunes ; organiser tables rondes et visites."
        ),
        engagements_ville="Financer l'animation du réseau et mettre à disposition des salles.",
        signataires=[
            "Pour la collectivité : la conseillère déléguée à l'insertion",
            "Pour la Mission locale Haute-Garonne : le président",
        ],
    ),
    ConventionDemo(
        reference="CONV-31-FT",
        partenaire=FT_TOULOUSE,
        programmes=[HAUTE_GARONNE],
        titre="Prescripteur du réseau Profession-emploi",
        statut=S.ACTIVE,
        debut_mois=-10,
        duree_mois=24,
        objectifs=[(IND.FILLEULS_ORIENTES, 60, P.ANNEE)],
        plan_action="Orientation des jeunes inscrits vers les tables rondes du réseau.",
        engagements_partenaire="Relayer les tables rondes et orienter les jeunes inscrits.",
        engagements_ville="Informer l'agence des événements du réseau.",
        signataires=[
            "Pour la Mission locale Haute-Garonne : le président",
            "Pour France Travail : la directrice de l'agence Bellefontaine",
        ],
    ),
    ConventionDemo(
        reference="CONV-31-AERO",
        partenaire=GARONNE_AERO,
        programmes=[HAUTE_GARONNE],
        titre="Partenariat entreprise : métiers de la maintenance aéronautique",
        statut=S.SIGNEE,
        debut_mois=0,
        duree_mois=24,
        objectifs=[
            (IND.PARRAINS_APPORTES, 10, P.CONVENTION),
            (IND.EVENEMENTS_ORGANISES, 2, P.ANNEE),
        ],
        plan_action=(
            "1. Deux visites d'atelier par an.\n2. Participation à la table ronde "
            "aéronautique.\n3. Dix salariés volontaires comme parrains."
        ),
        engagements_partenaire=(
            "Ouvrir ses ateliers aux visites ; libérer du temps pour ses salariés parrains ; "
            "informer le réseau de ses recrutements."
        ),
        engagements_ville="Présenter des jeunes motivés et préparés aux visites.",
        signataires=[
            "Pour Garonne Aéro Maintenance : la directrice des ressources humaines",
            "Pour la Mission locale Haute-Garonne : le président",
        ],
    ),
    ConventionDemo(
        reference="CONV-31-BTP",
        partenaire=BATISSEURS_SO,
        programmes=[HAUTE_GARONNE],
        titre="Partenariat entreprise : les métiers du bâtiment",
        statut=S.BROUILLON,
        debut_mois=1,
        duree_mois=24,
        objectifs=[
            (IND.PARRAINS_APPORTES, 5, P.CONVENTION),
            (IND.EVENEMENTS_ORGANISES, 1, P.ANNEE),
        ],
        plan_action="Visite de chantier et table ronde sur les métiers du bâtiment (à valider).",
        engagements_partenaire="Accueillir une visite de chantier par an.",
        engagements_ville="Organiser la table ronde.",
        signataires=["Pour Bâtisseurs du Sud-Ouest : le gérant"],
    ),
    ConventionDemo(
        reference="CONV-31-DOMICILE",
        partenaire=DOMICILE_OCCITANIE,
        programmes=[HAUTE_GARONNE],
        titre="Partenariat entreprise : aide à domicile — première année",
        statut=S.TERMINEE,
        debut_mois=-24,
        duree_mois=12,
        objectifs=[
            (IND.PARRAINS_APPORTES, 4, P.CONVENTION),
            (IND.PARTICIPATION, 40, P.CONVENTION),
        ],
        plan_action="Rencontre métiers et immersions courtes auprès des équipes d'intervention.",
        engagements_partenaire="Présenter les métiers de l'aide à domicile.",
        engagements_ville="Orienter des jeunes intéressés.",
        signataires=[
            "Pour Domicile Services Occitanie : la directrice",
            "Pour la Mission locale Haute-Garonne : le président",
        ],
    ),
    ConventionDemo(
        reference="CONV-75-HOTELS",
        partenaire=HOTELS_HAUSSMANN,
        programmes=[PARIS],
        titre="Immersions dans les métiers de l'hôtellerie",
        statut=S.ACTIVE,
        debut_mois=-9,
        duree_mois=12,
        objectifs=[
            (IND.PARRAINS_APPORTES, 15, P.CONVENTION),
            (IND.EVENEMENTS_ORGANISES, 3, P.CONVENTION),
        ],
        plan_action="Quinze parrains volontaires, trois visites d'hôtels, immersions de deux "
        "semaines.",
        engagements_partenaire="Accueillir des filleuls en immersion dans ses établissements.",
        engagements_ville="Préparer les filleuls et assurer le lien avec les tuteurs.",
        signataires=[
            "Pour la Ville de Paris : la directrice de l'attractivité et de l'emploi",
            "Pour Hôtels Haussmann Collection : le directeur des ressources humaines",
        ],
    ),
    ConventionDemo(
        reference="CONV-67-RHENANE",
        partenaire=RHENANE,
        programmes=[STRASBOURG],
        titre="Entreprise pilote : semaines de mobilisation",
        statut=S.TERMINEE,
        debut_mois=-22,
        duree_mois=12,
        objectifs=[
            (IND.EVENEMENTS_ORGANISES, 2, P.CONVENTION),
            (IND.PARRAINS_APPORTES, 8, P.CONVENTION),
        ],
        plan_action="Accueil de deux semaines de mobilisation dans le centre de formation.",
        engagements_partenaire="Mettre à disposition son centre de formation et des managers.",
        engagements_ville="Organiser la prescription et la logistique des semaines.",
        signataires=[
            "Pour Rhénane Électrique : le directeur de site",
            "Pour l'association 100 chances 100 emplois : la déléguée territoriale",
        ],
    ),
]


@dataclass
class MembreDemo:
    email: str
    prenom: str
    nom: str
    partenaire: str
    role: str = Membre.Role.CONSEILLER


# The demo partner login comes first.
MEMBRES = [
    MembreDemo("partenaire@demo.mentorat.fr", "Sophie", "Durand", ML_PARIS, Membre.Role.REFERENT),
    MembreDemo("karim.haddad@demo.mentorat.fr", "Karim", "Haddad", ML_PARIS),
    MembreDemo("amelie.roussel@demo.mentorat.fr", "Amélie", "Roussel", FT_PARIS_19),
    MembreDemo(
        "laurent.vidal@demo.mentorat.fr", "Laurent", "Vidal", ANDRH_IDF, Membre.Role.REFERENT
    ),
    MembreDemo("claire.schmitt@demo.mentorat.fr", "Claire", "Schmitt", ML_STRASBOURG),
    MembreDemo("mehdi.belkacem@demo.mentorat.fr", "Mehdi", "Belkacem", FT_HAUTEPIERRE),
    MembreDemo(
        "anne.muller@demo.mentorat.fr", "Anne", "Muller", ASSO_100_CHANCES, Membre.Role.REFERENT
    ),
    MembreDemo("fatou.diallo@demo.mentorat.fr", "Fatou", "Diallo", NQT_ASSO, Membre.Role.REFERENT),
    MembreDemo(
        "helene.chabrier@demo.mentorat.fr",
        "Hélène",
        "Chabrier",
        CLUB_AUVERGNE,
        Membre.Role.REFERENT,
    ),
    MembreDemo("julien.fayolle@demo.mentorat.fr", "Julien", "Fayolle", FT_CLERMONT),
    MembreDemo(
        "martine.vernet@demo.mentorat.fr",
        "Martine",
        "Vernet",
        COLLEGE_CLERMONT,
        Membre.Role.LECTEUR,
    ),
    MembreDemo("nicolas.pujol@demo.mentorat.fr", "Nicolas", "Pujol", ML_HAUTE_GARONNE),
    MembreDemo("sandrine.escudier@demo.mentorat.fr", "Sandrine", "Escudier", FT_TOULOUSE),
]


# Mentors a partner brought: HR networks and clubs bring their programme's mentors, companies
# their own employees (``ParrainApporte``, what the "parrains apportés" indicator counts).
RESEAUX_DE_PARRAINS = {ANDRH_IDF: PARIS, CLUB_AUVERGNE: AUVERGNE, NQT_ASSO: NQT}
ENTREPRISES_PARTENAIRES = [
    HOTELS_HAUSSMANN,
    RHENANE,
    GARONNE_AERO,
    BATISSEURS_SO,
    DOMICILE_OCCITANIE,
]
# The demo partner's convention gets a report of the last full month.
CONVENTION_RAPPORT = "CONV-75-MLP"


def rattacher_parrains(partenaires) -> None:
    """Link each partner to the mentors it brought (idempotent)."""
    from parrainages.models import Parrain
    from partenaires.models import ParrainApporte

    liens = []
    for nom, slug in RESEAUX_DE_PARRAINS.items():
        for parrain_id in Parrain.objects.filter(programmes__slug=slug).values_list(
            "pk", flat=True
        ):
            liens.append(ParrainApporte(partenaire=partenaires[nom], parrain_id=parrain_id))
    for nom in ENTREPRISES_PARTENAIRES:
        for parrain_id in Parrain.objects.filter(entreprise=nom).values_list("pk", flat=True):
            liens.append(ParrainApporte(partenaire=partenaires[nom], parrain_id=parrain_id))
    ParrainApporte.objects.bulk_create(liens, ignore_conflicts=True)


def produire_rapport_demo(gestionnaire) -> None:
    """A report of the demo partner's convention for the last full month, requested by the
    demo staff member and produced at once (about a second), the first time only."""
    from django.utils import timezone

    from partenaires.models import Rapport
    from partenaires.services import mois_precedent, rapport_demander

    convention = Convention.objects.get(reference=CONVENTION_RAPPORT)
    debut, fin = mois_precedent(timezone.localdate())
    if not Rapport.objects.filter(convention=convention, periode_debut=debut).exists():
        rapport_demander(
            convention=convention, debut=debut, fin=fin, par=gestionnaire, sur_le_champ=True
        )
