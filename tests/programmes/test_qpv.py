"""QPV perimeters: the import of ANCT's GeoJSON (shipped sample, broken files) and which
neighbourhood holds a point (shapely)."""

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from programmes.models import QuartierPrioritaire
from programmes.qpv import ImportQPVError, importer_qpv, qpv_du_point

pytestmark = pytest.mark.django_db

ECHANTILLON = Path(__file__).parents[2] / "programmes" / "data" / "qpv_echantillon.geojson"

# Points read on the shipped perimeters (the sample's own points, see adresses_geocodees_…).
DANS_HAUTEPIERRE = (7.698947, 48.5941)
DANS_NEUHOF = (7.753657, 48.5487)
CATHEDRALE = (7.750953, 48.581883)  # Strasbourg's centre: in no QPV


def _geojson(*objets, crs=None) -> io.StringIO:
    donnees = {"type": "FeatureCollection", "features": list(objets)}
    if crs:
        donnees["crs"] = {"type": "name", "properties": {"name": crs}}
    return io.StringIO(json.dumps(donnees))


def _objet(code="QN99901M", nom="Quartier d'essai", geometrie=None, **proprietes):
    carre = [[[1.0, 1.0], [1.0, 2.0], [2.0, 2.0], [2.0, 1.0], [1.0, 1.0]]]
    return {
        "type": "Feature",
        "properties": {"code_qp": code, "lib_qp": nom, "insee_com": "99901", **proprietes},
        "geometry": geometrie or {"type": "Polygon", "coordinates": carre},
    }


def test_l_echantillon_s_importe_puis_se_met_a_jour_sans_doublon():
    sortie = io.StringIO()
    call_command("import_qpv", str(ECHANTILLON), stdout=sortie)
    assert "11 quartiers prioritaires importés (11 créés, 0 mis à jour)" in sortie.getvalue()
    hautepierre = QuartierPrioritaire.objects.get(code="QN06710I")
    assert hautepierre.nom == "Hautepierre"
    assert hautepierre.communes == "67482" and hautepierre.departement == "67"
    assert hautepierre.lon_min < DANS_HAUTEPIERRE[0] < hautepierre.lon_max
    assert QuartierPrioritaire.objects.get(code="QN97120N").departement == "971"

    sortie = io.StringIO()
    call_command("import_qpv", str(ECHANTILLON), stdout=sortie)
    assert "(0 créés, 11 mis à jour)" in sortie.getvalue()
    assert QuartierPrioritaire.objects.count() == 11


def test_un_point_dans_hors_et_d_un_multipolygone():
    importer_qpv(chemin_ou_fichier=ECHANTILLON)
    assert qpv_du_point(longitude=DANS_HAUTEPIERRE[0], latitude=DANS_HAUTEPIERRE[1]).code == (
        "QN06710I"
    )
    assert qpv_du_point(longitude=DANS_NEUHOF[0], latitude=DANS_NEUHOF[1]).nom == "Neuhof - Meinau"
    assert qpv_du_point(longitude=CATHEDRALE[0], latitude=CATHEDRALE[1]) is None
    # Pointe-à-Pitre's neighbourhood is in two parts: a point in each part.
    pointe_a_pitre = QuartierPrioritaire.objects.get(code="QN97120N")
    geometrie = json.loads(pointe_a_pitre.geometrie)
    assert geometrie["type"] == "MultiPolygon"
    from shapely.geometry import shape

    for partie in shape(geometrie).geoms:
        point = partie.representative_point()
        assert qpv_du_point(longitude=point.x, latitude=point.y) == pointe_a_pitre


def test_un_trou_du_perimetre_n_est_pas_dans_le_quartier():
    # A test geometry (not an official perimeter): a square with a square hole.
    exterieur = [[0.0, 0.0], [0.0, 4.0], [4.0, 4.0], [4.0, 0.0], [0.0, 0.0]]
    trou = [[1.0, 1.0], [3.0, 1.0], [3.0, 3.0], [1.0, 3.0], [1.0, 1.0]]
    importer_qpv(
        chemin_ou_fichier=_geojson(
            _objet(geometrie={"type": "Polygon", "coordinates": [exterieur, trou]})
        )
    )
    assert qpv_du_point(longitude=0.5, latitude=0.5).code == "QN99901M"
    assert qpv_du_point(longitude=2.0, latitude=2.0) is None  # in the hole
    assert qpv_du_point(longitude=0.0, latitude=2.0).code == "QN99901M"  # on the boundary


def test_un_quartier_sur_deux_communes_est_reuni_par_code():
    autre_moitie = [[[2.0, 1.0], [2.0, 2.0], [3.0, 2.0], [3.0, 1.0], [2.0, 1.0]]]
    rapport = importer_qpv(
        chemin_ou_fichier=_geojson(
            _objet(),
            _objet(geometrie={"type": "Polygon", "coordinates": autre_moitie}, insee_com="99902"),
        )
    )
    assert rapport.quartiers == 1 and rapport.objets_lus == 2
    quartier = QuartierPrioritaire.objects.get()
    assert quartier.communes == "99901 99902"
    assert (quartier.lon_min, quartier.lon_max) == (1.0, 3.0)


def test_les_variantes_connues_des_proprietes_sont_acceptees():
    objet = _objet()
    objet["properties"] = {"CODE_QP": "QN99901M", "LIB_QP": "En capitales", "INSEE_COM": "99901"}
    importer_qpv(chemin_ou_fichier=_geojson(objet, crs="urn:ogc:def:crs:OGC:1.3:CRS84"))
    assert QuartierPrioritaire.objects.get().nom == "En capitales"


def test_remplacer_supprime_les_quartiers_absents_du_fichier():
    importer_qpv(chemin_ou_fichier=ECHANTILLON)
    rapport = importer_qpv(chemin_ou_fichier=_geojson(_objet()))
    assert rapport.absents == 11 and QuartierPrioritaire.objects.count() == 12
    rapport = importer_qpv(chemin_ou_fichier=_geojson(_objet()), remplacer=True)
    assert rapport.supprimes == 11
    assert list(QuartierPrioritaire.objects.values_list("code", flat=True)) == ["QN99901M"]


@pytest.mark.parametrize(
    "fichier, message",
    [
        (io.StringIO("{pas du json"), "n'est pas un GeoJSON valide"),
        (io.StringIO('{"type": "Feature"}'), "FeatureCollection"),
        (_geojson(), "aucun quartier"),
        (
            _geojson({"type": "Feature", "properties": {"code": "X", "nom": "Y"}, "geometry": {}}),
            "Format de fichier non reconnu. Propriétés lues : « code », « nom »",
        ),
        (_geojson(_objet(), crs="urn:ogc:def:crs:EPSG::2154"), "Lambert-93"),
    ],
)
def test_un_fichier_illisible_est_refuse_en_francais(fichier, message):
    with pytest.raises(ImportQPVError, match=message):
        importer_qpv(chemin_ou_fichier=fichier)
    assert not QuartierPrioritaire.objects.exists()


def test_un_seul_objet_invalide_annule_tout_l_import_et_chaque_erreur_est_dite(tmp_path):
    lambert = [[[1048000.0, 6840000.0], [1048000.0, 6841000.0], [1049000.0, 6841000.0],
                [1048000.0, 6840000.0]]]  # fmt: skip
    fichier = tmp_path / "qpv.geojson"
    fichier.write_text(
        _geojson(
            _objet(),
            _objet(code="QN99902M", geometrie={"type": "Polygon", "coordinates": lambert}),
            _objet(code="PAS-UN-CODE"),
            _objet(code="QN99903M", nom=""),
            _objet(code="QN99904M", geometrie={"type": "Point", "coordinates": [1, 1]}),
        ).getvalue()
    )
    with pytest.raises(CommandError) as erreur:
        call_command("import_qpv", str(fichier))
    message = str(erreur.value)
    assert "Import annulé : 4 erreur(s), aucun quartier n'a été enregistré" in message
    assert "Objet n° 2 (QN99902M) : coordonnées hors des bornes de WGS 84" in message
    assert "Objet n° 3 (PAS-UN-CODE) : code « PAS-UN-CODE » invalide" in message
    assert "Objet n° 4 (QN99903M) : nom du quartier manquant" in message
    assert "Objet n° 5 (QN99904M) : périmètre absent ou d'un type non pris en charge" in message
    assert not QuartierPrioritaire.objects.exists()


def test_un_fichier_absent_est_dit():
    with pytest.raises(CommandError, match="Fichier introuvable"):
        call_command("import_qpv", "/nulle/part/qpv.geojson")
