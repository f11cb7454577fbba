"""Names, companies and job titles for the demo population (invented, French-sounding)."""

# fmt: off
PRENOMS_FEMININS_PARRAINS = [
    "Nathalie", "Isabelle", "Sylvie", "Catherine", "Valérie", "Sandrine", "Stéphanie", "Céline",
    "Karine", "Sophie", "Christine", "Véronique", "Florence", "Laurence", "Hélène", "Anne",
    "Aurélie", "Émilie", "Julie", "Caroline", "Samia", "Nadia", "Malika", "Farida", "Delphine",
    "Virginie", "Agnès", "Corinne", "Claire", "Marion", "Élodie", "Audrey", "Myriam", "Leïla",
    "Hanane", "Fatima", "Mélanie", "Béatrice", "Pascale", "Chantal", "Mireille", "Soizic",
]

PRENOMS_MASCULINS_PARRAINS = [
    "Philippe", "Christophe", "Stéphane", "Laurent", "Olivier", "Thierry", "Frédéric",
    "Nicolas", "Sébastien", "Pierre", "Éric", "Jérôme", "David", "Vincent", "Julien", "Karim",
    "Rachid", "Mourad", "Franck", "Patrick", "Didier", "Bruno", "Pascal", "Arnaud", "Fabrice",
    "Guillaume", "Cédric", "Jean-Marc", "Jean-Luc", "Hervé", "Samir", "Mohamed", "Abdel",
    "Mamadou", "François", "Benoît", "Xavier", "Alain", "Gilles", "Antoine", "Yann", "Loïc",
]

PRENOMS_FEMININS_FILLEULS = [
    "Lina", "Inès", "Sarah", "Camille", "Léa", "Manon", "Emma", "Chloé", "Jade", "Louise",
    "Fatoumata", "Aïcha", "Mariam", "Aminata", "Kenza", "Yasmine", "Nour", "Sofia", "Maëlys",
    "Océane", "Anaïs", "Clara", "Lou", "Rania", "Imane", "Salma", "Assia", "Melissa", "Laura",
    "Marine", "Justine", "Pauline", "Amandine", "Kadiatou", "Awa", "Hawa", "Naïma", "Samira",
    "Dounia", "Lisa", "Eva", "Zoé", "Alicia", "Jessica", "Morgane", "Ophélie", "Thi Lan", "Mei",
    "Ana", "Beatriz", "Elif", "Zeynep", "Nadia", "Khadija", "Sabrina", "Leïla", "Célia",
]

PRENOMS_MASCULINS_FILLEULS = [
    "Yanis", "Rayan", "Mohamed", "Adam", "Lucas", "Hugo", "Théo", "Nathan", "Enzo", "Mathis",
    "Kylian", "Ibrahima", "Moussa", "Ilyes", "Bilal", "Sofiane", "Mehdi", "Wassim", "Amine",
    "Nassim", "Ismaël", "Youssef", "Hamza", "Samy", "Ayoub", "Anis", "Maxime", "Thomas",
    "Alexandre", "Kévin", "Jordan", "Dylan", "Quentin", "Romain", "Florian", "Valentin",
    "Mamadou", "Seydou", "Oumar", "Boubacar", "Cheick", "Diego", "Rafael", "Tiago", "Emre",
    "Baptiste", "Louis", "Gabriel", "Noah", "Malik", "Karim", "Walid", "Idriss", "Van Minh",
    "Kevin", "Jonathan", "Steven", "Axel", "Killian",
]

NOMS = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont",
    "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier", "Faure", "Rousseau",
    "Blanc", "Guérin", "Muller", "Henry", "Roussel", "Nicolas", "Perrin", "Morin", "Mathieu",
    "Clément", "Gauthier", "Dumont", "Lopez", "Fontaine", "Chevalier", "Robin", "Masson",
    "Sanchez", "Gérard", "Nguyen", "Boyer", "Denis", "Lemaire", "Duval", "Joly", "Gautier",
    "Roger", "Roche", "Roy", "Noël", "Meyer", "Lucas", "Meunier", "Jean", "Perez", "Marchand",
    "Dufour", "Blanchard", "Barbier", "Brun", "Dumas", "Brunet", "Schmitt", "Leroux", "Colin",
    "Fernandez", "Benali", "Haddad", "Belkacem", "Bouzid", "Cherif", "Mansouri", "Amrani",
    "Benchekroun", "Kaci", "Saidi", "Ait Ahmed", "Zerrouki", "Diallo", "Traoré", "Coulibaly",
    "Diarra", "Konaté", "Camara", "Keïta", "Sissoko", "Ndiaye", "Sow", "Ba", "Mbaye", "Kouadio",
    "Yao", "Mendy", "Gomis", "Da Silva", "Pereira", "Rodrigues", "Ferreira", "Oliveira",
    "Teixeira", "Tran", "Pham", "Le", "Vo", "Chen", "Wang", "Yilmaz", "Kaya", "Demir", "Öztürk",
    "Kowalski", "Nowak", "Rossi", "Bianchi", "Weber", "Hoffmann", "Klein", "Wagner",
    "Schneider", "Bauer", "Hamon", "Le Gall", "Le Goff", "Kerjean", "Peyrot", "Castaing",
    "Lacombe", "Delpech", "Fabre", "Escudier", "Chassaing", "Vidal", "Pujol", "Soulier",
    "Fayolle", "Chabrier", "Bournazel", "Vernet", "Chaput", "Couderc",
]
# fmt: on

# (masculine, feminine) job titles.
FONCTIONS_RH = [
    ("Directeur des ressources humaines", "Directrice des ressources humaines"),
    ("DRH groupe", "DRH groupe"),
    ("Responsable du recrutement", "Responsable du recrutement"),
    ("Responsable des ressources humaines", "Responsable des ressources humaines"),
    ("Directeur des relations sociales", "Directrice des relations sociales"),
    ("Chargé de développement RH", "Chargée de développement RH"),
    ("Responsable talent acquisition", "Responsable talent acquisition"),
    ("Responsable emploi et compétences", "Responsable emploi et compétences"),
    ("Directeur du développement RH", "Directrice du développement RH"),
]

FONCTIONS_MANAGERS = [
    ("Directeur d'agence", "Directrice d'agence"),
    ("Chef d'atelier", "Cheffe d'atelier"),
    ("Responsable d'exploitation", "Responsable d'exploitation"),
    ("Manager d'équipe", "Manageuse d'équipe"),
    ("Ingénieur d'études", "Ingénieure d'études"),
    ("Chef de chantier", "Cheffe de chantier"),
    ("Directeur de site", "Directrice de site"),
    ("Responsable de secteur", "Responsable de secteur"),
    ("Chef de projet", "Cheffe de projet"),
    ("Responsable commercial", "Responsable commerciale"),
    ("Directeur administratif et financier", "Directrice administrative et financière"),
    ("Responsable qualité", "Responsable qualité"),
    ("Chargé de recrutement", "Chargée de recrutement"),
    ("Responsable des ressources humaines", "Responsable des ressources humaines"),
]

# Companies by territory: (name, ROME "grand domaine" code). All invented.
ENTREPRISES = {
    "paris": [
        ("Groupe Lutèce Services", "M"),
        ("Seine Logistique", "N"),
        ("Banque des Ternes", "C"),
        ("Hôtels Haussmann Collection", "G"),
        ("Clinique des Buttes-Chaumont", "J"),
        ("Bâtiparis Rénovation", "F"),
        ("Maison Vaugirard Distribution", "D"),
        ("Agence Canal Saint-Martin Communication", "E"),
        ("Nation Facility Services", "K"),
        ("Assurances Rive Gauche", "C"),
        ("Bercy Numérique", "M"),
        ("Ateliers de Belleville", "B"),
        ("Restaurants du Faubourg", "G"),
        ("Montparnasse Conseil RH", "M"),
        ("Transports Urbains Parisiens Services", "N"),
        ("Opéra Retail Group", "D"),
        ("Maintenance Technique Île-de-France", "I"),
        ("Théâtre et Spectacles du Marais", "L"),
    ],
    "strasbourg": [
        ("Rhénane Électrique", "H"),
        ("Transports de l'Ill", "N"),
        ("Crédit Rhénan", "C"),
        ("Hôtel de la Petite France", "G"),
        ("Alsace Bâtiment Services", "F"),
        ("Hôpital privé de la Robertsau", "J"),
        ("Kléber Distribution", "D"),
        ("Neudorf Maintenance Industrielle", "I"),
        ("Eurométropole Propreté", "K"),
        ("Port du Rhin Logistique", "N"),
        ("Brasserie de la Krutenau", "G"),
    ],
    "national": [
        ("Groupe Horizon Conseil", "M"),
        ("Banque Nationale d'Épargne", "C"),
        ("Société Française d'Ingénierie", "H"),
        ("Assurances Mutuelles de France", "C"),
        ("Cabinet d'audit Lumière", "M"),
        ("Réseau Santé Avenir", "J"),
        ("Datasphère", "E"),
        ("Énergies Nouvelles de France", "H"),
        ("Transports Express Hexagone", "N"),
        ("Grande Distribution Moderne", "D"),
        ("Agence Média Horizon", "E"),
    ],
    "auvergne": [
        ("Volcans Industrie", "H"),
        ("Pneumatiques du Massif central", "H"),
        ("Hôtellerie des Dômes", "G"),
        ("Bâtir en Auvergne", "F"),
        ("Domicile Auvergne Services", "K"),
        ("Fromageries du Cantal", "H"),
        ("Thermes et Tourisme d'Auvergne", "G"),
        ("Menuiseries du Velay", "F"),
        ("Aide à domicile Bourbonnais", "K"),
        ("Transports Allier Logistique", "N"),
    ],
    "toulouse": [
        ("Garonne Aéro Maintenance", "I"),
        ("Bâtisseurs du Sud-Ouest", "F"),
        ("Occitanie Numérique", "M"),
        ("Clinique des Minimes", "J"),
        ("Capitole Restauration", "G"),
        ("Domicile Services Occitanie", "K"),
        ("Toulouse Logistique Express", "N"),
        ("Aérostructures du Lauragais", "H"),
        ("Banque du Midi Toulousain", "C"),
        ("Commerce Saint-Cyprien", "D"),
    ],
}

BIOS_PARRAIN = [
    "{fonction} chez {entreprise} depuis {annees} ans, je recrute chaque année et je sais ce "
    "qu'un recruteur attend. J'aide à préparer les entretiens et à cibler les bonnes entreprises.",
    "Après {annees} ans dans mon secteur, je souhaite transmettre : relire un CV, ouvrir mon "
    "carnet d'adresses, donner confiance avant un entretien.",
    "{fonction} chez {entreprise}. J'ai moi-même changé de métier : je connais les doutes d'une "
    "recherche d'emploi et je veux aider à les lever.",
    "J'accompagne des personnes en recherche d'emploi depuis plusieurs années. Disponible pour "
    "des simulations d'entretien, des conseils de formation et des mises en relation.",
    "{annees} ans d'expérience, dont plusieurs en encadrement d'équipe. Je propose d'ouvrir les "
    "portes de {entreprise} : visite, immersion, rencontres avec les équipes.",
]
