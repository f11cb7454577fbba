"""Redis stopped, on the real stack (issue #9, item 7).

Our own ``redis-server`` (cache and Celery broker), the site under gunicorn, a Celery worker and
an SMTP server on loopback; the test database on PostgreSQL. Redis is stopped while people use
the site, then started again:

- pages keep answering, signing in included, and ``/sante/`` answers 503 naming the broker;
- what was queued meanwhile is not lost: the charter signed during the outage gets its sealed
  PDF and its e-mail (through the scheduled catch-up), the reminders of the outbox go out, the
  report requested during the outage is produced — each exactly once.
"""

import datetime as dt

import pytest
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerIndisponible

from mentorat.models import Envoi
from parrainages.models import Charte
from parrainages.services import charte_emettre
from partenaires.models import Rapport
from tests.mentorat.factories import EmailAddressFactory, EnvoiFactory, code_en_attente
from tests.pannes import (
    BoiteSMTP,
    Gunicorn,
    Navigateur,
    RedisJetable,
    WorkerCelery,
    attendre,
    celery_vers,
    environnement,
    mot_de_passe_du_serveur,
)
from tests.parrainages.factories import ParrainageFactory, partie_de, signer
from tests.partenaires.factories import ConventionFactory, MembreFactory, ObjectifFactory
from tests.programmes.factories import ModeleCharteFactory, ProgrammeFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]

MOT_DE_PASSE = "motdepasse-de-test"
CODE = "135790"


def _donnees():
    programme = ProgrammeFactory(slug="panne-redis")
    ModeleCharteFactory(programme=programme)
    pair = ParrainageFactory(programme=programme, actif=True)
    charte = charte_emettre(parrainage=pair)
    signer(partie_de(charte, "parrain"))
    code_en_attente(partie_de(charte, "filleul"), CODE, minutes=60)
    membre = MembreFactory()
    convention = ConventionFactory(partenaire=membre.partenaire, active=True)
    convention.programmes.add(programme)
    ObjectifFactory(convention=convention)
    for user in (pair.filleul.user, pair.parrain.user, membre.user):
        EmailAddressFactory(user=user)
        mot_de_passe_du_serveur(user, MOT_DE_PASSE)
    return programme, pair, charte, membre, convention


def test_redis_stopped_pages_keep_working_and_queued_work_is_not_lost(
    postgres, sceau, private_storage_dir, tmp_path, settings
):
    programme, pair, charte, membre, convention = _donnees()
    redis = RedisJetable(tmp_path)
    redis.demarrer()
    db = postgres.settings_dict
    with BoiteSMTP() as smtp:
        env = environnement(
            database_url=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
            redis_url=redis.url,
            email_url=f"smtp://127.0.0.1:{smtp.port}",
            PRIVATE_MEDIA_ROOT=private_storage_dir,
            SCEAU_CERTIFICAT=settings.SCEAU_CERTIFICAT,
            SCEAU_MOT_DE_PASSE=settings.SCEAU_MOT_DE_PASSE,
        )
        web = Gunicorn(env, tmp_path / "gunicorn.log")
        worker = WorkerCelery(env, tmp_path / "worker.log")
        try:
            with celery_vers(redis.url) as app:
                web.demarrer()
                worker.demarrer()
                _scenario(web, redis, smtp, programme, pair, charte, membre, convention, app)
        finally:
            worker.arreter()
            web.arreter()
            redis.arreter()


def _scenario(web, redis, smtp, programme, pair, charte, membre, convention, app):
    filleul, partenaire = Navigateur(web.base), Navigateur(web.base)
    assert filleul.json("/sante/") == (200, {**_sante("ok"), "statut": "ok"})
    assert filleul.connecter(pair.filleul.user.email, MOT_DE_PASSE) == 302
    assert partenaire.connecter(membre.user.email, MOT_DE_PASSE) == 302

    # --- Redis goes down -------------------------------------------------------------------
    redis.arreter()
    anonyme = Navigateur(web.base)
    filleul.durees, partenaire.durees = [], []
    obtenus = {
        "accueil": anonyme.get("/")[0],
        "programme": anonyme.get(programme.get_absolute_url())[0],
        "page de connexion": anonyme.get("/comptes/login/")[0],
        "espace du filleul": filleul.get("/filleul/")[0],
        "charte": filleul.get(f"/charte/{charte.uuid}/")[0],
        "signature (dernière)": filleul.post(
            f"/charte/{charte.uuid}/", {"action": "confirmer", "code": CODE}
        )[0],
        "convention (tableau en cache)": partenaire.get(
            f"/partenaire/conventions/{convention.pk}/"
        )[0],
        "rapport demandé": partenaire.post(
            f"/partenaire/conventions/{convention.pk}/",
            {"debut": "2026-01-01", "fin": "2026-03-31"},
        )[0],
        "connexion": Navigateur(web.base).connecter(pair.parrain.user.email, MOT_DE_PASSE),
    }
    sante = anonyme.json("/sante/")
    durees = [d for nav in (anonyme, filleul, partenaire) for d in nav.durees]
    print(f"\nPendant la panne : {len(durees)} requêtes, la plus lente en {max(durees):.2f} s")
    assert obtenus == {
        "accueil": 200,
        "programme": 200,
        "page de connexion": 200,
        "espace du filleul": 200,
        "charte": 200,
        "signature (dernière)": 302,
        "convention (tableau en cache)": 200,
        "rapport demandé": 302,
        "connexion": 302,
    }
    assert sante == (503, {**_sante("indisponible"), "statut": "indisponible"})
    charte.refresh_from_db()
    assert charte.statut == Charte.Statut.SIGNEE and not charte.pdf
    rapport = Rapport.objects.get(convention=convention)
    assert rapport.statut == Rapport.Statut.EN_ATTENTE

    # Reminders written to the outbox by the planning task just before the outage: the task
    # that sends them cannot be queued.
    envois = EnvoiFactory.create_batch(5)
    with pytest.raises(BrokerIndisponible):
        app.send_task("parrainages.expedier_envois")

    # --- Redis is back (empty: --save "") ----------------------------------------------------
    redis.demarrer()
    attendre(lambda: anonyme.json("/sante/")[0] == 200, 30, "/sante/ doit revenir à 200")
    # What beat schedules runs again; the catch-ups look at what has waited 10 minutes.
    il_y_a_11_minutes = timezone.now() - dt.timedelta(minutes=11)
    Charte.objects.filter(pk=charte.pk).update(signee_le=il_y_a_11_minutes)
    Rapport.objects.filter(pk=rapport.pk).update(created_at=il_y_a_11_minutes)
    app.send_task("parrainages.rattraper_chartes")
    app.send_task("parrainages.expedier_envois")
    app.send_task("partenaires.rattraper_rapports")
    attendre(
        lambda: (
            Charte.objects.filter(pk=charte.pk, envoyee_le__isnull=False).exists()
            # The reminders, and the sealed charter to each of its two parties.
            and Envoi.objects.filter(
                statut=Envoi.Statut.ENVOYE, regle__in=[envois[0].regle, "charte_signee"]
            ).count()
            == len(envois) + 2
        ),
        120,
        "la charte et les rappels doivent partir une fois Redis revenu",
        pas=0.5,
    )
    attendre(
        lambda: Rapport.objects.filter(pk=rapport.pk, statut=Rapport.Statut.PRET).exists(),
        120,
        "le rapport demandé pendant la panne doit être produit",
        pas=0.5,
    )
    charte.refresh_from_db()
    assert charte.pdf and len(charte.pdf_sha256) == 64
    sujets = smtp.sujets()
    signees = [s for s in sujets if "charte de parrainage signée" in s]
    assert len(signees) == 1 and sujets[signees[0]] == 2, sujets  # once to each party
    assert sum(n for s, n in sujets.items() if s == f"[Mentorat] {envois[0].sujet}") == len(envois)


def _sante(etat):
    return {"base_de_donnees": "ok", "courtier": etat}
