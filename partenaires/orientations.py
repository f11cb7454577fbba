"""Writes of referrals made with the person (services of the partner portal, next to
``services.py``): an account created by a counsellor for a person without an e-mail address,
the code the person claims it with, and referrals imported from a CSV file.

The claim code: 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), so
31^8 ≈ 8.5·10^11 values; only a keyed hash is stored (HMAC-SHA256 with the site's secret key),
it expires after 60 days, allows ``CODE_ESSAIS_MAX`` wrong birth dates, serves once, and a new
code issued for the same account replaces the previous one. The claim page itself is limited
per address (``LIMITE_RECLAMATION_JOUR`` attempts a day)."""

import csv
import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from mentorat.canaux import telephone_prouve
from mentorat.emails import rendre_texte
from mentorat.envois import canal_disponible, courriel_ecrire, courriel_ecrire_rendu
from mentorat.models import Envoi, IdentiteCertifiee, User
from mentorat.pdf import rendre_pdf
from mentorat.telephones import telephone_e164
from parrainages.models import Candidature, Filleul
from parrainages.models.personnes import AGE_MAJORITE, age_on
from parrainages.services.filleul import candidature_deposer, filleul_enregistrer_profil

from .models import CodeReclamation, Frein, ImportPrescriptions, Partenaire, Prescription
from .services import (
    LECTURE_SEULE,
    _verrouiller_compteurs,
    membre_actif,
    membre_redacteur,
    prescription_creer,
)

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LONGUEUR = 8
CODE_DUREE_JOURS = 60
CODE_ESSAIS_MAX = 5
LIMITE_RECLAMATION_JOUR = 20


class Moyen:
    LETTRE = "lettre"
    EMAIL = "email"
    SMS = "sms"
    LIBELLES = {LETTRE: "lettre imprimée", EMAIL: "e-mail", SMS: "SMS"}


def code_normaliser(code: str) -> str:
    """What the person typed, as stored: capitals, no spaces nor dashes."""
    return "".join(c for c in (code or "").upper() if c.isalnum())


def code_empreinte(code: str) -> str:
    cle = settings.SECRET_KEY.encode()
    return hmac.new(cle, code_normaliser(code).encode(), hashlib.sha256).hexdigest()


def code_lisible(code: str) -> str:
    """Printed and sent in two groups of four, easier to copy."""
    return f"{code[:4]}-{code[4:]}"


def sms_possible(telephone: str) -> bool:
    """A code can go by SMS: a valid mobile number, and a sender for text messages."""
    return bool(telephone_e164(telephone)) and canal_disponible(Envoi.Canal.SMS)


NUMERO_SMS_REFUSE = (
    "Les codes ne partent par SMS que vers un numéro de téléphone mobile de France "
    "(métropole ou outre-mer) : remettez-le par lettre ou par e-mail."
)


def reclamation_url() -> str:
    return f"{settings.SITE_URL}{reverse('reclamer')}"


SOURCE_DU_PARTENAIRE = {
    Partenaire.Type.FRANCE_TRAVAIL: Filleul.Source.FRANCE_TRAVAIL,
    Partenaire.Type.MISSION_LOCALE: Filleul.Source.MISSION_LOCALE,
    Partenaire.Type.ASSOCIATION: Filleul.Source.ASSOCIATION,
}


def _membre_verifier(*, par, partenaire) -> None:
    if not membre_actif(user=par, partenaire=partenaire):
        raise ValidationError("Vous n'êtes pas membre actif de ce partenaire.")
    if not membre_redacteur(user=par, partenaire=partenaire):
        raise ValidationError(LECTURE_SEULE)


def _freins(freins) -> list[str]:
    connus = set(Frein.values)
    return [f for f in Frein.values if f in set(freins or ()) & connus]


def _sans_accents(texte: str) -> str:
    decompose = unicodedata.normalize("NFKD", texte or "")
    return "".join(c for c in decompose if not unicodedata.combining(c)).casefold().strip()


def prescription_compte_existante(*, partenaire, programme, donnees: dict) -> Prescription | None:
    """The partner's own account-mode referral of the same person to the same programme
    (first name, last name without case nor accents, birth date), if any: only the partner's
    own data is searched, so finding it tells nothing about other structures."""
    cle = (_sans_accents(donnees["first_name"]), _sans_accents(donnees["last_name"]))
    for prescription in Prescription.objects.filter(
        partenaire=partenaire,
        programme=programme,
        mode=Prescription.Mode.COMPTE,
        filleul__date_naissance=donnees["date_naissance"],
    ).order_by("pk"):
        if (_sans_accents(prescription.prenom), _sans_accents(prescription.nom)) == cle:
            return prescription
    return None


@transaction.atomic
def prescription_compte_creer(
    *,
    par,
    partenaire,
    programme,
    donnees: dict,
    email: str = "",
    message: str = "",
    freins=(),
    diagnostic: str = "",
    lot=None,
) -> Prescription:
    """A counsellor fills a person's profile with them: the account (without an e-mail
    address nor a password), the profile and the application are created at once, the
    eligibility checked as for an online application. ``donnees``: the cleaned data of the
    mentee's profile steps (identity, place, situation). ``email``: where to send the claim
    code, if the person has one (kept on the referral, never on the account: the person
    chooses their login address when they claim it).

    Refused (nothing written) for a minor (their legal guardians consent through their own
    sign-up: send an invitation), a person not eligible, beyond the daily limits."""
    _membre_verifier(par=par, partenaire=partenaire)
    _verrouiller_compteurs(user=par, partenaire_id=partenaire.pk)
    # A double click, a form sent again: the partner's row is locked, so the first request's
    # account is there to find; the second returns it instead of creating another one.
    existante = prescription_compte_existante(
        partenaire=partenaire, programme=programme, donnees=donnees
    )
    if existante is not None:
        return existante
    from .services import prescriptions_limiter

    prescriptions_limiter(par=par, partenaire=partenaire)
    if age_on(donnees["date_naissance"], timezone.localdate()) < AGE_MAJORITE:
        raise ValidationError(
            "Cette personne est mineure : ses représentants légaux doivent donner leur accord "
            "en ligne. Envoyez-lui plutôt une invitation par e-mail (à elle ou à un parent)."
        )
    user = User(email=None, first_name=donnees["first_name"], last_name=donnees["last_name"])
    user.set_unusable_password()
    user.save()
    filleul = filleul_enregistrer_profil(
        user=user,
        donnees={
            "mobilite_km": 10,
            "source": SOURCE_DU_PARTENAIRE.get(partenaire.type, Filleul.Source.AUTRE),
            "consentement": True,
            **donnees,
        },
    )
    filleul.prescripteur = partenaire
    filleul.save(update_fields=["prescripteur"])
    prescription = Prescription.objects.create(
        partenaire=partenaire,
        conseiller=par,
        programme=programme,
        prenom=user.first_name,
        nom=user.last_name,
        email=(email or "").strip().lower(),
        telephone=donnees.get("telephone", ""),
        mode=Prescription.Mode.COMPTE,
        message=(message or "").strip(),
        freins=_freins(freins),
        diagnostic=(diagnostic or "").strip(),
        filleul=filleul,
        utilisee_le=timezone.now(),
        lot=lot,
    )
    try:
        candidature_deposer(
            filleul=filleul, programme=programme, source=Candidature.Source.PRESCRIPTION
        )
    except ValidationError as exc:
        raise ValidationError(
            [
                m.replace("Vous ne remplissez pas", "Cette personne ne remplit pas").replace(
                    "Vous avez déjà", "Cette personne a déjà"
                )
                for m in exc.messages
            ]
        ) from None
    return prescription


def _prescription_a_reclamer(prescription_id: int, *, par) -> Prescription:
    prescription = (
        Prescription.objects.select_for_update(of=("self",))
        .select_related("filleul__user", "partenaire", "programme")
        .filter(pk=prescription_id)
        .first()
    )
    if prescription is None or not membre_actif(user=par, partenaire=prescription.partenaire):
        raise ValidationError("Cette orientation n'existe pas.")
    if not membre_redacteur(user=par, partenaire=prescription.partenaire):
        raise ValidationError(LECTURE_SEULE)
    if not prescription.a_reclamer:
        raise ValidationError(
            "Cette personne a déjà activé son compte : elle se connecte avec son adresse e-mail "
            "et son mot de passe (« Mot de passe oublié » sur la page de connexion au besoin)."
        )
    return prescription


def _code_emettre(prescription: Prescription, *, moyen: str) -> tuple[CodeReclamation, str]:
    """A new code for the person's account; the ones issued before no longer work."""
    from allauth.account.models import EmailAddress
    from allauth.socialaccount.models import SocialAccount

    maintenant = timezone.now()
    # The account's row, locked: a claim of the previous code waits for this one to commit.
    user = User.objects.select_for_update().get(pk=prescription.filleul.user_id)
    if user.has_usable_password():
        # Claimed with an address never verified (mistyped?): the next claim starts clean,
        # the password chosen then no longer opens the account.
        EmailAddress.objects.filter(user=user, verified=False).delete()
        user.email = None
        user.set_unusable_password()
        user.save(update_fields=["email", "password"])
    # Nor does an identity linked since (FranceConnect, ProConnect, maybe through the mistyped
    # address): the code's holder claims the account, and certifies it again if they wish.
    SocialAccount.objects.filter(user=user).delete()
    IdentiteCertifiee.objects.filter(user=user).delete()
    CodeReclamation.objects.filter(
        user=user, utilise_le__isnull=True, remplace_le__isnull=True
    ).update(remplace_le=maintenant)
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LONGUEUR))
    ligne = CodeReclamation.objects.create(
        prescription=prescription,
        user=user,
        empreinte=code_empreinte(code),
        moyen=moyen,
        expire_le=maintenant + dt.timedelta(days=CODE_DUREE_JOURS),
    )
    return ligne, code


def _codes_limiter(*, par, combien: int = 1) -> None:
    """A code goes to an address or a number the counsellor typed: as many a day as
    invitations."""
    limite = settings.LIMITE_INVITATIONS_MEMBRE_JOUR * 2
    deja = CodeReclamation.objects.filter(
        prescription__conseiller=par, created_at__date=timezone.localdate()
    ).count()
    if deja + combien > limite:
        raise ValidationError(
            f"Vous avez déjà émis {deja} codes aujourd'hui ({limite} au plus par jour) : "
            "réessayez demain."
        )


def _lettre(prescription: Prescription, code: str, ligne: CodeReclamation) -> dict:
    return {
        "prescription": prescription,
        "code": code_lisible(code),
        "expire_le": ligne.expire_le,
        "url": reclamation_url(),
    }


def lettres_pdf(lettres: list[dict]) -> bytes:
    return rendre_pdf(
        "partenaires/pdf/lettre_reclamation.html",
        {"lettres": lettres, "duree_jours": CODE_DUREE_JOURS},
    )


@transaction.atomic
def code_remettre(*, prescription_id: int, par, moyen: str) -> bytes | None:
    """Issue a new claim code for an account a counsellor created, and hand it over: a
    letter to print (returns its PDF), an e-mail to the address given with the referral, or
    an SMS to the person's number (through the outbox, confidential rows). The previous code
    stops working."""
    prescription = _prescription_a_reclamer(prescription_id, par=par)
    _codes_limiter(par=par)
    if moyen == Moyen.EMAIL and not prescription.email:
        raise ValidationError("Aucune adresse e-mail n'a été donnée pour cette personne.")
    numero = telephone_e164(prescription.telephone) if moyen == Moyen.SMS else ""
    if moyen == Moyen.SMS and not numero:
        raise ValidationError(NUMERO_SMS_REFUSE)
    if moyen == Moyen.SMS and not canal_disponible(Envoi.Canal.SMS):
        raise ValidationError(
            "L'envoi de SMS n'est pas disponible : remettez le code par lettre ou par e-mail."
        )
    if moyen not in Moyen.LIBELLES:
        raise ValidationError("Choisissez comment remettre le code.")
    ligne, code = _code_emettre(prescription, moyen=moyen)
    contexte = {
        "prescription": prescription,
        "code": code_lisible(code),
        "url": reclamation_url(),
        "expire_le": ligne.expire_le,
    }
    if moyen == Moyen.LETTRE:
        return lettres_pdf([_lettre(prescription, code, ligne)])
    sujet = "Votre code pour activer votre compte Mentorat"
    if moyen == Moyen.EMAIL:
        courriel_ecrire(
            regle="code_reclamation",
            cle=f"code_reclamation:{ligne.pk}",
            a=prescription.email,
            sujet=sujet,
            gabarit="partenaires/emails/code_reclamation",
            contexte=contexte,
            destinataire=prescription.filleul.user,
            confidentiel=True,
        )
    else:
        courriel_ecrire_rendu(
            regle="code_reclamation",
            cle=f"code_reclamation:{ligne.pk}",
            a=numero,
            sujet=sujet,
            texte=rendre_texte("partenaires/sms/code_reclamation.txt", contexte).strip(),
            destinataire=prescription.filleul.user,
            confidentiel=True,
            canal=Envoi.Canal.SMS,
        )
    return None


@transaction.atomic
def lot_lettres(*, lot_id: int, par) -> bytes:
    """One letter per account of an imported batch still to claim, each with a new code."""
    lot = ImportPrescriptions.objects.filter(pk=lot_id).select_related("partenaire").first()
    if lot is None or not membre_actif(user=par, partenaire=lot.partenaire):
        raise ValidationError("Cet import n'existe pas.")
    if not membre_redacteur(user=par, partenaire=lot.partenaire):
        raise ValidationError(LECTURE_SEULE)
    ids = list(
        lot.prescriptions.filter(mode=Prescription.Mode.COMPTE)
        .order_by("nom", "prenom", "pk")
        .values_list("pk", flat=True)
    )
    lettres = []
    prescriptions = []
    for pk in ids:
        try:
            prescriptions.append(_prescription_a_reclamer(pk, par=par))
        except ValidationError:
            continue  # claimed meanwhile, or the person erased
    if not prescriptions:
        raise ValidationError("Toutes les personnes de cet import ont déjà activé leur compte.")
    _codes_limiter(par=par, combien=len(prescriptions))
    for prescription in prescriptions:
        ligne, code = _code_emettre(prescription, moyen=Moyen.LETTRE)
        lettres.append(_lettre(prescription, code, ligne))
    return lettres_pdf(lettres)


# --- The person claims their account -----------------------------------------------------------

CODE_INCONNU = (
    "Ce code n'est pas le bon. Vérifiez-le sur votre lettre ou votre message (8 caractères, "
    "sans 0 ni O, sans 1 ni I)."
)


def _code_verifier(code: str, date_naissance) -> CodeReclamation:
    """The code's row, locked, once code and birth date match; else a French refusal. A
    wrong birth date counts as a failed attempt, kept even though the claim is refused."""
    from allauth.account.models import EmailAddress

    ligne = CodeReclamation.objects.filter(empreinte=code_empreinte(code)).first()
    if ligne is None:
        raise ValidationError({"code": CODE_INCONNU})
    # The account first, then the code (the order ``_code_emettre`` takes them in): a new
    # code issued meanwhile, or a claim of the same account, waits for the other to commit.
    User.objects.select_for_update().filter(pk=ligne.user_id).first()
    ligne = CodeReclamation.objects.select_for_update().select_related("user").get(pk=ligne.pk)
    if ligne.utilise_le is not None:
        raise ValidationError(
            {
                "code": "Ce code a déjà servi : connectez-vous avec l'adresse e-mail et le mot "
                "de passe choisis ce jour-là."
            }
        )
    if ligne.remplace_le is not None:
        raise ValidationError(
            {
                "code": "Ce code a été remplacé par un plus récent : utilisez le dernier code "
                "que vous avez reçu."
            }
        )
    if EmailAddress.objects.filter(user=ligne.user_id, verified=True).exists():
        raise ValidationError(
            {
                "code": "Ce compte est déjà activé : connectez-vous avec votre adresse e-mail "
                "et votre mot de passe."
            }
        )
    if ligne.expire_le <= timezone.now():
        raise ValidationError(
            {
                "code": "Ce code a expiré. Demandez un nouveau code à votre conseiller ou à "
                "votre conseillère."
            }
        )
    if ligne.essais >= CODE_ESSAIS_MAX:
        raise ValidationError(
            {
                "code": "Trop d'essais avec ce code : il est bloqué. Demandez un nouveau code à "
                "votre conseiller ou à votre conseillère."
            }
        )
    filleul = Filleul.objects.filter(user=ligne.user).first()
    if filleul is None or filleul.date_naissance != date_naissance:
        CodeReclamation.objects.filter(pk=ligne.pk).update(essais=ligne.essais + 1)
        restants = CODE_ESSAIS_MAX - ligne.essais - 1
        raise ValidationError(
            {
                "date_naissance": "Cette date de naissance ne correspond pas à ce code. "
                + (
                    f"Il vous reste {restants} essai{'s' if restants > 1 else ''}."
                    if restants
                    else "Le code est maintenant bloqué : demandez-en un nouveau."
                )
            }
        )
    return ligne


def reclamation_verifier(*, code: str, date_naissance) -> None:
    """Check a code and a birth date, counting a failure (committed whatever follows)."""
    with transaction.atomic():
        try:
            _code_verifier(code, date_naissance)
        except ValidationError as exc:
            erreur = exc
        else:
            return
    raise erreur


@transaction.atomic
def compte_reclamer(*, code: str, date_naissance, email: str, mot_de_passe: str) -> User:
    """The person claims the account a counsellor created for them: their login address
    (to be verified by allauth's usual code) and their password. The code serves once."""
    from allauth.account.models import EmailAddress

    ligne = _code_verifier(code, date_naissance)
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exclude(pk=ligne.user_id).exists() or (
        EmailAddress.objects.filter(email__iexact=email).exclude(user=ligne.user_id).exists()
    ):
        raise ValidationError(
            {
                "email": "Cette adresse e-mail est déjà celle d'un autre compte. Choisissez-en "
                "une autre, ou connectez-vous avec ce compte-là."
            }
        )
    user = User.objects.select_for_update().get(pk=ligne.user_id)
    user.email = email
    user.set_password(mot_de_passe)
    user.save(update_fields=["email", "password"])
    EmailAddress.objects.filter(user=user).delete()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)
    if ligne.moyen == Moyen.SMS:
        # The code came back from the phone it was texted to: that number is the person's.
        numero = (
            Envoi.objects.filter(
                cle=f"code_reclamation:{ligne.pk}",
                canal=Envoi.Canal.SMS,
                statut=Envoi.Statut.ENVOYE,
            )
            .values_list("email", flat=True)
            .first()
        )
        if numero:
            telephone_prouve(user=user, numero=numero)
    maintenant = timezone.now()
    ligne.utilise_le = maintenant
    ligne.save(update_fields=["utilise_le"])
    CodeReclamation.objects.filter(
        user=user, utilise_le__isnull=True, remplace_le__isnull=True
    ).update(remplace_le=maintenant)
    return user


# --- Referrals imported from a CSV file --------------------------------------------------------

COLONNES = [
    "prenom",
    "nom",
    "date_naissance",
    "commune",
    "qpv",
    "situation",
    "niveau_diplome",
    "telephone",
    "email",
]
OBLIGATOIRES = {"prenom", "nom", "date_naissance", "commune", "situation", "niveau_diplome"}
LIBELLES = {
    "prenom": "prénom",
    "nom": "nom",
    "date_naissance": "date de naissance",
    "commune": "commune",
    "qpv": "quartier prioritaire (oui/non)",
    "situation": "situation",
    "niveau_diplome": "diplôme",
    "telephone": "téléphone",
    "email": "e-mail",
}
# A form field → the column it reads (the profile's forms name them as the mentee's pages do).
CHAMP_COLONNE = {"first_name": "prenom", "last_name": "nom"}
TAILLE_MAX_CSV = 512 * 1024
LIGNES_MAX = 200


def modele_csv() -> bytes:
    """The template file offered for download: the header and one example row."""
    from mentorat.exports import csv_ecrire

    return csv_ecrire(
        COLONNES,
        [
            [
                "Camille",
                "Exemple",
                "17/05/2001",
                "Strasbourg (67000)",
                "oui",
                "mission_locale",
                "3",
                "06 12 34 56 78",
                "",
            ]
        ],
    )


def _date(valeur: str) -> str:
    """A date as a spreadsheet writes it (17/05/2001) → ISO, as the form's date widget posts."""
    for format in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return dt.datetime.strptime(valeur, format).date().isoformat()
        except ValueError:
            continue
    return valeur


def _situation(valeur: str) -> str:
    from programmes.models import Situation

    texte = valeur.strip().lower()
    for code, libelle in Situation.choices:
        if texte in (code, libelle.lower()):
            return code
    return valeur


def _niveau(valeur: str) -> str:
    from programmes.models import NiveauDiplome

    texte = valeur.strip().lower()
    for code, libelle in NiveauDiplome.choices:
        if texte in (str(code), libelle.lower()):
            return str(code)
    return valeur


def lire_csv_prescriptions(fichier) -> list[dict]:
    """Read and check every row of a referrals file with the rules of the mentee's own
    profile forms; any bad row rejects the whole file, every error named by its line and
    column. Whatever the bytes, the answer is a ValidationError or the rows, checked."""
    from parrainages.services.onboarding import _erreur_csv, csv_ouvrir

    from .forms import PrescriptionLigneForm

    lecteur = csv_ouvrir(
        fichier,
        taille_max=TAILLE_MAX_CSV,
        trop_gros="Le fichier dépasse 512 Ko : découpez-le en plusieurs fichiers.",
    )
    try:
        entetes = [(h or "").strip().lower() for h in (lecteur.fieldnames or [])]
        manquantes = [c for c in COLONNES if c not in entetes]
        if manquantes:
            raise ValidationError(
                "Colonnes manquantes : %(colonnes)s. Téléchargez le modèle : son en-tête est "
                "%(attendu)s.",
                params={"colonnes": ", ".join(manquantes), "attendu": ";".join(COLONNES)},
            )
        lecteur.fieldnames = entetes
        lignes, erreurs, vues = [], [], {}
        for numero, ligne in enumerate(lecteur, start=2):
            if numero - 1 > LIGNES_MAX:
                raise ValidationError(
                    f"Plus de {LIGNES_MAX} lignes : découpez le fichier en plusieurs imports."
                )
            valeurs = {c: (ligne.get(c) if isinstance(ligne.get(c), str) else "") for c in COLONNES}
            valeurs = {c: v.strip() for c, v in valeurs.items()}
            if not any(valeurs.values()):
                continue
            for colonne, valeur in valeurs.items():
                if any(unicodedata.category(c) == "Cc" for c in valeur):
                    erreurs.append(
                        (
                            numero,
                            f"Ligne {numero}, colonne « {LIBELLES[colonne]} » : retour à "
                            "la ligne ou caractère de contrôle non permis.",
                        )
                    )
            form = PrescriptionLigneForm(
                {
                    "first_name": valeurs["prenom"],
                    "last_name": valeurs["nom"],
                    "date_naissance": _date(valeurs["date_naissance"]),
                    "commune": valeurs["commune"],
                    "qpv": valeurs["qpv"].lower() or "non",
                    "situation": _situation(valeurs["situation"]),
                    "niveau_diplome": _niveau(valeurs["niveau_diplome"]),
                    "telephone": valeurs["telephone"],
                    "email": valeurs["email"],
                }
            )
            if not form.is_valid():
                for champ, messages in form.errors.items():
                    colonne = LIBELLES.get(CHAMP_COLONNE.get(champ, champ), champ)
                    for message in messages:
                        erreurs.append(
                            (numero, f"Ligne {numero}, colonne « {colonne} » : {message}")
                        )
                continue
            donnees = form.cleaned_data
            cle = donnees["email"] or (
                donnees["first_name"].lower(),
                donnees["last_name"].lower(),
                donnees["date_naissance"],
            )
            if cle in vues:
                erreurs.append(
                    (numero, f"Ligne {numero} : la même personne figure déjà ligne {vues[cle]}.")
                )
            vues.setdefault(cle, numero)
            lignes.append({**donnees, "ligne": numero})
    except csv.Error as exc:
        raise _erreur_csv(exc, lecteur.line_num + 1) from None
    if erreurs:
        raise ValidationError([e for _n, e in sorted(erreurs, key=lambda e: e[0])])
    if not lignes:
        raise ValidationError("Le fichier ne contient aucune ligne à importer.")
    return lignes


def _lot_limiter(*, par, partenaire, combien: int) -> None:
    """The daily limits of ``prescriptions_limiter``, for a whole batch at once."""
    for lignes, limite, qui in (
        (
            Prescription.objects.filter(conseiller=par),
            settings.LIMITE_INVITATIONS_MEMBRE_JOUR,
            "par personne",
        ),
        (
            Prescription.objects.filter(partenaire=partenaire),
            settings.LIMITE_INVITATIONS_PARTENAIRE_JOUR,
            "par partenaire",
        ),
    ):
        reste = limite - lignes.filter(created_at__date=timezone.localdate()).count()
        if combien > reste:
            raise ValidationError(
                f"Ce fichier compte {combien} personnes ; il n'en reste que {max(reste, 0)} à "
                f"orienter aujourd'hui (au plus {limite} {qui} et par jour). Découpez le "
                "fichier, ou importez le reste demain."
            )


@transaction.atomic
def prescriptions_importer(
    *, par, partenaire, programme, lignes: list[dict], nom_fichier: str
) -> ImportPrescriptions:
    """Create the referrals of a checked file, through the same services as one referral
    (an address: an invitation by e-mail; none: an account created with a code to claim).
    All or nothing: a row the services refuse (a person not eligible…) is reported with its
    line number, with every other such row, and nothing is created."""
    _membre_verifier(par=par, partenaire=partenaire)
    _verrouiller_compteurs(user=par, partenaire_id=partenaire.pk)
    # A file sent again: the people without an address already referred are skipped (their
    # account exists), and the counsellor is told how many.
    nouvelles = [
        ligne
        for ligne in lignes
        if ligne["email"]
        or prescription_compte_existante(partenaire=partenaire, programme=programme, donnees=ligne)
        is None
    ]
    deja = len(lignes) - len(nouvelles)
    if not nouvelles:
        raise ValidationError(
            "Toutes les personnes de ce fichier ont déjà été orientées vers ce programme par "
            "votre structure : rien de nouveau n'a été créé."
        )
    _lot_limiter(par=par, partenaire=partenaire, combien=len(nouvelles))
    lot = ImportPrescriptions.objects.create(
        partenaire=partenaire,
        programme=programme,
        par=par,
        nom_fichier=nom_fichier[:255],
        lignes=len(nouvelles),
    )
    lot.deja_orientees = deja
    erreurs = []
    for ligne in nouvelles:
        try:
            with transaction.atomic():
                if ligne["email"]:
                    prescription = prescription_creer(
                        par=par,
                        partenaire=partenaire,
                        programme=programme,
                        prenom=ligne["first_name"],
                        nom=ligne["last_name"],
                        email=ligne["email"],
                    )
                    Prescription.objects.filter(pk=prescription.pk).update(
                        lot=lot, telephone=ligne["telephone"]
                    )
                else:
                    prescription_compte_creer(
                        par=par,
                        partenaire=partenaire,
                        programme=programme,
                        donnees=ligne,
                        lot=lot,
                    )
        except ValidationError as exc:
            erreurs.extend(f"Ligne {ligne['ligne']} : {m}" for m in exc.messages)
    if erreurs:
        raise ValidationError([*erreurs, "Rien n'a été importé."])
    return lot
