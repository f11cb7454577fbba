import pytest
from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction

from mentorat.models import User

pytestmark = pytest.mark.django_db


def test_login_is_the_email_address():
    user = User.objects.create_user("Camille.Durand@Exemple.fr", "un-mot-de-passe-solide")
    assert user.email == "Camille.Durand@exemple.fr"
    assert authenticate(email="Camille.Durand@exemple.fr", password="un-mot-de-passe-solide")
    assert not hasattr(user, "username") or user.username is None


def test_email_unique_whatever_the_case():
    User.objects.create_user("camille@exemple.fr", "x")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("CAMILLE@exemple.fr", "x")


def test_superuser_is_staff():
    admin = User.objects.create_superuser("chef@ville.fr", "y")
    assert admin.is_staff and admin.is_superuser


def test_email_required():
    with pytest.raises(ValueError, match="obligatoire"):
        User.objects.create_user("", "x")
