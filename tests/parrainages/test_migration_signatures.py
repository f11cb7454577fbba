"""The charters' signatures move to the one signature machinery (migrations
``parrainages.0019_charte_signatures_vers_parties`` then ``0020``), and back.

The database is taken back to before them, filled as the former code wrote it (frozen parties
as JSON, ``Signature`` rows, a code waiting), then migrated forward again."""

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from mentorat.models import Partie
from mentorat.signatures import parties_de
from parrainages.models import Charte
from tests.mentorat.factories import gestionnaire
from tests.parrainages.factories import CharteFactory, ParrainageFactory

pytestmark = pytest.mark.django_db(transaction=True)

AVANT = [("parrainages", "0018_mineurs_eleves_honorabilite")]


def migrer(cible):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(cible)
    ContentType.objects.clear_cache()
    return executor.loader.project_state(cible).apps


def aujourd_hui():
    """Every app's latest migration: today's schema, that today's models read."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.fixture
def remigrer():
    """Whatever the test did, the schema is today's again after it."""
    try:
        yield
    finally:
        # Every app's latest migration, not only the one under test: the migrations written
        # after it are applied again too.
        migrer(aujourd_hui())


def test_signatures_become_parties_and_back(remigrer):
    # Rows made with today's schema (the tables they live in did not change).
    signee = CharteFactory(parties=False, texte="Charte signée.", signee=True)
    coordinateur = gestionnaire()
    a_signer = CharteFactory(
        parties=False,
        parrainage=ParrainageFactory(
            actif=True,
            programme__signature_coordinateur=True,
            programme__coordinateur=coordinateur,
        ),
    )
    effacee = CharteFactory(
        parties=False, texte="[Texte effacé le 01/02/2026 : compte supprimé]", signee=True
    )

    # What the former code wrote, through the models of that time.
    apps = migrer(AVANT)
    AncienneCharte = apps.get_model("parrainages", "Charte")
    Signature = apps.get_model("parrainages", "Signature")
    DemandeSignature = apps.get_model("parrainages", "DemandeSignature")
    il_y_a_une_heure = timezone.now() - dt.timedelta(hours=1)

    def figee(role, prenom, nom, entreprise="", fonction=""):
        return {"role": role, "prenom": prenom, "nom": nom, "entreprise": entreprise,
                "fonction": fonction}  # fmt: skip

    AncienneCharte.objects.filter(pk=signee.pk).update(
        parties=[
            figee("parrain", "Claire", "Fontaine", "Groupe Rivoli", "DRH"),
            figee("filleul", "Yanis", "Benali"),
        ]
    )
    AncienneCharte.objects.filter(pk=a_signer.pk).update(
        parties=[
            figee("parrain", "Marc", "Lenoir"),
            figee("filleul", "Inès", "Haddad"),
            figee("coordinateur", "Léa", "Roux"),
        ]
    )
    paire = signee.parrainage
    s_parrain = Signature.objects.create(
        charte_id=signee.pk,
        role="parrain",
        signataire_id=paire.parrain.user_id,
        nom_signataire="Claire Fontaine",
        signee_le=il_y_a_une_heure,
        adresse_ip="203.0.113.9",
        user_agent="Firefox",
        texte_sha256=signee.texte_sha256,
    )
    Signature.objects.create(
        charte_id=signee.pk,
        role="filleul",
        signataire_id=paire.filleul.user_id,
        nom_signataire="Yanis Benali",
        signee_le=il_y_a_une_heure,
        adresse_ip="198.51.100.4",
        texte_sha256=signee.texte_sha256,
    )
    Signature.objects.create(
        charte_id=a_signer.pk,
        role="parrain",
        signataire_id=a_signer.parrainage.parrain.user_id,
        nom_signataire="Marc Lenoir",
        signee_le=il_y_a_une_heure,
        texte_sha256=a_signer.texte_sha256,
    )
    DemandeSignature.objects.create(
        charte_id=a_signer.pk,
        role="filleul",
        signataire_id=a_signer.parrainage.filleul.user_id,
        code_hash="0" * 64,
        expire_le=timezone.now() + dt.timedelta(minutes=5),
    )
    Signature.objects.create(
        charte_id=effacee.pk,
        role="filleul",
        signataire_id=None,
        nom_signataire="Personne anonymisée",
        signee_le=il_y_a_une_heure,
        texte_sha256=effacee.texte_sha256,
    )
    Signature.objects.create(
        charte_id=effacee.pk,
        role="parrain",
        signataire_id=effacee.parrainage.parrain.user_id,
        nom_signataire="Paul Martin",
        signee_le=il_y_a_une_heure,
        adresse_ip="192.0.2.1",
        texte_sha256=effacee.texte_sha256,
    )
    type_signature = ContentType.objects.get(app_label="parrainages", model="signature")
    entree = LogEntry.objects.create(
        content_type=type_signature,
        object_pk=str(s_parrain.pk),
        object_id=s_parrain.pk,
        object_repr="Parrain ou marraine — Claire Fontaine",
        action=LogEntry.Action.CREATE,
        changes={"nom_signataire": ["None", "Claire Fontaine"]},
    )

    # --- Forward -------------------------------------------------------------------------------
    # Forward again, to today's schema (the rows are read through today's models).
    migrer(aujourd_hui())
    signee, a_signer, effacee = (Charte.objects.get(pk=c.pk) for c in (signee, a_signer, effacee))
    parrain, filleul = parties_de(signee)
    assert (parrain.role, parrain.libelle, parrain.user_id) == (
        "parrain",
        "Parrain ou marraine",
        paire.parrain.user_id,
    )
    assert parrain.designation == "Claire Fontaine, DRH, Groupe Rivoli"
    assert parrain.email == paire.parrain.user.email
    assert (parrain.signee_le, parrain.adresse_ip, parrain.user_agent) == (
        il_y_a_une_heure,
        "203.0.113.9",
        "Firefox",
    )
    assert parrain.methode == "code_email" and parrain.texte_sha256 == signee.texte_sha256
    assert (filleul.designation, filleul.adresse_ip) == ("Yanis Benali", "198.51.100.4")
    # The audit trail of the signature is now the party's.
    entree.refresh_from_db()
    assert (entree.content_type.model, entree.object_pk) == ("partie", str(parrain.pk))

    roles = [
        (p.role, p.designation, p.signee_le is not None, p.user_id) for p in parties_de(a_signer)
    ]
    assert roles == [
        ("parrain", "Marc Lenoir", True, a_signer.parrainage.parrain.user_id),
        ("filleul", "Inès Haddad", False, a_signer.parrainage.filleul.user_id),
        ("coordinateur", "Léa Roux", False, coordinateur.pk),
    ]
    assert not Partie.objects.filter(codes__isnull=False).exists()  # codes are not carried

    parrain, filleul = parties_de(effacee)
    assert (parrain.designation, filleul.designation) == ("—", "—")  # erased: no identity
    assert parrain.signee_le and parrain.adresse_ip == "192.0.2.1"
    assert filleul.signee_le and filleul.user_id is None

    # --- Back ----------------------------------------------------------------------------------
    apps = migrer(AVANT)
    AncienneCharte = apps.get_model("parrainages", "Charte")
    Signature = apps.get_model("parrainages", "Signature")
    assert not Partie.objects.exists()
    assert AncienneCharte.objects.get(pk=signee.pk).parties[0] == figee(
        "parrain", "Claire", "Fontaine", "Groupe Rivoli", "DRH"
    )
    assert [p["role"] for p in AncienneCharte.objects.get(pk=a_signer.pk).parties] == [
        "parrain",
        "filleul",
        "coordinateur",
    ]
    assert AncienneCharte.objects.get(pk=effacee.pk).parties == []
    anciennes = {(s.charte_id, s.role): s for s in Signature.objects.all()}
    assert set(anciennes) == {
        (signee.pk, "parrain"),
        (signee.pk, "filleul"),
        (a_signer.pk, "parrain"),
        (effacee.pk, "parrain"),
        (effacee.pk, "filleul"),
    }
    s_parrain = anciennes[(signee.pk, "parrain")]
    assert (s_parrain.nom_signataire, s_parrain.adresse_ip) == ("Claire Fontaine", "203.0.113.9")
    assert anciennes[(effacee.pk, "filleul")].nom_signataire == "Personne anonymisée"
    entree.refresh_from_db()
    assert (entree.content_type_id, entree.object_pk) == (type_signature.pk, str(s_parrain.pk))
