"""Bringing mentors in: staff invitations (one by one or by CSV), activation, validation."""

import csv
import io

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from mentorat.envois import courriel_ecrire
from mentorat.models import User

from ..models import Parrain

COLONNES = ["prenom", "nom", "email", "entreprise", "fonction"]
TAILLE_MAX_CSV = 2 * 1024 * 1024
LIGNES_MAX = 5000


def lire_csv_parrains(fichier) -> list[dict]:
    """Read and check every row of an invitation file; any bad row rejects the whole file.

    Columns: prenom, nom, email, entreprise, fonction (comma or semicolon separated, UTF-8 or
    Windows-1252). Errors are reported in French with their line numbers.
    """
    brut = fichier.read(TAILLE_MAX_CSV + 1)
    if len(brut) > TAILLE_MAX_CSV:
        raise ValidationError("Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers.")
    for encodage in ("utf-8-sig", "cp1252"):
        try:
            texte = brut.decode(encodage)
            break
        except UnicodeDecodeError:
            continue
    if not texte.strip():
        raise ValidationError("Le fichier est vide.")
    dialecte = csv.Sniffer().sniff(texte.splitlines()[0], delimiters=",;")
    lecteur = csv.DictReader(io.StringIO(texte), dialect=dialecte)
    entetes = [(h or "").strip().lower() for h in (lecteur.fieldnames or [])]
    manquantes = [c for c in COLONNES if c not in entetes]
    if manquantes:
        raise ValidationError(
            "Colonnes manquantes : %(colonnes)s. En-tête attendu : %(attendu)s.",
            params={"colonnes": ", ".join(manquantes), "attendu": ",".join(COLONNES)},
        )
    lecteur.fieldnames = entetes
    lignes, erreurs, vues = [], [], {}
    for numero, ligne in enumerate(lecteur, start=2):
        if numero - 1 > LIGNES_MAX:
            raise ValidationError(f"Plus de {LIGNES_MAX} lignes : découpez le fichier.")
        valeurs = {c: (ligne.get(c) or "").strip() for c in COLONNES}
        if not any(valeurs.values()):
            continue
        erreurs.extend(f"Ligne {numero} : {e}" for e in _erreurs_ligne(valeurs))
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


def _erreurs_ligne(valeurs):
    for champ, libelle in (("prenom", "prénom"), ("nom", "nom"), ("entreprise", "entreprise")):
        if not valeurs[champ]:
            yield f"{libelle} manquant."
    if not valeurs["email"]:
        yield "adresse e-mail manquante."
    else:
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
def parrains_inviter(*, lignes: list[dict], programme, par) -> list[Parrain]:
    """Create invited mentors (no password yet) and e-mail each an activation link."""
    parrains = []
    for valeurs in lignes:
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
    """Staff validate self-offered mentors; each is told by e-mail."""
    ids = [p.pk for p in parrains]
    a_valider = list(
        Parrain.objects.select_for_update(of=("self",))
        .filter(pk__in=ids, statut=Parrain.Statut.A_VALIDER)
        .select_related("user")
    )
    maintenant = timezone.now()
    for parrain in a_valider:
        parrain.statut = Parrain.Statut.ACTIF
        parrain.valide_le = maintenant
    Parrain.objects.bulk_update(a_valider, ["statut", "valide_le"])

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
