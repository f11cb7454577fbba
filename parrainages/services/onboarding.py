"""Bringing mentors in: staff invitations (one by one or by CSV), activation, validation."""

import copy
import csv
import io
import unicodedata

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mentorat.audit import journal_modifications
from mentorat.envois import courriel_ecrire
from mentorat.models import User
from mentorat.taches import tache_apres_validation
from mentorat.travaux import PERIME_APRES, battement

from ..models import ImportParrains, Parrain

COLONNES = ["prenom", "nom", "email", "entreprise", "fonction"]
LIBELLES = {
    "prenom": "prénom",
    "nom": "nom",
    "email": "adresse e-mail",
    "entreprise": "entreprise",
    "fonction": "fonction",
}
TAILLE_MAX_CSV = 2 * 1024 * 1024
LIGNES_MAX = 5000
SEPARATEURS = (";", ",")


def _longueurs_max() -> dict[str, int]:
    """Each column's room in the table it lands in (PostgreSQL refuses longer values)."""
    return {
        "prenom": User._meta.get_field("first_name").max_length,
        "nom": User._meta.get_field("last_name").max_length,
        "email": User._meta.get_field("email").max_length,
        "entreprise": Parrain._meta.get_field("entreprise").max_length,
        "fonction": Parrain._meta.get_field("fonction").max_length,
    }


def _decoder(brut: bytes) -> str:
    for encodage in ("utf-8-sig", "cp1252"):
        try:
            return brut.decode(encodage)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        "Le fichier n'est ni en UTF-8 ni en Windows-1252 : depuis votre tableur, "
        "enregistrez-le au format « CSV UTF-8 »."
    )


def _separateur(entete: str) -> str:
    """The header's separator: the one it holds most of (the header has no quoted commas)."""
    comptes = {sep: entete.count(sep) for sep in SEPARATEURS}
    separateur = max(SEPARATEURS, key=comptes.get)
    if not comptes[separateur]:
        raise ValidationError(
            "Aucun séparateur dans la ligne d'en-tête : les colonnes doivent être séparées par "
            "une virgule ou un point-virgule (en-tête attendu : %(attendu)s).",
            params={"attendu": ",".join(COLONNES)},
        )
    return separateur


def _erreur_csv(exc: csv.Error, numero: int) -> ValidationError:
    if "field larger than field limit" in str(exc):
        limite = f"{csv.field_size_limit():_}".replace("_", " ")
        return ValidationError(
            f"Ligne {numero} : une valeur dépasse {limite} caractères (un guillemet ouvert et "
            "jamais refermé ?). Rien n'a été importé."
        )
    return ValidationError(
        f"Ligne {numero} : ligne illisible ({exc}). Vérifiez les guillemets de cette ligne. "
        "Rien n'a été importé."
    )


def csv_ouvrir(fichier, *, taille_max: int, trop_gros: str) -> csv.DictReader:
    """An uploaded CSV file, read as people's spreadsheets write it: at most ``taille_max``
    bytes (``trop_gros`` says so beyond), UTF-8 or Windows-1252, comma or semicolon; a binary
    or empty file is refused. Every refusal is a ValidationError in French. Shared by the
    mentors' and the referrals' imports."""
    brut = fichier.read(taille_max + 1)
    if len(brut) > taille_max:
        raise ValidationError(trop_gros)
    texte = _decoder(brut)
    if "\x00" in texte:
        raise ValidationError(
            "Le fichier contient un caractère nul : ce n'est pas un fichier CSV texte. "
            "Depuis votre tableur, enregistrez-le au format « CSV UTF-8 »."
        )
    if not texte.strip():
        raise ValidationError("Le fichier est vide.")
    entete = texte.lstrip().splitlines()[0]
    return csv.DictReader(io.StringIO(texte.lstrip()), delimiter=_separateur(entete))


def lire_csv_parrains(fichier) -> list[dict]:
    """Read and check every row of an invitation file; any bad row rejects the whole file.

    Columns: prenom, nom, email, entreprise, fonction (comma or semicolon separated, UTF-8 or
    Windows-1252). Errors are reported in French with their line numbers; whatever the bytes,
    the answer is a ValidationError, never another exception.
    """
    lecteur = csv_ouvrir(
        fichier,
        taille_max=TAILLE_MAX_CSV,
        trop_gros="Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers.",
    )
    try:
        return _lire_lignes(lecteur)
    except csv.Error as exc:
        raise _erreur_csv(exc, lecteur.line_num + 1) from None


def _lire_lignes(lecteur: csv.DictReader) -> list[dict]:
    entetes = [(h or "").strip().lower() for h in (lecteur.fieldnames or [])]
    manquantes = [c for c in COLONNES if c not in entetes]
    if manquantes:
        raise ValidationError(
            "Colonnes manquantes : %(colonnes)s. En-tête attendu : %(attendu)s.",
            params={"colonnes": ", ".join(manquantes), "attendu": ",".join(COLONNES)},
        )
    lecteur.fieldnames = entetes
    longueurs = _longueurs_max()
    lignes, erreurs, vues = [], [], {}
    for numero, ligne in enumerate(lecteur, start=2):
        if numero - 1 > LIGNES_MAX:
            raise ValidationError(f"Plus de {LIGNES_MAX} lignes : découpez le fichier.")
        valeurs = {c: _texte(ligne.get(c)) for c in COLONNES}
        if not any(valeurs.values()):
            continue
        erreurs.extend(f"Ligne {numero} : {e}" for e in _erreurs_ligne(valeurs, longueurs))
        email = valeurs["email"].lower()
        if email in vues:
            erreurs.append(f"Ligne {numero} : l'adresse {email} figure déjà ligne {vues[email]}.")
        vues.setdefault(email, numero)
        valeurs["email"] = email
        valeurs["ligne"] = numero
        lignes.append(valeurs)
    existants = set(
        User.objects.filter(email__in=[v["email"] for v in lignes]).values_list("email", flat=True)
    )
    for valeurs in lignes:
        if valeurs["email"] in existants:
            erreurs.append(
                f"Ligne {valeurs['ligne']} : un compte existe déjà pour {valeurs['email']}."
            )
    if erreurs:
        raise ValidationError(sorted(erreurs, key=lambda e: int(e.split()[1])))
    if not lignes:
        raise ValidationError("Le fichier ne contient aucune ligne à importer.")
    return lignes


def _texte(valeur) -> str:
    # A row longer than the header puts its extra cells in a list under the key None: ignored.
    return valeur.strip() if isinstance(valeur, str) else ""


def _erreurs_ligne(valeurs, longueurs):
    for champ in ("prenom", "nom", "entreprise"):
        if not valeurs[champ]:
            yield f"{LIBELLES[champ]} manquant."
    for champ, valeur in valeurs.items():
        if any(unicodedata.category(c) == "Cc" for c in valeur):
            yield f"{LIBELLES[champ]} : retour à la ligne ou caractère de contrôle non permis."
        if len(valeur) > longueurs[champ]:
            yield (
                f"{LIBELLES[champ]} trop long ({len(valeur)} caractères, "
                f"{longueurs[champ]} au plus)."
            )
    if not valeurs["email"]:
        yield "adresse e-mail manquante."
    elif len(valeurs["email"]) <= longueurs["email"]:
        try:
            validate_email(valeurs["email"])
        except ValidationError:
            yield f"adresse e-mail « {valeurs['email']} » invalide."


def activation_url(user) -> str:
    from django.conf import settings

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("parrain_activer", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def parrains_inviter(*, lignes: list[dict], programme, par, suivi=None) -> list[Parrain]:
    """Create invited mentors (no password yet) and e-mail each an activation link.

    ``suivi(n)`` is told how many rows are done, every 50 rows (an import's progress)."""
    parrains = []
    for n, valeurs in enumerate(lignes, start=1):
        if suivi is not None and n % 50 == 0:
            suivi(n)
        email = valeurs["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(f"Un compte existe déjà pour {email}.")
        user = User.objects.create_user(
            email, None, first_name=valeurs["prenom"], last_name=valeurs["nom"]
        )
        parrain = Parrain.objects.create(
            user=user,
            entreprise=valeurs["entreprise"],
            fonction=valeurs.get("fonction") or "",
            statut=Parrain.Statut.INVITE,
        )
        if programme is not None:
            parrain.programmes.add(programme)
        parrains.append(parrain)

    for parrain in parrains:
        # The activation link is a credential: the row is confidential (never shown to
        # staff, emptied once sent).
        courriel_ecrire(
            regle="invitation_parrain",
            cle=f"invitation_parrain:{parrain.user_id}",
            a=parrain.user.email,
            destinataire=parrain.user,
            sujet="Votre invitation à parrainer",
            gabarit="parrainages/emails/invitation_parrain",
            contexte={
                "parrain": parrain,
                "programme": programme,
                "lien": activation_url(parrain.user),
                "invite_par": par,
            },
            confidentiel=True,
        )
    return parrains


@transaction.atomic
def parrain_activer(*, user, mot_de_passe: str) -> Parrain:
    """An invited mentor sets a password: the account is active and its e-mail verified."""
    from allauth.account.models import EmailAddress

    parrain = Parrain.objects.select_for_update().get(user=user)
    user.set_password(mot_de_passe)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    if parrain.statut == Parrain.Statut.INVITE:
        parrain.statut = Parrain.Statut.ACTIF
        parrain.valide_le = timezone.now()
        parrain.save(update_fields=["statut", "valide_le"])
    return parrain


@transaction.atomic
def parrains_valider(*, parrains, par) -> int:
    """Staff validate self-offered mentors; each is told by e-mail. The statuses and their
    audit entries are written in bulk."""
    ids = [p.pk for p in parrains]
    a_valider = list(
        Parrain.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, statut=Parrain.Statut.A_VALIDER)
        .select_related("user")
    )
    avant = {parrain.pk: copy.copy(parrain) for parrain in a_valider}
    maintenant = timezone.now()
    for parrain in a_valider:
        parrain.statut = Parrain.Statut.ACTIF
        parrain.valide_le = maintenant
    Parrain.objects.bulk_update(a_valider, ["statut", "valide_le"])
    journal_modifications(a_valider, avant=avant, champs=["statut", "valide_le"], acteur=par)

    for parrain in a_valider:
        if parrain.user_id:
            courriel_ecrire(
                regle="parrain_valide",
                cle=f"parrain_valide:{parrain.pk}",
                a=parrain.user.email,
                destinataire=parrain.user,
                sujet="Votre proposition de parrainage est validée",
                gabarit="parrainages/emails/parrain_valide",
                contexte={"parrain": parrain},
            )
    return len(a_valider)


# --- Imports from a CSV file, by a worker -------------------------------------------------------


def import_parrains_lancer(*, lignes: list[dict], programme, par, nom_fichier: str):
    """Record an import of rows already checked (``lire_csv_parrains``) and have a worker run
    it after the commit: the request answers at once, staff follow its progress."""
    with transaction.atomic():
        envoi = ImportParrains.objects.create(
            nom_fichier=nom_fichier[:255],
            programme=programme,
            lance_par=par,
            lignes=lignes,
            total=len(lignes),
        )
        # Robust: with the broker down the import waits; the sweeper enqueues it again.
        tache_apres_validation("parrainages.importer_parrains", envoi.pk)
    return envoi


def import_parrains_executer(*, import_id: int) -> ImportParrains | None:
    """Run a waiting import: every row in one transaction (all or nothing), progress written
    from the heartbeat's own connection so that staff see it while the rows are uncommitted.
    Returns None when the import was not this worker's to take."""
    maintenant = timezone.now()
    pris = ImportParrains.objects.filter(
        Q(statut=ImportParrains.Statut.EN_ATTENTE)
        | Q(statut=ImportParrains.Statut.EN_COURS, mis_a_jour_le__lt=maintenant - PERIME_APRES),
        pk=import_id,
    ).update(
        statut=ImportParrains.Statut.EN_COURS,
        debut=maintenant,
        mis_a_jour_le=maintenant,
        traitees=0,
        erreur="",
    )
    if not pris:
        return None
    envoi = ImportParrains.objects.select_related("programme", "lance_par").get(pk=import_id)
    a_moi = ImportParrains.objects.filter(
        pk=import_id, statut=ImportParrains.Statut.EN_COURS, debut=envoi.debut
    )
    faites = [0]

    def suivi(n):
        faites[0] = n

    try:
        with (
            battement(lambda: a_moi.update(traitees=faites[0], mis_a_jour_le=timezone.now())),
            transaction.atomic(),
        ):
            parrains_inviter(
                lignes=envoi.lignes, programme=envoi.programme, par=envoi.lance_par, suivi=suivi
            )
            # Fencing: an import taken over meanwhile writes nothing here.
            if not a_moi.update(
                statut=ImportParrains.Statut.TERMINE,
                traitees=envoi.total,
                fin=timezone.now(),
                mis_a_jour_le=timezone.now(),
                lignes=[],
            ):
                raise ImportRepris
    except ImportRepris:
        return None
    except ValidationError as exc:
        a_moi.update(
            statut=ImportParrains.Statut.ECHOUE,
            erreur="Rien n'a été importé : " + " ".join(exc.messages),
            fin=timezone.now(),
            traitees=0,
            lignes=[],  # names and addresses are not kept: the file is sent again, corrected
        )
    envoi.refresh_from_db()
    return envoi


class ImportRepris(Exception):
    """The import is no longer this worker's."""


def imports_balayer(*, enqueue, maintenant=None) -> int:
    """Imports whose worker died (nothing of them was committed) or whose message was lost:
    waiting again, and enqueued. Scheduled every minute with the other sweepers."""
    maintenant = maintenant or timezone.now()
    limite = maintenant - PERIME_APRES
    perdus = list(
        ImportParrains.objects.filter(
            statut__in=ImportParrains.STATUTS_EN_COURS, mis_a_jour_le__lt=limite
        ).values_list("pk", flat=True)
    )
    ImportParrains.objects.filter(pk__in=perdus).update(
        statut=ImportParrains.Statut.EN_ATTENTE, mis_a_jour_le=maintenant, traitees=0
    )
    for import_id in perdus:
        enqueue(import_id)
    return len(perdus)
