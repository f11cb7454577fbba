"""The charters' parties and signatures move to the platform's one signature machinery.

Each charter gets one ``mentorat.Partie`` per party (mentor, mentee, and the coordinator where
the programme asked or where one signed), with:

- the identity frozen at issue (``Charte.parties``: first name, name, company as
  ``organisme``, role as ``fonction``); a charter whose text was erased (a party's account
  deleted) had no frozen parties left: its parties stay without identity;
- the account that signed (``Signature.signataire``), or, for a party who has not signed yet,
  the account expected to (the pair's mentor and mentee, the programme's coordinator);
- for a signed party, the signature as recorded: instant, network address, browser, method
  and fingerprint of the text signed.

The audit trail of each signature follows it to its party (the erasure of an account then
finds it there). The one-time codes waiting to be typed (``DemandeSignature``) are not
carried over: they last ten minutes, and the person asks for a new one.

The next migration removes ``Signature``, ``DemandeSignature`` and ``Charte.parties``. Going
back restores them from the parties (the parties of a minor's legal guardians, which the
former model could not hold, are dropped then).
"""

from django.db import migrations

TEXTE_EFFACE = "[Texte effacé"
ANONYME = "Personne anonymisée"
LOT = 500
LIBELLES = {
    "parrain": "Parrain ou marraine",
    "filleul": "Filleul ou filleule",
    "coordinateur": "Coordinateur du programme",
}
ORDRES = {"parrain": 1, "filleul": 2, "coordinateur": 20}


def _types(apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    charte, _ = ContentType.objects.get_or_create(app_label="parrainages", model="charte")
    signature, _ = ContentType.objects.get_or_create(app_label="parrainages", model="signature")
    partie, _ = ContentType.objects.get_or_create(app_label="mentorat", model="partie")
    return charte, signature, partie


def _suivre_le_journal(apps, ancien_type, nouveau_type, correspondances):
    """Point the audit entries of each old row at the row that replaces it."""
    LogEntry = apps.get_model("auditlog", "LogEntry")
    for ancien, nouveau in correspondances:
        LogEntry.objects.filter(content_type=ancien_type, object_pk=str(ancien)).update(
            content_type=nouveau_type, object_pk=str(nouveau), object_id=nouveau
        )


def _identite(charte, role, figee, signature):
    if figee is not None:
        return {
            "prenom": figee.get("prenom") or "",
            "nom": figee.get("nom") or "",
            "organisme": figee.get("entreprise") or "",
            "fonction": figee.get("fonction") or "",
        }
    if (
        signature is not None
        and not charte.texte.startswith(TEXTE_EFFACE)
        and signature.nom_signataire != ANONYME
    ):
        return {"nom": signature.nom_signataire[:150]}
    return {}


def vers_parties(apps, schema_editor):
    Charte = apps.get_model("parrainages", "Charte")
    Signature = apps.get_model("parrainages", "Signature")
    Partie = apps.get_model("mentorat", "Partie")
    User = apps.get_model("mentorat", "User")
    type_charte, type_signature, type_partie = _types(apps)
    ids = list(Charte.objects.order_by("pk").values_list("pk", flat=True))
    for debut in range(0, len(ids), LOT):
        lot = ids[debut : debut + LOT]
        chartes = list(
            Charte.objects.filter(pk__in=lot).select_related(
                "parrainage__parrain", "parrainage__filleul", "parrainage__programme"
            )
        )
        deja = set(
            Partie.objects.filter(document_type=type_charte, document_id__in=lot).values_list(
                "document_id", "role"
            )
        )
        signatures = {}
        for signature in Signature.objects.filter(charte_id__in=lot):
            signatures[(signature.charte_id, signature.role)] = signature
        parties, origines = [], []
        for charte in chartes:
            parrainage = charte.parrainage
            figees = {p["role"]: p for p in charte.parties or [] if p.get("role")}
            attendus = {
                "parrain": parrainage.parrain.user_id,
                "filleul": parrainage.filleul.user_id,
                "coordinateur": parrainage.programme.coordinateur_id,
            }
            roles = ["parrain", "filleul"]
            if (
                parrainage.programme.signature_coordinateur
                or "coordinateur" in figees
                or (charte.pk, "coordinateur") in signatures
            ):
                roles.append("coordinateur")
            for role in roles:
                if (charte.pk, role) in deja:
                    continue
                signature = signatures.get((charte.pk, role))
                partie = Partie(
                    document_type=type_charte,
                    document_id=charte.pk,
                    role=role,
                    libelle=LIBELLES[role],
                    ordre=ORDRES[role],
                    user_id=signature.signataire_id if signature else attendus[role],
                    created_at=charte.emise_le,
                    **_identite(charte, role, figees.get(role), signature),
                )
                if signature is not None:
                    partie.signee_le = signature.signee_le
                    partie.adresse_ip = signature.adresse_ip
                    partie.user_agent = signature.user_agent
                    partie.methode = signature.methode
                    partie.texte_sha256 = signature.texte_sha256
                parties.append(partie)
                origines.append(signature.pk if signature else None)
        emails = dict(
            User.objects.filter(pk__in={p.user_id for p in parties if p.user_id}).values_list(
                "pk", "email"
            )
        )
        for partie in parties:
            partie.email = emails.get(partie.user_id, "")
        Partie.objects.bulk_create(parties)
        _suivre_le_journal(
            apps,
            type_signature,
            type_partie,
            [(o, p.pk) for o, p in zip(origines, parties, strict=True) if o is not None],
        )


def vers_signatures(apps, schema_editor):
    Charte = apps.get_model("parrainages", "Charte")
    Signature = apps.get_model("parrainages", "Signature")
    Partie = apps.get_model("mentorat", "Partie")
    type_charte, type_signature, type_partie = _types(apps)
    ids = list(Charte.objects.order_by("pk").values_list("pk", flat=True))
    for debut in range(0, len(ids), LOT):
        lot = ids[debut : debut + LOT]
        chartes = {c.pk: c for c in Charte.objects.filter(pk__in=lot)}
        parties = list(
            Partie.objects.filter(document_type=type_charte, document_id__in=lot).order_by(
                "document_id", "ordre", "pk"
            )
        )
        for charte in chartes.values():
            charte.parties = []
        signatures, origines = [], []
        for partie in parties:
            if partie.role not in LIBELLES:  # a legal guardian: the former model had none
                continue
            charte = chartes[partie.document_id]
            if not charte.texte.startswith(TEXTE_EFFACE):
                charte.parties.append(
                    {
                        "role": partie.role,
                        "prenom": partie.prenom,
                        "nom": partie.nom,
                        "entreprise": partie.organisme,
                        "fonction": partie.fonction,
                    }
                )
            if partie.signee_le is None:
                continue
            nom = " ".join(n for n in (partie.prenom, partie.nom) if n)
            signatures.append(
                Signature(
                    charte_id=charte.pk,
                    role=partie.role,
                    signataire_id=partie.user_id,
                    nom_signataire=(nom or ANONYME)[:200],
                    signee_le=partie.signee_le,
                    adresse_ip=partie.adresse_ip,
                    user_agent=partie.user_agent,
                    methode=partie.methode or "code_email",
                    texte_sha256=partie.texte_sha256,
                )
            )
            origines.append(partie.pk)
        Signature.objects.bulk_create(signatures)
        _suivre_le_journal(
            apps,
            type_partie,
            type_signature,
            [(o, s.pk) for o, s in zip(origines, signatures, strict=True)],
        )
        Charte.objects.bulk_update(list(chartes.values()), ["parties"])
        Partie.objects.filter(pk__in=[p.pk for p in parties]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("parrainages", "0018_mineurs_eleves_honorabilite"),
        ("mentorat", "0017_signatures_parties"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auditlog", "0017_add_actor_email"),
    ]

    operations = [
        migrations.RunPython(vers_parties, vers_signatures),
    ]
