"""Prepare the load test's database: seed_scale data, partners, and accounts that can log in.

    createdb -h 127.0.0.1 -U postgres bench_charge
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_charge
    DEBUG=1 .venv/bin/python benchmarks/charge/prepare.py

Migrates; creates the seed_scale data when the database has fewer synthetic mentees than asked
(200,000 mentees, 50,000 mentors, 150,000 pairs, 1,000,000 meetings by default, about a
minute); then, idempotently:

- two partners with an active convention on the synthetic programme and five objectives: a
  Mission locale that referred 1 % of the applications and a national France Travail
  partner that referred a quarter of them (the heaviest portal), each with three members;
- a password for 40 synthetic mentors and 40 synthetic mentees in an active pair, and a
  verified e-mail address (allauth requires one to log in);
- 8 staff accounts in the "Gestionnaire" group, each with its own TOTP authenticator,
  coordinators of the synthetic programme's national team (even numbers) or of one of its
  regional teams (odd numbers: Île-de-France, Auvergne-Rhône-Alpes, Occitanie,
  Hauts-de-France);
- removes the accounts earlier runs signed up.

Writes the logins, pair ids and TOTP secrets to ``benchmarks/out/charge/comptes.json``
(ignored by git) for the locustfile.
"""

import argparse
import datetime as dt
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorat.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from allauth.mfa import app_settings as mfa_settings  # noqa: E402
from allauth.mfa.models import Authenticator  # noqa: E402
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from demo.scale import (  # noqa: E402
    PROGRAMME_SLUG,
    SUFFIXE_EMAIL,
    structures_synthetiques,
    synthetic_data_create,
)
from mentorat.models import User  # noqa: E402
from mentorat.roles import GESTIONNAIRE  # noqa: E402
from parrainages.models import Candidature, Filleul, Parrain, Parrainage  # noqa: E402
from partenaires.models import (  # noqa: E402
    Convention,
    Membre,
    Objectif,
    ParrainApporte,
    Partenaire,
)
from programmes.models import Affectation, Programme  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "out" / "charge"
DOMAINE = "charge.mentorat.test"
# Sign-ups made by the load test use this domain; each preparation removes them.
DOMAINE_INSCRIPTIONS = "inscription.charge.mentorat.test"
MOT_DE_PASSE = "charge-mentorat-2026"
N_PARRAINS = 40
N_FILLEULS = 40
N_GESTIONNAIRES = 8
N_MEMBRES = 3

# (key, name, type, referral: candidature ids whose remainder modulo m is r, mentors brought)
PARTENAIRES = [
    ("local", "Mission locale (banc de charge)", Partenaire.Type.MISSION_LOCALE, (100, 7), 500),
    (
        "national",
        "France Travail (banc de charge, national)",
        Partenaire.Type.FRANCE_TRAVAIL,
        (4, 1),
        15_000,
    ),
]
OBJECTIFS = [
    (Objectif.Indicateur.FILLEULS_ORIENTES, Objectif.Periode.ANNEE),
    (Objectif.Indicateur.BINOMES_FORMES, Objectif.Periode.CONVENTION),
    (Objectif.Indicateur.RENCONTRES_TENUES, Objectif.Periode.TRIMESTRE),
    (Objectif.Indicateur.SORTIES_POSITIVES_6_MOIS, Objectif.Periode.CONVENTION),
    (Objectif.Indicateur.PARRAINS_APPORTES, Objectif.Periode.ANNEE),
]


def ensure_scale_data(args) -> Programme:
    existing = Filleul.objects.filter(user__email__endswith=SUFFIXE_EMAIL).count()
    if existing < args.mentees:
        print(f"{existing} filleuls synthétiques : création des données seed_scale…")
        synthetic_data_create(
            mentees=args.mentees,
            mentors=args.mentors,
            pairs=args.pairs,
            meetings=args.meetings,
            reset=True,
        )
    else:
        print(f"{existing} filleuls synthétiques déjà là.")
    return Programme.objects.get(slug=PROGRAMME_SLUG)


def verified_email(users) -> None:
    EmailAddress.objects.filter(user__in=users).delete()
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
    )


def account(email: str, password_hash: str, **fields) -> User:
    user, _ = User.objects.update_or_create(
        email=email, defaults={"password": password_hash, "is_active": True, **fields}
    )
    return user


def partners(programme: Programme, password_hash: str) -> dict:
    today = timezone.localdate()
    mentor_ids = list(
        Parrain.objects.filter(programmes=programme).order_by("pk").values_list("pk", flat=True)
    )
    result = {}
    for key, name, type_, (modulo, remainder), brought in PARTENAIRES:
        partenaire, _ = Partenaire.objects.get_or_create(nom=name, type=type_)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE parrainages_candidature SET prescripteur_id = %s, source = %s "
                "WHERE programme_id = %s AND id %% %s = %s",
                [partenaire.pk, Candidature.Source.PRESCRIPTION, programme.pk, modulo, remainder],
            )
            referred = cursor.rowcount
        ParrainApporte.objects.filter(partenaire=partenaire).delete()
        step = max(len(mentor_ids) // brought, 1)
        ParrainApporte.objects.bulk_create(
            [
                ParrainApporte(partenaire=partenaire, parrain_id=pk)
                for pk in mentor_ids[remainder::step][:brought]
            ],
            ignore_conflicts=True,
        )
        convention, _ = Convention.objects.update_or_create(
            reference=f"CHARGE-{key.upper()}",
            defaults={
                "partenaire": partenaire,
                "titre": f"Convention du banc de charge ({key})",
                "date_debut": programme.date_debut,
                "date_fin": today + dt.timedelta(days=365),
                "statut": Convention.Statut.ACTIVE,
            },
        )
        convention.programmes.set([programme])
        for indicateur, periode in OBJECTIFS:
            Objectif.objects.update_or_create(
                convention=convention,
                indicateur=indicateur,
                periode=periode,
                defaults={"valeur_cible": max(referred // 2, 10)},
            )
        members = []
        for i in range(N_MEMBRES):
            user = account(
                f"partenaire-{key}-{i}@{DOMAINE}",
                password_hash,
                first_name="Conseiller",
                last_name=f"{key.capitalize()} {i}",
            )
            Membre.objects.update_or_create(
                partenaire=partenaire,
                user=user,
                defaults={"actif": True, "role": Membre.Role.REFERENT},
            )
            members.append(user)
        verified_email(members)
        print(f"  {name} : {referred} candidatures orientées, convention {convention.pk}")
        result[key] = {
            "convention": convention.pk,
            "orientes": referred,
            "comptes": [u.email for u in members],
        }
    return result


def mentors(programme: Programme, password_hash: str) -> list[dict]:
    pairs_by_mentor: dict[int, list[int]] = {}
    active = (
        Parrainage.objects.filter(programme=programme, statut=Parrainage.Statut.ACTIF)
        .order_by("parrain_id", "pk")
        .values_list("parrain_id", "pk")
    )
    # Every 97th mentor with an active pair: a spread of capacities and pair counts.
    for parrain_id, pk in active.iterator(chunk_size=10_000):
        pairs_by_mentor.setdefault(parrain_id, []).append(pk)
    chosen = sorted(pairs_by_mentor)[::97][:N_PARRAINS]
    people = list(
        Parrain.objects.filter(pk__in=chosen)
        .exclude(statut=Parrain.Statut.INACTIF)
        .select_related("user")
    )
    users = [p.user for p in people]
    User.objects.filter(pk__in=[u.pk for u in users]).update(password=password_hash)
    verified_email(users)
    return [{"email": p.user.email, "binomes": pairs_by_mentor[p.pk]} for p in people]


def mentees(programme: Programme, password_hash: str) -> list[dict]:
    pairs = list(
        Parrainage.objects.filter(programme=programme, statut=Parrainage.Statut.ACTIF)
        .order_by("pk")
        .select_related("filleul__user")[: 101 * N_FILLEULS : 101]
    )
    users = [p.filleul.user for p in pairs]
    User.objects.filter(pk__in=[u.pk for u in users]).update(password=password_hash)
    verified_email(users)
    return [{"email": u.email} for u in users]


# Where the staff work: half in the synthetic programme's national team, half in one of its
# regional teams (the four largest regions), as coordinators.
REGIONS_DU_PERSONNEL = ["11", "84", "76", "32"]


def staff(programme: Programme, password_hash: str) -> list[dict]:
    group = Group.objects.get(name=GESTIONNAIRE)
    equipes = structures_synthetiques(programme)
    result = []
    for i in range(N_GESTIONNAIRES):
        user = account(
            f"gestionnaire-{i}@{DOMAINE}",
            password_hash,
            first_name="Gestionnaire",
            last_name=f"Charge {i}",
            is_staff=True,
        )
        user.groups.set([group])
        equipe = equipes["" if i % 2 == 0 else REGIONS_DU_PERSONNEL[i // 2 % 4]]
        Affectation.objects.filter(user=user).exclude(structure=equipe).delete()
        Affectation.objects.update_or_create(
            structure=equipe, user=user, defaults={"role": Affectation.Role.COORDINATEUR}
        )
        Authenticator.objects.filter(user=user).delete()
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        result.append({"email": user.email, "totp": secret})
    verified_email(User.objects.filter(email__endswith=f"@{DOMAINE}", is_staff=True))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mentees", type=int, default=200_000)
    parser.add_argument("--mentors", type=int, default=50_000)
    parser.add_argument("--pairs", type=int, default=150_000)
    parser.add_argument("--meetings", type=int, default=1_000_000)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    programme = ensure_scale_data(args)
    password_hash = make_password(MOT_DE_PASSE)
    with transaction.atomic():
        removed, _ = User.objects.filter(email__endswith=f"@{DOMAINE_INSCRIPTIONS}").delete()
        print(f"{removed} lignes des inscriptions des passages précédents supprimées.")
        comptes = {
            "mot_de_passe": MOT_DE_PASSE,
            "programme": programme.slug,
            "domaine_inscriptions": DOMAINE_INSCRIPTIONS,
            "totp": {"periode": mfa_settings.TOTP_PERIOD, "chiffres": mfa_settings.TOTP_DIGITS},
            "partenaires": partners(programme, password_hash),
            "parrains": mentors(programme, password_hash),
            "filleuls": mentees(programme, password_hash),
            "gestionnaires": staff(programme, password_hash),
        }
    # As autovacuum leaves a production database: statistics, and the visibility map that
    # lets counts use index-only scans.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "comptes.json"
    path.write_text(json.dumps(comptes, indent=2, ensure_ascii=False))
    print(
        f"{len(comptes['parrains'])} parrains, {len(comptes['filleuls'])} filleuls, "
        f"{len(comptes['gestionnaires'])} gestionnaires (TOTP), "
        f"{N_MEMBRES * len(PARTENAIRES)} membres de partenaires → {path}"
    )


if __name__ == "__main__":
    main()
