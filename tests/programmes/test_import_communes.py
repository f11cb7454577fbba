import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from programmes.communes import importer_communes, nom_lisible
from programmes.models import Commune
from tests.programmes.factories import CommuneFactory

ECHANTILLON = (
    Path(__file__).resolve().parents[2] / "programmes" / "data" / "communes_echantillon.csv"
)

ENTETE_LAPOSTE = (
    "#Code_commune_INSEE;Nom_de_la_commune;Code_postal;Libellé_d_acheminement;Ligne_5;"
    "coordonnees_gps\n"
)
ENTETE_DATAGOUV = (
    "code_commune_INSEE,nom_commune_postal,code_postal,libelle_acheminement,ligne_5,latitude,"
    "longitude,code_commune,article,nom_commune,nom_commune_complet,code_departement,"
    "nom_departement,code_region,nom_region\n"
)


def importer(chemin, *options):
    sortie = io.StringIO()
    call_command("import_communes", str(chemin), *options, stdout=sortie)
    return sortie.getvalue()


def ecrire(tmp_path, contenu, encodage="utf-8", nom="communes.csv"):
    chemin = tmp_path / nom
    chemin.write_bytes(contenu.encode(encodage))
    return chemin


def contenu_echantillon():
    with ECHANTILLON.open(encoding="utf-8", newline="") as fichier:
        lignes = list(csv.DictReader(fichier))
    return lignes, {ligne["code_commune_INSEE"] for ligne in lignes}


@pytest.mark.django_db
def test_l_echantillon_livre_s_importe_avec_toutes_ses_communes():
    lignes, codes = contenu_echantillon()
    assert len(codes) >= 90

    sortie = importer(ECHANTILLON)

    assert Commune.objects.count() == len(codes)
    assert f"{len(codes)} communes importées ({len(codes)} créées, 0 mises à jour)" in sortie
    assert f"{len(lignes)} lignes lues" in sortie
    assert "communes-departement-region" in sortie

    toulouse = Commune.objects.get(code_insee="31555")
    assert (toulouse.nom, toulouse.departement, toulouse.code_postal) == ("Toulouse", "31", "31000")
    assert toulouse.codes_postaux == "31000 31100 31200 31300 31400 31500"
    assert toulouse.latitude == pytest.approx(43.596, abs=1e-3)
    assert toulouse.longitude == pytest.approx(1.432, abs=1e-3)

    paris_16 = Commune.objects.get(code_insee="75116")
    assert (paris_16.code_postal, paris_16.codes_postaux) == ("75016", "75016 75116")
    assert Commune.objects.filter(departement="75").count() == 20

    strasbourg = Commune.objects.get(code_insee="67482")
    assert strasbourg.codes_postaux == "67000 67100 67200"
    assert Commune.objects.get(code_insee="31561").nom == "L'Union"
    assert Commune.objects.get(code_insee="03185").departement == "03"
    assert not Commune.objects.filter(latitude__isnull=True).exists()


@pytest.mark.django_db
def test_importer_deux_fois_garde_les_memes_communes_et_met_les_noms_a_jour(tmp_path):
    _, codes = contenu_echantillon()
    importer(ECHANTILLON)
    Commune.objects.filter(code_insee="63113").update(nom="Nom périmé", codes_postaux="63000")

    sortie = importer(ECHANTILLON)

    assert Commune.objects.count() == len(codes)
    assert f"(0 créées, {len(codes)} mises à jour)" in sortie
    clermont = Commune.objects.get(code_insee="63113")
    assert (clermont.nom, clermont.codes_postaux) == ("Clermont-Ferrand", "63000 63100")

    renomme = ecrire(
        tmp_path,
        ENTETE_DATAGOUV + "93070,ST OUEN SUR SEINE,93400,ST OUEN SUR SEINE,,48.9098,2.3326,"
        "70,,Saint-Ouen-sur-Seine,Saint-Ouen-sur-Seine,93,Seine-Saint-Denis,11,Île-de-France\n",
    )
    sortie = importer(renomme)

    assert "1 communes importées (0 créées, 1 mises à jour)" in sortie
    assert Commune.objects.get(code_insee="93070").nom == "Saint-Ouen-sur-Seine"
    assert Commune.objects.count() == len(codes)


@pytest.mark.django_db
def test_l_import_par_lots_donne_le_meme_resultat_que_d_un_bloc():
    _, codes = contenu_echantillon()

    rapport = importer_communes(chemin_ou_fichier=ECHANTILLON, taille_lot=7)

    assert (rapport.communes, rapport.creees, rapport.mises_a_jour) == (len(codes), len(codes), 0)
    assert Commune.objects.count() == len(codes)
    assert Commune.objects.get(code_insee="13055").codes_postaux.split()[-1] == "13016"


@pytest.mark.django_db
def test_format_la_poste_avec_coordonnees(tmp_path):
    fichier = ecrire(
        tmp_path,
        ENTETE_LAPOSTE
        + "63113;CLERMONT FERRAND;63100;CLERMONT FERRAND;;45.7856492991,3.11554542903\n"
        "63113;CLERMONT FERRAND;63000;CLERMONT FERRAND;;45.7856492991,3.11554542903\n"
        "93066;ST DENIS;93210;ST DENIS;LA PLAINE ST DENIS;48.9295650455,2.3592429975\n"
        "93066;ST DENIS;93200;ST DENIS;;48.9295650455,2.3592429975\n"
        "75101;PARIS 01;75001;PARIS;;48.8626304852,2.33629344655\n"
        "94240;L HAY LES ROSES;94240;L HAY LES ROSES;;\n",
    )

    sortie = importer(fichier)

    assert "4 communes importées (4 créées, 0 mises à jour), 6 lignes lues" in sortie
    assert "La Poste" in sortie
    clermont = Commune.objects.get(code_insee="63113")
    assert (clermont.nom, clermont.code_postal, clermont.codes_postaux) == (
        "Clermont Ferrand",
        "63000",
        "63000 63100",
    )
    assert clermont.departement == "63"
    assert (clermont.latitude, clermont.longitude) == pytest.approx((45.78565, 3.11555), abs=1e-5)
    saint_denis = Commune.objects.get(code_insee="93066")
    assert (saint_denis.nom, saint_denis.codes_postaux) == ("Saint Denis", "93200 93210")
    assert Commune.objects.get(code_insee="75101").nom == "Paris 01"
    hay = Commune.objects.get(code_insee="94240")
    assert (hay.nom, hay.latitude, hay.longitude) == ("L'Hay les Roses", None, None)


@pytest.mark.django_db
def test_format_la_poste_en_latin_1_est_detecte(tmp_path):
    fichier = ecrire(
        tmp_path,
        ENTETE_LAPOSTE + "15014;AURILLAC;15000;AURILLAC;BELLEVUE ÉLYSÉE;44.9245,2.4416\n",
        encodage="latin-1",
    )

    sortie = importer(fichier)

    assert "encodage cp1252" in sortie
    aurillac = Commune.objects.get(code_insee="15014")
    assert (aurillac.nom, aurillac.code_postal, aurillac.departement) == ("Aurillac", "15000", "15")


@pytest.mark.django_db
def test_l_option_encoding_force_l_encodage(tmp_path):
    fichier = ecrire(
        tmp_path,
        ENTETE_LAPOSTE + "15014;AURILLAC;15000;AURILLAC;;44.9245,2.4416\n",
        encodage="latin-1",
    )

    assert "encodage latin-1" in importer(fichier, "--encoding", "latin-1")

    with pytest.raises(CommandError, match="ne peut pas être lu avec l'encodage « utf-8 »"):
        importer(fichier, "--encoding", "utf-8")


@pytest.mark.django_db
def test_edition_recente_de_la_poste_sans_coordonnees_en_minuscules(tmp_path):
    fichier = ecrire(
        tmp_path,
        "code_commune_insee;nom_de_la_commune;code_postal;libelle_d_acheminement;ligne_5\n"
        "43157;LE PUY EN VELAY;43000;LE PUY EN VELAY;\n",
    )

    importer(fichier)

    le_puy = Commune.objects.get(code_insee="43157")
    assert (le_puy.nom, le_puy.latitude, le_puy.departement) == ("Le Puy en Velay", None, "43")


@pytest.mark.django_db
def test_deux_lignes_invalides_n_importent_rien_et_sont_toutes_signalees(tmp_path):
    existante = CommuneFactory(code_insee="75101", nom="Paris 01", code_postal="75001")
    fichier = ecrire(
        tmp_path,
        ENTETE_LAPOSTE + "75101;PARIS 01;75001;PARIS;;48.8626,2.3363\n"
        "75102;PARIS 02;7500;PARIS;;48.8679,2.3441\n"
        "75103;PARIS 03;75003;PARIS;;48.8631,2.3594\n"
        "75104;PARIS 04;75004;PARIS;;95.2,2.3574\n",
    )

    with pytest.raises(CommandError) as erreur:
        importer(fichier)

    message = str(erreur.value)
    assert "Import annulé : 2 erreur(s), aucune commune n'a été enregistrée." in message
    assert "Ligne 3 : code postal « 7500 » invalide (5 chiffres attendus)." in message
    assert "Ligne 5 : latitude « 95.2 » hors limites (entre -90 et 90)." in message
    assert "Ligne 2" not in message and "Ligne 4" not in message
    assert list(Commune.objects.values_list("code_insee", flat=True)) == ["75101"]
    existante.refresh_from_db()
    assert existante.latitude == 48.8566  # untouched: the valid rows were not written either


@pytest.mark.django_db
def test_une_ligne_peut_cumuler_plusieurs_erreurs(tmp_path):
    fichier = ecrire(
        tmp_path,
        ENTETE_DATAGOUV + "7510X,,ABCDE,,,48.8,,1,,,,75,Paris,11,Île-de-France\n",
    )

    with pytest.raises(CommandError) as erreur:
        importer(fichier)

    message = str(erreur.value)
    assert "Ligne 2 : code INSEE « 7510X » invalide" in message
    assert "Ligne 2 : code postal « ABCDE » invalide (5 chiffres attendus)." in message
    assert "Ligne 2 : nom de la commune manquant." in message
    assert "Ligne 2 : coordonnées incomplètes" in message
    assert not Commune.objects.exists()


@pytest.mark.django_db
def test_une_en_tete_inconnue_est_refusee_en_citant_les_en_tetes_attendues(tmp_path):
    fichier = ecrire(tmp_path, "insee,ville,cp\n75101,Paris,75001\n")

    with pytest.raises(CommandError) as erreur:
        importer(fichier)

    message = str(erreur.value)
    assert "Format de fichier non reconnu." in message
    assert "En-têtes lus : « insee », « ville », « cp »." in message
    assert "#Code_commune_INSEE;Nom_de_la_commune;Code_postal" in message
    assert "code_commune_INSEE,nom_commune_postal,code_postal" in message
    assert not Commune.objects.exists()


@pytest.mark.django_db
def test_un_fichier_introuvable_est_signale(tmp_path):
    absent = tmp_path / "absent.csv"

    with pytest.raises(CommandError, match="Fichier introuvable : « .*absent.csv »"):
        importer(absent)


@pytest.mark.django_db
def test_un_fichier_vide_est_signale(tmp_path):
    with pytest.raises(CommandError, match="Le fichier est vide"):
        importer(ecrire(tmp_path, ""))


@pytest.mark.django_db
def test_les_communes_corses_ont_leur_departement_2a_ou_2b(tmp_path):
    fichier = ecrire(
        tmp_path,
        ENTETE_LAPOSTE + "2A004;AJACCIO;20000;AJACCIO;;41.9272,8.7376\n"
        "2A004;AJACCIO;20090;AJACCIO;;41.9272,8.7376\n"
        "2b033;BASTIA;20200;BASTIA;;42.6977,9.4508\n",
    )

    importer(fichier)

    ajaccio = Commune.objects.get(code_insee="2A004")
    assert (ajaccio.departement, ajaccio.codes_postaux) == ("2A", "20000 20090")
    assert Commune.objects.get(code_insee="2B033").departement == "2B"


@pytest.mark.django_db
def test_les_zeros_initiaux_perdus_par_un_tableur_sont_retablis(tmp_path):
    fichier = ecrire(
        tmp_path,
        ENTETE_DATAGOUV + "1053,BOURG EN BRESSE,1000,BOURG EN BRESSE,,46.2052,5.2460,53,,"
        "Bourg-en-Bresse,Bourg-en-Bresse,1,Ain,84,Auvergne-Rhône-Alpes\n",
    )

    importer(fichier)

    bourg = Commune.objects.get(code_insee="01053")
    assert (bourg.code_postal, bourg.departement, bourg.nom) == ("01000", "01", "Bourg-en-Bresse")


@pytest.mark.django_db
def test_l_echantillon_s_importe_sur_postgresql(postgres):
    _, codes = contenu_echantillon()

    importer(ECHANTILLON)
    importer(ECHANTILLON)

    assert Commune.objects.count() == len(codes)


@pytest.mark.parametrize(
    ("nom", "lisible"),
    [
        ("CLERMONT FERRAND", "Clermont Ferrand"),
        ("PARIS 1ER ARRONDISSEMENT", "Paris 1er Arrondissement"),
        ("ST ORENS DE GAMEVILLE", "Saint Orens de Gameville"),
        ("VILLE D AVRAY", "Ville d'Avray"),
        ("LA ROCHE SUR YON", "La Roche sur Yon"),
        ("Clermont-Ferrand", "Clermont-Ferrand"),
    ],
)
def test_les_noms_en_majuscules_de_la_poste_deviennent_lisibles(nom, lisible):
    assert nom_lisible(nom) == lisible
