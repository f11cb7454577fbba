"""A telephone number in a link: RFC 3966 allows no space after « tel: »."""

import pytest
from django.template import Context, Template


@pytest.mark.parametrize(
    ("numero", "uri"),
    [
        ("06 39 98 76 42", "tel:+33639987642"),
        ("06.39.98.76.42", "tel:+33639987642"),
        ("+33 6 39 98 76 42", "tel:+33639987642"),
        ("01 44 55 66 77", "tel:+33144556677"),
        ("+32 470 12 34 56", "tel:+32470123456"),
        ("3949", "tel:3949"),
        ("", "tel:"),
    ],
)
def test_a_number_as_people_type_it_becomes_a_valid_uri(numero, uri):
    rendu = Template("{% load telephones %}{{ n|tel_uri }}").render(Context({"n": numero}))
    assert rendu == uri
