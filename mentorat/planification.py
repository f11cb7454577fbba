"""Every periodic task of the platform, declared here and only here.

``manage.py planifier_taches`` (run at each deployment, after ``migrate``) writes this list
into django-celery-beat's tables, where beat reads it and staff can edit times in the admin
("Tâches périodiques"). It is idempotent: a task missing from the database is created with
the schedule below; a task already there keeps the schedule and the on/off switch staff gave
it, and only its Celery task name is brought up to date. Tasks are named by their Celery name
(a string), so this core module imports no app.
"""

from dataclasses import dataclass

from django.db import transaction


@dataclass(frozen=True)
class Planifiee:
    nom: str
    tache: str
    toutes_les: tuple[int, str] | None = None  # (every, "minutes" | "hours" | "days")
    heure: tuple[int, int] | None = None  # (hour, minute), every day, Europe/Paris


PLANIFICATION = (
    Planifiee(
        "Expiration des propositions sans réponse",
        "parrainages.expirer_propositions",
        toutes_les=(1, "hours"),
    ),
    Planifiee(
        "Rattrapage des PDF de charte", "parrainages.rattraper_chartes", toutes_les=(15, "minutes")
    ),
    Planifiee(
        "Rattrapage des PDF de convention d'immersion",
        "parrainages.rattraper_immersions",
        toutes_les=(15, "minutes"),
    ),
    Planifiee(
        "Rattrapage des QPV à déterminer depuis l'adresse",
        "parrainages.rattraper_qpv",
        toutes_les=(15, "minutes"),
    ),
    Planifiee(
        "Bilans de fin d'immersion demandés aux tuteurs",
        "parrainages.demander_bilans_immersion",
        heure=(7, 30),
    ),
    Planifiee("Relances : préparation quotidienne", "parrainages.planifier_relances", heure=(8, 0)),
    Planifiee(
        "Points d'étape des binômes (30 jours, puis tous les 60 jours)",
        "parrainages.inviter_points_etape",
        heure=(10, 0),
    ),
    Planifiee(
        "Relances : envoi des e-mails en attente",
        "parrainages.expedier_envois",
        toutes_les=(5, "minutes"),
    ),
    Planifiee(
        "Conservation des données : comptes non vérifiés, avertissements, anonymisation",
        "parrainages.appliquer_retention",
        heure=(3, 30),
    ),
    Planifiee(
        "Travaux interrompus : appariements et rapports repris ou signalés",
        "parrainages.balayer_travaux",
        toutes_les=(1, "minutes"),
    ),
    Planifiee("Rapports mensuels des conventions", "partenaires.rapports_mensuels", heure=(6, 30)),
    Planifiee(
        "Rattrapage des rapports de convention",
        "partenaires.rattraper_rapports",
        toutes_les=(1, "minutes"),
    ),
    Planifiee(
        "Chiffres des conventions comptés d'avance pour le portail des partenaires",
        "partenaires.recompter_tableaux",
        toutes_les=(5, "minutes"),
    ),
    Planifiee(
        "Rattrapage des PDF de convention de partenariat signée",
        "partenaires.rattraper_conventions_signees",
        toutes_les=(15, "minutes"),
    ),
)


@transaction.atomic
def planification_synchroniser() -> dict[str, list[str]]:
    """Create the periodic tasks that are missing; keep staff's schedules of the others."""
    from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

    bilan = {"creees": [], "mises_a_jour": [], "inchangees": []}
    for p in PLANIFICATION:
        existante = PeriodicTask.objects.filter(name=p.nom).first()
        if existante is not None:
            if existante.task != p.tache:
                existante.task = p.tache
                existante.save(update_fields=["task"])
                bilan["mises_a_jour"].append(p.nom)
            else:
                bilan["inchangees"].append(p.nom)
            continue
        if p.toutes_les:
            every, period = p.toutes_les
            intervalle, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
            PeriodicTask.objects.create(name=p.nom, task=p.tache, interval=intervalle)
        else:
            heure, minute = p.heure
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=str(minute),
                hour=str(heure),
                day_of_week="*",
                day_of_month="*",
                month_of_year="*",
                timezone="Europe/Paris",
            )
            PeriodicTask.objects.create(name=p.nom, task=p.tache, crontab=crontab)
        bilan["creees"].append(p.nom)
    return bilan
