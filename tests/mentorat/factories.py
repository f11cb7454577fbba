import factory
from django.contrib.auth.models import Group

from mentorat.models import User
from mentorat.roles import ADMINISTRATEUR, GESTIONNAIRE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password("motdepasse-de-test")

    class Params:
        gestionnaire = factory.Trait(is_staff=True)
        administrateur = factory.Trait(is_staff=True)

    @factory.post_generation
    def groupes(self, create, extracted, **kwargs):
        if not create:
            return
        names = list(extracted or [])
        if self.is_staff and not names and not self.is_superuser:
            names = [GESTIONNAIRE]
        if names:
            self.groups.add(*Group.objects.filter(name__in=names))


def gestionnaire(**kwargs):
    return UserFactory(is_staff=True, groupes=[GESTIONNAIRE], **kwargs)


def administrateur(**kwargs):
    return UserFactory(is_staff=True, groupes=[ADMINISTRATEUR], **kwargs)


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
    sujet = "Un rappel"
    gabarit = "parrainages/emails/relance"
    contexte = factory.LazyFunction(
        lambda: {
            "titre": "Bonjour,",
            "lignes": ["Un rappel."],
            "lien": "http://x/",
            "libelle_lien": "Voir",
        }
    )
