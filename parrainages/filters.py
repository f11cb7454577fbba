import django_filters

from .models import Parrainage


class BinomeFilter(django_filters.FilterSet):
    statut = django_filters.ChoiceFilter(
        label="État", choices=Parrainage.Statut.choices, empty_label="Tous"
    )
    programme = django_filters.ModelChoiceFilter(
        label="Programme", queryset=None, empty_label="Tous"
    )

    class Meta:
        model = Parrainage
        fields = ["statut", "programme"]

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["programme"].queryset = programmes
