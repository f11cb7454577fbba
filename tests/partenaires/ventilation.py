"""The breakdown by public and sector counted by its definition, group by group: what
``test_ventilation_releve.py`` and ``test_ventilation.py`` compare the one-statement breakdown
(``indicateurs.ventiler``) with."""

from partenaires import indicateurs, publics


def ventilation_de_reference(convention, debut, fin) -> dict[tuple[str, str], dict]:
    """(axis, code) -> indicator -> count, each counted on its own."""
    resultat = {}
    for axe, code, _libelle, filleuls in indicateurs.groupes_de_ventilation():
        resultat[(axe, code)] = {
            indicateur: indicateurs.lignes(
                indicateur,
                partenaire=convention.partenaire_id,
                convention=convention.pk,
                debut=debut,
                fin=fin,
            )
            .filter(publics.condition(indicateur, filleuls))
            .count()
            for indicateur in publics.VENTILABLES
        }
    return resultat


def ventilation(convention, debut, fin) -> dict[tuple[str, str], dict]:
    return {
        (ligne.axe, ligne.code): ligne.valeurs
        for ligne in indicateurs.ventiler(convention, debut, fin)
    }


def assert_identique(convention, debut, fin):
    attendu = ventilation_de_reference(convention, debut, fin)
    assert ventilation(convention, debut, fin) == attendu
    return attendu
