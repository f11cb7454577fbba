import datetime as dt

import factory
from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest
from django.utils import timezone

from mentorat.models import User
from mentorat.roles import ADMINISTRATEUR, GESTIONNAIRE


def _groupes(*noms):
    def ajouter(user, create, extracted, **kwargs):
        if create:
            user.groups.add(*Group.objects.filter(name__in=list(extracted or noms)))
            user._groupes_donnes = True
            _placer(user)

    return factory.PostGeneration(ajouter)


def _placer(user):
    """Place a new staff member in their structure once their groups are known (the groups'
    and the structure's declarations run in either order: a trait's come last)."""
    if not getattr(user, "_groupes_donnes", False) or not hasattr(user, "_structure_voulue"):
        return
    extracted = user._structure_voulue
    if extracted is False or not user.is_staff or user.is_superuser:
        return
    if user.groups.filter(name=ADMINISTRATEUR).exists():
        return
    from programmes.models import Affectation

    cible = extracted or structure_de_la_ville()
    Affectation.objects.get_or_create(
        structure=cible, user=user, defaults={"role": Affectation.Role.COORDINATEUR}
    )


class UserFactory(factory.django.DjangoModelFactory):
    """An ordinary account; ``gestionnaire=True`` or ``administrateur=True`` give a member of
    staff in that group (``groupes=[…]`` for others; staff with no group given are
    Gestionnaires)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password("motdepasse-de-test")
    is_staff = False
    is_superuser = False
    groupes = factory.Maybe(
        factory.LazyAttribute(lambda o: o.is_staff and not o.is_superuser),
        yes_declaration=_groupes(GESTIONNAIRE),
        no_declaration=_groupes(),
    )

    @factory.post_generation
    def structure(user, create, extracted, **kwargs):
        """Staff who are not Administrateurs work in the test city's structure, as coordinators,
        unless ``structure=False`` (no structure) or ``structure=<Structure>`` is given."""
        if create:
            user._structure_voulue = extracted
            _placer(user)

    class Params:
        gestionnaire = factory.Trait(is_staff=True, groupes=_groupes(GESTIONNAIRE))
        administrateur = factory.Trait(is_staff=True, groupes=_groupes(ADMINISTRATEUR))
        # A verified French mobile number (mentorat.canaux), messages by e-mail until chosen.
        mobile = factory.Trait(
            telephone=factory.Sequence(lambda n: f"+3361{n % 10_000_000:07d}"),
            telephone_verifie_le=factory.LazyFunction(timezone.now),
        )
        # Everything by SMS.
        tout_sms = factory.Trait(
            mobile=True, canaux={"codes": "sms", "rencontres": "sms", "enquetes": "sms"}
        )


def structure_de_la_ville():
    """The test city's employment service: it runs every programme a test creates
    (``ProgrammeFactory``) and its staff are the tests' Gestionnaires."""
    from programmes.models import Structure

    return Structure.objects.get_or_create(
        nom="Service emploi de la ville (tests)",
        defaults={"type": Structure.Type.VILLE, "operateur": True},
    )[0]


def gestionnaire(**kwargs):
    return UserFactory(gestionnaire=True, **kwargs)


def administrateur(**kwargs):
    return UserFactory(administrateur=True, **kwargs)


def totp_activer(user) -> Authenticator:
    """Give ``user`` an authenticator app (allauth TOTP); its secret is ``.wrap().secret``."""
    existing = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return existing or TOTP.activate(user, generate_totp_secret()).instance


def session_mfa(session, user, *, mfa: bool = True):
    """Write in ``session`` what allauth writes at a login by password then TOTP code.

    ``mfa=False``: a login by password only (a session that must not open the admin).
    """
    request = HttpRequest()
    request.session = session
    request.user = user
    record_authentication(request, user, "password", email=user.email)
    if mfa:
        authenticator = totp_activer(user)
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    return session


def connecter(client, user, *, mfa: bool = True):
    """Sign ``user`` in on the test client; staff as after a login with their TOTP code.

    The one way tests open an admin session: ``force_login`` alone gives a session without
    a second factor, which the admin refuses (``mentorat.mfa``).
    """
    client.force_login(user)
    if user.is_staff:
        session = client.session
        session_mfa(session, user, mfa=mfa)
        session.save()
    return user


class EmailAddressFactory(factory.django.DjangoModelFactory):
    """allauth's verified address of an account."""

    class Meta:
        model = "account.EmailAddress"

    user = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.user.email)
    verified = True
    primary = True


class EnvoiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "mentorat.Envoi"

    regle = "essai"
    cle = factory.Sequence(lambda n: f"essai:{n}")
    destinataire = factory.SubFactory(UserFactory)
    email = factory.LazyAttribute(lambda o: o.destinataire.email)
    sujet = "Votre parrainage se termine bientôt"
    gabarit = "parrainages/emails/relances/fin_proche"
    contexte = factory.LazyFunction(lambda: {"programme": "Insertion", "date_fin": "01/12/2026"})

    class Params:
        envoye = factory.Trait(statut="envoye", envoye_le=factory.LazyFunction(timezone.now))
        echec = factory.Trait(statut="echec", tentatives=1, erreur="550 boîte inconnue")
        annule = factory.Trait(statut="annule")


class JournalFactory(factory.django.DjangoModelFactory):
    """An entry of the audit trail (django-auditlog): a change of a person's first name."""

    class Meta:
        model = "auditlog.LogEntry"

    content_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(User))
    object_id = factory.Sequence(lambda n: 10_000 + n)
    object_pk = factory.LazyAttribute(lambda o: str(o.object_id))
    object_repr = factory.Sequence(lambda n: f"Personne {n}")
    action = 1
    changes = factory.LazyFunction(
        lambda: {"first_name": ["Ana", "Anaïs"], "is_staff": ["False", "True"]}
    )
    actor = factory.SubFactory(UserFactory)


class PartieFactory(factory.django.DjangoModelFactory):
    """A party called to sign a document (``mentorat.signatures``), with an account by default;
    ``document=`` any registered document (a pair's charter, without its own parties, when not
    given). Traits: ``signee`` (signed with an e-mailed code), ``sans_compte`` (a party who
    signs from a link of their own, a minor's guardian by default)."""

    class Meta:
        model = "mentorat.Partie"

    class Params:
        document = factory.SubFactory("tests.parrainages.factories.CharteFactory", parties=False)
        signee = factory.Trait(
            signee_le=factory.LazyFunction(timezone.now),
            adresse_ip="203.0.113.9",
            user_agent="Mozilla/5.0 (Linux; Android 14)",
            methode="code_email",
            texte_sha256=factory.LazyAttribute(
                lambda o: getattr(o.document, "texte_sha256", "") or "a" * 64
            ),
        )
        sans_compte = factory.Trait(
            user=None,
            role="representant_legal_1",
            libelle="Représentant légal du filleul ou de la filleule",
            prenom="Nadia",
            nom=factory.Sequence(lambda n: f"Benali {n}"),
            fonction="Mère",
            email=factory.Sequence(lambda n: f"representant{n}@exemple.fr"),
        )

    document_type = factory.LazyAttribute(
        lambda o: ContentType.objects.get_for_model(o.document, for_concrete_model=False)
    )
    document_id = factory.LazyAttribute(lambda o: o.document.pk)
    role = "parrain"
    libelle = "Parrain ou marraine"
    ordre = 1
    user = factory.SubFactory(UserFactory)
    prenom = factory.LazyAttribute(lambda o: o.user.first_name if o.user else "")
    nom = factory.LazyAttribute(lambda o: o.user.last_name if o.user else "")
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "")


class CodeSignatureFactory(factory.django.DjangoModelFactory):
    """A one-time code waiting to be typed (its hash only; the code itself is unknown)."""

    class Meta:
        model = "mentorat.CodeSignature"

    partie = factory.SubFactory(PartieFactory)
    code_hash = "0" * 64
    expire_le = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(minutes=10))


def code_en_attente(partie, code: str, *, minutes: int = 10):
    """A code already e-mailed to ``partie`` and waiting to be typed, whose value is known."""
    from mentorat.models import CodeSignature
    from mentorat.signatures import _hash_code

    demande = CodeSignature.objects.create(
        partie=partie, code_hash="", expire_le=timezone.now() + dt.timedelta(minutes=minutes)
    )
    demande.code_hash = _hash_code(demande.pk, code)
    demande.save(update_fields=["code_hash"])
    return demande
