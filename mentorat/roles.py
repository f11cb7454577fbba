"""The two staff groups and their permissions.

"Gestionnaire" does the day-to-day work: view, add and change the domain's records, delete
working records, but never delete people (accounts, mentors, mentees) nor touch groups; and only
within the programmes and territories of their structures (``mentorat/perimetre.py``).
"Administrateur" has every permission of the platform's apps.
"""

from django.contrib.auth.management import create_permissions

GESTIONNAIRE = "Gestionnaire"
ADMINISTRATEUR = "Administrateur"

DOMAIN_APPS = ("mentorat", "programmes", "parrainages", "partenaires", "django_celery_beat")
PEOPLE_MODELS = {("mentorat", "user"), ("parrainages", "parrain"), ("parrainages", "filleul")}


def _permissions_for(Permission, group_name):
    perms = Permission.objects.filter(content_type__app_label__in=DOMAIN_APPS).select_related(
        "content_type"
    )
    if group_name == ADMINISTRATEUR:
        return list(Permission.objects.all())
    keep = []
    for perm in perms:
        key = (perm.content_type.app_label, perm.content_type.model)
        if perm.codename.startswith("delete_") and key in PEOPLE_MODELS:
            continue
        # Seeing every programme and territory is the Administrateur's (mentorat/perimetre.py):
        # a Gestionnaire sees what their structures run.
        if (perm.content_type.app_label, perm.codename) == ("programmes", "tout_voir"):
            continue
        keep.append(perm)
    return keep


def sync_groups(apps, using="default"):
    """Create both groups and give them their permissions (safe to run again)."""
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name in (GESTIONNAIRE, ADMINISTRATEUR):
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(_permissions_for(Permission, name))


def sync_groups_after_migrate(sender, app_config=None, using="default", **kwargs):
    """Keep the groups' permissions complete as models are added in later migrations.

    Runs at this app's post_migrate, which may come before other apps have had their
    permissions created: create them all first.
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.models import Group, Permission

    if not Group.objects.using(using).filter(name__in=[GESTIONNAIRE, ADMINISTRATEUR]).exists():
        return
    for config in global_apps.get_app_configs():
        create_permissions(config, verbosity=0, using=using)
    for name in (GESTIONNAIRE, ADMINISTRATEUR):
        group = Group.objects.using(using).get(name=name)
        group.permissions.set(_permissions_for(Permission, name))
