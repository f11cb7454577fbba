import hashlib

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from .access import staff_verifie
from .admin_etiquettes import DateHeureEtiqueteesMixin, EtiquettesAdminMixin
from .admin_listes import SafeChangeListMixin
from .admin_pagination import PaginationBorneeMixin
from .admin_perimetre import (
    PORTEES_TIERCES,
    PerimetreAdminMixin,
    PerimetreInlineMixin,
    declaration_valide,
)
from .admin_recherche import RechercheIndexeeMixin
from .admin_widgets import AutocompleteAccessibleMixin
from .cache import calculer_une_fois
from .mfa import avec_suite, exiger_mfa, mfa_passee, retour_sur
from .perimetre import perimetre_de
from .suppression import supprimer
from .taches import tache_apres_validation

# The dashboard's counts are kept this long (seconds): see ``index``.
DUREE_TABLEAU_DE_BORD = 60
# The last counts of a perimeter are kept this long (seconds), shown while they are counted
# again in the background.
DUREE_DERNIER_TABLEAU_DE_BORD = 7 * 24 * 3600


@admin.action(
    permissions=["delete"], description="Supprimer la sélection (%(verbose_name_plural)s)"
)
def supprimer_la_selection(modeladmin, request, queryset):
    """Django's bulk deletion, under a label that agrees with every model: the French
    translation's « Supprimer les %(verbose_name_plural)s sélectionnés » gives « les
    candidatures sélectionnés »."""
    return delete_selected(modeladmin, request, queryset)


class SuppressionJournaliseeMixin:
    """The bulk deletion of a list's selection records its audit entries in bulk, and
    deletes related rows in batches (``mentorat.suppression``) rather than one by one."""

    def delete_queryset(self, request, queryset):
        supprimer(queryset)


class MentoratAdminSite(admin.AdminSite):
    index_title = "Tableau de bord"
    index_template = "admin/mentorat_index.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # What the dashboard shows beside the app list, added by the apps above the core,
        # which it never imports: context name → read.
        self._tableau_de_bord = {}
        self.add_action(supprimer_la_selection, "delete_selected")

    @property
    def site_header(self) -> str:
        """The site's name (``SITE_NAME``) in the header of every admin page."""
        return f"{settings.SITE_NAME} — administration"

    @property
    def site_title(self) -> str:
        """The end of every admin page's title."""
        return settings.SITE_NAME

    def tableau_de_bord_ajouter(self, nom: str, lecture) -> None:
        """Show ``lecture(request)`` on the dashboard, as ``nom`` in its template's context:
        the reader limits what it counts to the staff member's perimeter
        (``admin_perimetre.dans_le_perimetre``)."""
        self._tableau_de_bord[nom] = lecture

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every ModelAdmin, ours or a third-party app's, gets a changelist that answers bad
        filters with the unfiltered list and a message, never a 500 (``admin_listes``), and
        whose editable columns' fields have a name (``admin_etiquettes``)."""
        admin_class = admin_class or admin.ModelAdmin
        modeles = [model_or_iterable] if isinstance(model_or_iterable, type) else model_or_iterable
        for modele in modeles:
            classe = admin_class
            # Every ModelAdmin says which rows each staff member sees (admin_perimetre).
            portee = getattr(classe, "portee", None)
            if portee is None:
                portee = PORTEES_TIERCES.get(modele._meta.label_lower)
            if not declaration_valide(portee):
                raise ImproperlyConfigured(
                    f"{classe.__name__} ({modele._meta.label}) ne dit pas ce que chaque membre "
                    "du personnel en voit : déclarez son attribut « portee » "
                    "(mentorat/admin_perimetre.py)."
                )
            melanges = tuple(
                m
                for m in (
                    PerimetreAdminMixin,
                    SafeChangeListMixin,
                    EtiquettesAdminMixin,
                    AutocompleteAccessibleMixin,
                )
                if not issubclass(classe, m)
            )
            # Lists counted up to a bound, unless the ModelAdmin pages them its own way.
            if classe.paginator is Paginator:
                melanges += (PaginationBorneeMixin,)
            # Bulk deletion in bulk, unless the ModelAdmin deletes its own way (accounts are
            # erased, not deleted).
            if classe.delete_queryset is admin.ModelAdmin.delete_queryset:
                melanges += (SuppressionJournaliseeMixin,)
            # The search box by subqueries on indexed columns (``admin_recherche``), unless the
            # ModelAdmin searches its own way.
            if classe.get_search_results is admin.ModelAdmin.get_search_results:
                melanges += (RechercheIndexeeMixin,)
            # Its inlines' rows and choices follow the perimeter too; their date-and-time
            # fields are named like the ModelAdmin's.
            inlines = tuple(
                i
                if all(
                    issubclass(i, m)
                    for m in (
                        PerimetreInlineMixin,
                        DateHeureEtiqueteesMixin,
                        AutocompleteAccessibleMixin,
                    )
                )
                else type(
                    i.__name__,
                    (
                        *(
                            m
                            for m in (
                                PerimetreInlineMixin,
                                DateHeureEtiqueteesMixin,
                                AutocompleteAccessibleMixin,
                            )
                            if not issubclass(i, m)
                        ),
                        i,
                    ),
                    {
                        "__module__": i.__module__,
                        "__doc__": i.__doc__,
                        "portee": staticmethod(i.portee)
                        if callable(getattr(i, "portee", None))
                        else getattr(i, "portee", None),
                    },
                )
                for i in classe.inlines
            )
            if melanges or inlines:
                classe = type(
                    classe.__name__,
                    (*melanges, classe),
                    {
                        "__module__": classe.__module__,
                        "__doc__": classe.__doc__,
                        # A function stays one (never bound to the ModelAdmin).
                        "portee": staticmethod(portee) if callable(portee) else portee,
                        "inlines": inlines,
                    },
                )
            super().register(modele, classe, **options)

    def has_permission(self, request):
        """Active staff whose login in this session went through their second factor."""
        return staff_verifie(request)

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        """No login form of its own: allauth's login (rate-limited, asks for the TOTP code).

        Reached whenever an admin page is refused: an anonymous visitor goes to allauth's
        login, a staff member without a second factor in this session to the TOTP code or its
        set-up, then back to the page asked for (``next``).
        """
        suite = retour_sur(
            request,
            request.POST.get(REDIRECT_FIELD_NAME, request.GET.get(REDIRECT_FIELD_NAME)),
            reverse("admin:index", current_app=self.name),
        )
        user = request.user
        if not user.is_authenticated:
            return redirect(avec_suite("account_login", suite))
        if not (user.is_active and user.is_staff):
            messages.error(request, "L'administration est réservée à l'équipe de la ville.")
            return redirect("espace")
        if not mfa_passee(request):
            return exiger_mfa(request, suite)
        return redirect(suite)

    def _cle_tableau_de_bord(self, request) -> str:
        """The key of the dashboard's counts: the same for every staff member of the same
        perimeter and the same permissions (a reader shows what the staff member's
        permissions open: ``file_de_travail``, the outbox's failures)."""
        user = request.user
        permissions = "*" if user.is_superuser else tuple(sorted(user.get_all_permissions()))
        signature = (_signature(perimetre_de(request)), permissions)
        return f"tableau_de_bord:{hashlib.sha256(repr(signature).encode()).hexdigest()}"

    def tableau_de_bord_compter(self, request) -> dict:
        """Every reader's count for ``request``'s staff member, kept under the key of their
        perimeter and permissions, and as its last counts."""
        lectures = {
            **{nom: lecture(request) for nom, lecture in self._tableau_de_bord.items()},
            "tableau_de_bord_compte_le": timezone.now(),
        }
        cle = self._cle_tableau_de_bord(request)
        cache.set(cle, (lectures,), DUREE_TABLEAU_DE_BORD)
        cache.set(f"{cle}:dernier", (lectures,), DUREE_DERNIER_TABLEAU_DE_BORD)
        return lectures

    def tableau_de_bord_compter_pour(self, user) -> bool:
        """``tableau_de_bord_compter`` for ``user`` outside a request (the background count
        a view asked for); False for an account that is no longer active staff."""
        if not (user.is_active and user.is_staff):
            return False
        request = HttpRequest()
        request.method = "GET"
        request.user = user
        self.tableau_de_bord_compter(request)
        return True

    def index(self, request, extra_context=None):
        """The dashboard: its readers' counts (``tableau_de_bord_ajouter``), kept
        ``DUREE_TABLEAU_DE_BORD`` seconds for every staff member of the same perimeter and
        permissions. A view in between reads no row it counts, whatever the size of the data
        (a national team's counts read every pair and every application: a second or more);
        the page says when they were counted. When they are older than that, the view shows
        the last counts of the same perimeter and permissions (kept a week) and asks for
        them to be counted again in the background (once per ``DUREE_TABLEAU_DE_BORD``);
        only a perimeter with no counts kept is counted during the view, by one process
        when several miss them together (``calculer_une_fois``)."""
        cle = self._cle_tableau_de_bord(request)
        a_jour = True
        gardee = cache.get(cle)
        dernier = None if gardee is not None else cache.get(f"{cle}:dernier")
        if gardee is not None:
            lectures = gardee[0]
        elif dernier is not None:
            lectures, a_jour = dernier[0], False
            if cache.add(f"{cle}:demande", 1, DUREE_TABLEAU_DE_BORD):
                tache_apres_validation("mentorat.compter_tableau_de_bord", request.user.pk)
        else:
            lectures = calculer_une_fois(
                cle,
                lambda: self.tableau_de_bord_compter(request),
                DUREE_TABLEAU_DE_BORD,
            )
        return super().index(
            request,
            {
                **(extra_context or {}),
                **lectures,
                "tableau_de_bord_duree": DUREE_TABLEAU_DE_BORD,
                "tableau_de_bord_a_jour": a_jour,
            },
        )


def _trie(valeur):
    """A perimeter's sets as sorted tuples: the same text in every process (a set's order
    is not)."""
    if isinstance(valeur, (set, frozenset)):
        return tuple(sorted(map(_trie, valeur), key=repr))
    if isinstance(valeur, tuple):
        return tuple(_trie(v) for v in valeur)
    return valeur


def _signature(perimetre) -> tuple:
    entrees = sorted(
        (
            e.programme_id,
            e.role,
            e.structure_id,
            _trie(e.departements) if e.departements is not None else None,
            _trie(e.communes),
        )
        for e in perimetre.entrees
    )
    return (
        perimetre.tout,
        tuple(entrees),
        tuple(sorted(map(_trie, perimetre.orphelins), key=repr)),
    )
