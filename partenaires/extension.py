"""What partenaires adds to the flows of parrainages, the layer below it, which never imports
it (registered by ``apps.py``; see ``parrainages.extensions``): a member's own space, the
referral behind a mentee, and the referrals, memberships and reports that a personal-data
export, an account erasure or the retention rules reach."""

import datetime as dt

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from parrainages.extensions import Extension
from parrainages.retention import debut_du_jour

from .models import CodeReclamation, Membre, Prescription
from .selectors import rapports_nommant
from .services import (
    INVITATION_DUREE_JOURS,
    prescription_creditee,
    prescription_rattacher,
    prescriptions_relier,
    rapports_refaire,
)

# The referral whose invitation the person opened (partenaires.views.invitation), attached to
# their mentee profile once it is saved.
SESSION_PRESCRIPTION = "prescription_id"


def roles_du_compte(user) -> set[str]:
    """A member of an active partnership is a partner (mentorat.connexion: ProConnect)."""
    return {"partenaire"} if Membre.objects.filter(user=user, actif=True).exists() else set()


class PartenairesExtension(Extension):
    def espace(self, user) -> str | None:
        if Membre.objects.filter(user=user, actif=True).exists():
            return "partenaires:accueil"
        return None

    def profil_enregistre(self, *, request, filleul) -> None:
        prescription_id = request.session.pop(SESSION_PRESCRIPTION, None)
        if prescription_id:
            prescription_rattacher(prescription_id=prescription_id, filleul=filleul)

    def prescripteur(self, *, filleul, programme):
        # Asked as the application is filed: every structure's referral of the person is
        # linked to it, then the one credited is chosen (docs/indicateurs.md).
        prescription = prescription_creditee(filleul=filleul, programme=programme)
        prescriptions_relier(filleul=filleul, programme=programme)
        return prescription.partenaire if prescription else None

    def conseillers_a_informer(self, *, candidature) -> list:
        return conseillers_a_informer(candidature=candidature)

    def orientations(self, *, candidature, borner=None) -> list[dict]:
        prescriptions = Prescription.objects.filter(
            filleul_id=candidature.filleul_id, programme_id=candidature.programme_id
        )
        if borner is not None:
            prescriptions = borner(prescriptions)
        return [
            {
                "partenaire": p.partenaire.nom,
                "conseiller": p.conseiller.get_full_name() or p.conseiller.email
                if p.conseiller_id
                else "",
                "le": p.created_at,
                "credite": p.partenaire_id == candidature.prescripteur_id,
                "freins": p.freins_libelles(),
                "diagnostic": p.diagnostic,
            }
            for p in prescriptions.select_related("partenaire", "conseiller").order_by(
                "created_at", "pk"
            )
        ]

    def exporter(self, *, filleul, user) -> dict:
        return {"orientations": orientations_exporter(filleul=filleul, user=user)}

    def effacer(self, *, user, filleul) -> tuple[list[str], dict]:
        return prescriptions_effacer(user=user, filleul=filleul)

    def hors_retention(self):
        # Active members of an active partner: their access follows the partnership.
        return Exists(
            Membre.objects.filter(user=OuterRef("pk"), actif=True, partenaire__actif=True)
        )

    def retention_appliquer(self, maintenant, *, dry_run: bool) -> dict[str, int]:
        return {"invitations_effacees": invitations_effacer(maintenant, dry_run=dry_run)}


def conseillers_a_informer(*, candidature) -> list:
    """Who hears of a change of a referred application: for each structure that referred the
    person to the programme (the one credited, ``Candidature.prescripteur``, and every other
    whose referral is linked to the person), the counsellor who made the referral while
    still an active member of it; else that structure's active counsellors and referents
    (read-only members are not written to). Each message names only the person, the
    programme and the decision, never another structure (a structure learns nothing of
    another's referral)."""
    partenaires = set(
        Prescription.objects.filter(
            programme_id=candidature.programme_id, filleul_id=candidature.filleul_id
        ).values_list("partenaire_id", flat=True)
    )
    if candidature.prescripteur_id:
        partenaires.add(candidature.prescripteur_id)
    conseillers = []
    for partenaire_id in sorted(partenaires):
        conseillers += _conseillers_du_partenaire(candidature, partenaire_id)
    return conseillers


def _conseillers_du_partenaire(candidature, partenaire_id) -> list:
    membres = Membre.objects.filter(
        partenaire_id=partenaire_id, partenaire__actif=True, actif=True
    ).select_related("user")
    conseiller_id = (
        Prescription.objects.filter(
            partenaire_id=partenaire_id,
            programme_id=candidature.programme_id,
            filleul_id=candidature.filleul_id,
        )
        .order_by("created_at", "pk")
        .values_list("conseiller_id", flat=True)
        .first()
    )
    if conseiller_id:
        auteur = [m.user for m in membres.filter(user_id=conseiller_id)]
        if auteur:
            return auteur
    return [
        m.user for m in membres.exclude(role=Membre.Role.LECTEUR).order_by("pk") if m.user.is_active
    ]


def orientations_exporter(*, filleul, user) -> list[dict]:
    """The referrals of a mentee (linked to their profile or sent to their address)."""

    def day(value):
        return value.isoformat() if value else None

    orientations = Prescription.objects.filter(filleul=filleul)
    if user is not None and user.email:
        orientations = Prescription.objects.filter(Q(filleul=filleul) | Q(email__iexact=user.email))
    return [
        {
            "partenaire": o.partenaire.nom,
            "programme": o.programme.nom,
            "prescrite_le": o.created_at.isoformat(),
            "message": o.message,
            "mode": o.get_mode_display(),
            "telephone_donne": o.telephone,
            "freins_identifies": o.freins_libelles(),
            "projet_et_atouts": o.diagnostic,
            "invitation_utilisee_le": day(o.utilisee_le),
        }
        for o in orientations.select_related("partenaire", "programme").order_by("created_at")
    ]


def prescriptions_effacer(*, user, filleul) -> tuple[list[str], dict]:
    """An account erasure's part here: the referrals that name the person (linked to their
    profile or sent to their address) lose name, address and message; the reports that list
    them are produced again. Returns the names the counsellors typed for the person and the
    ids of their referrals and memberships (the memberships go with the account)."""
    prescriptions = (
        Prescription.objects.filter(email__iexact=user.email)
        if user.email
        else Prescription.objects.none()
    )
    if filleul is not None:
        prescriptions |= Prescription.objects.filter(filleul=filleul)
    prescriptions = list(prescriptions.values_list("pk", flat=True))
    # The names a counsellor typed for the person may differ from those of the account.
    mentions = [
        f"{p} {n}"
        for p, n in Prescription.objects.filter(pk__in=prescriptions)
        .exclude(email="")
        .values_list("prenom", "nom")
    ]
    objets = {
        Prescription: prescriptions,
        Membre: list(Membre.objects.filter(user=user).values_list("pk", flat=True)),
    }
    # The claim codes of an account a counsellor created: nothing to keep once it is erased.
    CodeReclamation.objects.filter(user=user).delete()
    if filleul is not None:
        rapports_refaire(ids=rapports_nommant(filleul))
    Prescription.objects.filter(pk__in=prescriptions).update(
        prenom="Personne",
        nom="anonymisée",
        email="",
        telephone="",
        message="",
        freins=[],
        diagnostic="",
    )
    return mentions, objets


def invitations_effacer(maintenant, *, dry_run: bool = False) -> int:
    """Referrals never taken up: the invitation link expired, the sign-up delay too. The
    referred person's name, address and the counsellor's message are erased; the row stays
    (the partner's list of referrals keeps its length)."""
    delai = INVITATION_DUREE_JOURS + settings.RETENTION_NON_VERIFIE_JOURS
    limite = debut_du_jour(timezone.localdate(maintenant) - dt.timedelta(days=delai - 1))
    lignes = Prescription.objects.filter(
        utilisee_le__isnull=True, filleul__isnull=True, created_at__lt=limite
    ).exclude(email="")
    if dry_run:
        return lignes.count()
    return lignes.update(
        prenom="Personne",
        nom="anonymisée",
        email="",
        telephone="",
        message="",
        freins=[],
        diagnostic="",
    )
