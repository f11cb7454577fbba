"""A mentee on SMS only (issue #19): a verified mobile number, SMS chosen for codes, meeting
reminders and surveys. Her mentor plans a meeting for tomorrow evening and the day-before
reminder is written at once: with ``make demo`` both text messages appear in the console
(``SMS pour +33…``), as e-mails do. A second run changes nothing."""

import datetime as dt

from allauth.account.models import EmailAddress
from django.utils import timezone

from mentorat.envois import envois_creer, expedier_apres_commit
from mentorat.models import User
from parrainages import relances
from parrainages.models import Parrainage
from parrainages.services.parrain import rencontre_planifier

from .population import DOMAINE
from .programmes import PARIS

EMAIL = f"filleule.sms@{DOMAINE}"
TELEPHONE = "+33639987642"  # a mobile number of the numbering plan (not given out)


def sms_demo() -> None:
    if User.objects.filter(email=EMAIL).exists():
        return
    pair = (
        Parrainage.objects.filter(
            programme__slug=PARIS,
            statut=Parrainage.Statut.ACTIF,
            filleul__anonymise_le__isnull=True,
        )
        .exclude(filleul__user__email__startswith="filleul@")
        .exclude(parrain__user__email__startswith="parrain@")
        .select_related("filleul__user", "parrain__user")
        .order_by("pk")
        .first()
    )
    if pair is None:
        return
    filleule = pair.filleul.user
    filleule.email = EMAIL
    filleule.telephone = TELEPHONE
    filleule.telephone_verifie_le = timezone.now()
    filleule.canaux = {"codes": "sms", "rencontres": "sms", "enquetes": "sms"}
    filleule.save(update_fields=["email", "telephone", "telephone_verifie_le", "canaux"])
    EmailAddress.objects.filter(user=filleule).delete()
    EmailAddress.objects.create(user=filleule, email=EMAIL, verified=True, primary=True)
    demain = timezone.localdate() + dt.timedelta(days=1)
    rencontre_planifier(
        parrainage=pair,
        par=pair.parrain.user,
        donnees={
            "debut": timezone.make_aware(dt.datetime.combine(demain, dt.time(18, 0))),
            "duree_minutes": 45,
            "modalite": "presentiel",
            "lieu": "Médiathèque Françoise-Sagan, 8 rue Léon-Schwartzenberg, Paris 10e",
            "sujet": "Préparer un entretien",
        },
    )
    maintenant = timezone.now()
    envois_creer(
        ligne
        for ligne in relances.rencontre_demain(maintenant)
        if ligne.destinataire_id == filleule.pk
    )
    expedier_apres_commit()  # not waiting for the five-minute run: shown as the demo starts
