import hashlib
from collections import defaultdict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.widgets import AdminDateWidget
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, FilteredRelation, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

import programmes.admin
from mentorat.admin import (
    DECISION_FIELDS,
    HTTPS_URLS,
    Decision,
    DecisionAdminMixin,
    DecisionForm,
    DecisionRefusee,
    JournalAuditAdminMixin,
    LoadedRelationsForm,
    SelectRelatedMixin,
    TransitionAdminMixin,
    identite_certifiee,
    json_html,
    transition_action,
)
from mentorat.admin_dates import BoundedDatesChangeList, DateHierarchyFromBoundsMixin
from mentorat.admin_pagination import liste_par_les_cles
from mentorat.admin_perimetre import REFERENTIEL_PARTAGE, dans_le_perimetre
from mentorat.admin_voisins import voisins
from mentorat.models import Partie, User
from mentorat.perimetre import COORDINATEUR, LECTURE, RANG, Portee, perimetre_de
from mentorat.signatures import parties_de
from mentorat.territoires import departement_of
from programmes.models import Forme, Programme, QuartierPrioritaire

from . import extensions
from .admin_selection import candidatures_inviter_action
from .eligibilite import criteres_enregistres
from .matching import explain
from .matching.explain import A_DISTANCE
from .matching.geo import distances_km
from .matching.scoring import COMPONENTS
from .models import (
    AutorisationParentale,
    BilanImmersion,
    Candidature,
    Charte,
    Filleul,
    Immersion,
    ImportParrains,
    MatchingRun,
    MotifRefus,
    ObjectifBinome,
    Parrain,
    Parrainage,
    PointEtape,
    Rencontre,
    RepresentantLegal,
    SessionSelection,
    Sortie,
)
from .selectors import tableau_de_bord_programmes
from .services import (
    candidature_desister,
    candidature_etudier,
    candidature_mettre_en_attente,
    candidature_refuser,
    candidature_retenir,
    charte_annuler,
    charte_reemettre,
    lire_csv_parrains,
    parrainage_interrompre,
    parrainage_terminer,
    parrains_inviter,
    parrains_valider,
)
from .services.capacite import binomes_ouverts_par_parrain, place_exiger
from .services.immersion import (
    immersion_annuler,
    immersion_modifier,
    immersion_refuser,
    immersion_relancer,
    immersion_soumettre,
    immersion_valider,
)
from .services.matching import (
    APPARIE_ENTRE_TEMPS,
    PLACES_PRISES_ENTRE_TEMPS,
    AppariementRefuse,
    appariement_lancer,
    proposition_confirmer,
    proposition_ecarter,
    propositions_confirmer,
)
from .services.mineurs import (
    autorisation_relancer,
    honorabilite_enregistrer,
    honorabilite_manquante,
)
from .services.onboarding import import_parrains_lancer
from .services.qpv import CHAMPS_ADRESSE, CHAMPS_QPV, filleul_qpv_decider, filleul_qpv_recalculer
from .services.qualite import points_etape_traiter
from .services.sorties import sortie_candidature_enregistrer, sortie_candidature_verifier

PERSON_SEARCH = ("user__email", "user__last_name", "user__first_name")
PAIR_RELATED = ("programme", "parrain__user", "filleul__user")
PAIR_SEARCH = (
    "parrain__user__last_name",
    "parrain__user__email",
    "parrain__entreprise",
    "filleul__user__last_name",
    "filleul__user__email",
)


def _of_pair(prefix, names):
    return tuple(f"{prefix}__{name}" for name in names)


# --- People ---------------------------------------------------------------------------------------


class InvitationParrainForm(forms.Form):
    prenom = forms.CharField(label="Prénom", max_length=150)
    nom = forms.CharField(label="Nom", max_length=150)
    email = forms.EmailField(label="Adresse e-mail")
    entreprise = forms.CharField(label="Entreprise", max_length=200)
    fonction = forms.CharField(label="Fonction", max_length=200, required=False)
    programme = forms.ModelChoiceField(
        label="Programme", queryset=Programme.objects.publics().order_by("nom"), required=False
    )


class ImportParrainsForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier CSV",
        help_text="Colonnes : prenom, nom, email, entreprise, fonction (séparateur , ou ;).",
    )
    programme = forms.ModelChoiceField(
        label="Programme", queryset=Programme.objects.publics().order_by("nom"), required=False
    )


class ParrainAdminForm(LoadedRelationsForm):
    """The background check is typed as a date; who checked is the staff member saving,
    recorded by the service (never typed)."""

    controle_honorabilite_le = forms.DateField(
        label="Contrôle d'honorabilité fait le",
        required=False,
        widget=AdminDateWidget,
        help_text="Date à laquelle l'équipe a vérifié l'extrait de casier judiciaire (bulletin "
        "n° 3) ou l'attestation d'honorabilité. Seules la date et la personne de l'équipe qui "
        "l'enregistre sont conservées, jamais le contenu du document. Videz le champ pour "
        "retirer le contrôle.",
    )

    class Meta:
        model = Parrain
        # The check's two fields are never typed in (the admin's fieldsets list the others).
        fields = (
            "user",
            "statut",
            "entreprise",
            "fonction",
            "annees_experience",
            "bio",
            "programmes",
            "secteurs",
            "offre_reguliere",
            "offre_ponctuelle",
            "offre_immersion",
            "capacite",
            "disponibilites",
            "commune",
            "distanciel_accepte",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["controle_honorabilite_le"].initial = self.instance.honorabilite_verifiee_le

    def clean_controle_honorabilite_le(self):
        le = self.cleaned_data["controle_honorabilite_le"]
        if le and le > timezone.localdate():
            raise forms.ValidationError(
                "La date du contrôle d'honorabilité ne peut pas être dans le futur."
            )
        return le


class HonorabiliteFilter(admin.SimpleListFilter):
    title = "contrôle d'honorabilité"
    parameter_name = "honorabilite"

    def lookups(self, request, model_admin):
        return [("oui", "Enregistré"), ("non", "Non enregistré")]

    def queryset(self, request, queryset):
        if self.value() in ("oui", "non"):
            return queryset.filter(honorabilite_verifiee_le__isnull=self.value() == "non")
        return queryset


@admin.register(Parrain)
class ParrainAdmin(
    JournalAuditAdminMixin, DateHierarchyFromBoundsMixin, SelectRelatedMixin, admin.ModelAdmin
):
    # The programmes they offer to mentor in, and those where they have a pair (a pair typed
    # in by hand for a programme the mentor did not join).
    portee = Portee(
        ("programmes", "parrainages__programme"),
        "commune",
        multiple=True,
        sans_programme=("programmes", "parrainages"),
    )
    change_list_template = "admin/parrainages/parrain/change_list.html"
    form = ParrainAdminForm
    actions = ["valider", "enregistrer_honorabilite"]
    list_display = (
        "nom",
        "user__email",
        "entreprise",
        "fonction",
        "commune",
        "capacite",
        "places_restantes",
        "statut",
    )
    list_filter = (
        "statut",
        "programmes",
        "secteurs",
        HonorabiliteFilter,
        "offre_reguliere",
        "offre_ponctuelle",
        "offre_immersion",
        "distanciel_accepte",
    )
    list_select_related = ("user", "commune")
    search_fields = (*PERSON_SEARCH, "entreprise", "fonction")
    autocomplete_fields = ("user", "commune", "secteurs", "programmes")
    readonly_fields = ("created_at", "valide_le", "honorabilite_enregistree")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    show_full_result_count = False
    fieldsets = (
        (
            None,
            {"fields": ("user", "statut", "entreprise", "fonction", "annees_experience", "bio")},
        ),
        ("Programmes et secteurs", {"fields": ("programmes", "secteurs")}),
        (
            "Contrôle d'honorabilité (parrains de mineurs)",
            {"fields": ("controle_honorabilite_le", "honorabilite_enregistree")},
        ),
        (
            "Offre et disponibilités",
            {
                "fields": (
                    "offre_reguliere",
                    "offre_ponctuelle",
                    "offre_immersion",
                    "capacite",
                    "disponibilites",
                    "commune",
                    "distanciel_accepte",
                )
            },
        ),
        ("Historique", {"fields": ("created_at", "valide_le")}),
    )

    def get_queryset(self, request):
        # A correlated count, not a join with GROUP BY: PostgreSQL then reads the page's rows
        # from the ordering index and counts the open pairs of those rows only.
        ouverts = (
            Parrainage.objects.filter(parrain=OuterRef("pk"))
            .prenant_une_place()
            .order_by()
            .values("parrain")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super().get_queryset(request).annotate(binomes_ouverts=Coalesce(Subquery(ouverts), 0))
        )

    @admin.display(description="nom", ordering="user__last_name")
    def nom(self, obj):
        return obj.user.get_full_name() if obj.user_id else "Parrain anonymisé"

    @admin.display(description="places restantes")
    def places_restantes(self, obj):
        return obj.capacite - obj.binomes_ouverts

    @admin.display(description="contrôle enregistré")
    def honorabilite_enregistree(self, obj):
        if obj.honorabilite_verifiee_le is None:
            return "Aucun contrôle enregistré."
        par = obj.honorabilite_verifiee_par
        qui = par.get_full_name() or par.email if par else "un compte supprimé depuis"
        return f"Fait le {obj.honorabilite_verifiee_le:%d/%m/%Y}, enregistré par {qui}."

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if "controle_honorabilite_le" in form.changed_data:
            honorabilite_enregistrer(
                parrain=obj, par=request.user, le=form.cleaned_data["controle_honorabilite_le"]
            )

    @admin.action(
        description="Enregistrer le contrôle d'honorabilité (fait aujourd'hui)",
        permissions=["change"],
    )
    def enregistrer_honorabilite(self, request, queryset):
        n = 0
        for parrain in queryset:
            honorabilite_enregistrer(parrain=parrain, par=request.user, le=timezone.localdate())
            n += 1
        self.message_user(
            request,
            f"Contrôle d'honorabilité enregistré pour {n} parrain(s), à la date du jour, à "
            "votre nom.",
        )

    @admin.action(description="Valider les parrains sélectionnés", permissions=["change"])
    def valider(self, request, queryset):
        n = parrains_valider(parrains=list(queryset), par=request.user)
        ignores = queryset.count() - n
        self.message_user(request, f"{n} parrain(s) validé(s) et prévenu(s) par e-mail.")
        if ignores:
            self.message_user(
                request,
                f"{ignores} ligne(s) ignorée(s) : seuls les parrains « à valider » le sont.",
                messages.WARNING,
            )

    def get_urls(self):
        inviter = self.admin_site.admin_view(self.inviter_view)
        return [
            path("inviter/", inviter, name="parrainages_parrain_inviter"),
            *super().get_urls(),
        ]

    def inviter_view(self, request):
        """Invite mentors one by one, or many from a CSV file checked line by line first."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        seul = InvitationParrainForm(
            request.POST if request.POST.get("mode") == "un" else None, prefix="un"
        )
        fichier = ImportParrainsForm(
            request.POST if request.POST.get("mode") == "csv" else None,
            request.FILES or None,
            prefix="csv",
        )
        # Only the programmes where the staff member may add mentors; a mentor attached to
        # no programme is seen by the platform's operator structure only: whoever is not of
        # it names the programme.
        perimetre = perimetre_de(request)
        programmes = dans_le_perimetre(
            request, Programme.objects.publics().order_by("nom"), self.portee.ecriture
        )
        for formulaire in (seul, fichier):
            formulaire.fields["programme"].queryset = programmes
            formulaire.fields["programme"].required = not (perimetre.tout or perimetre.orphelins)
        erreurs_csv = []
        if request.method == "POST":
            lignes, programme = None, None
            if request.POST.get("mode") == "un" and seul.is_valid():
                data = seul.cleaned_data
                lignes = [{**data, "email": data["email"].lower()}]
                programme = data["programme"]
            elif request.POST.get("mode") == "csv" and fichier.is_valid():
                programme = fichier.cleaned_data["programme"]
                try:
                    lignes_csv = lire_csv_parrains(fichier.cleaned_data["fichier"])
                except ValidationError as exc:
                    erreurs_csv = exc.messages
                else:
                    # Checked here, written by a worker: up to 5,000 rows would take minutes.
                    envoi = import_parrains_lancer(
                        lignes=lignes_csv,
                        programme=programme,
                        par=request.user,
                        nom_fichier=fichier.cleaned_data["fichier"].name,
                    )
                    self.message_user(
                        request,
                        f"Fichier vérifié : {len(lignes_csv)} ligne(s) en cours d'import. "
                        "Chaque parrain recevra un lien pour choisir son mot de passe.",
                    )
                    return redirect("admin:parrainages_importparrains_change", envoi.pk)
            if lignes:
                try:
                    parrains = parrains_inviter(
                        lignes=lignes, programme=programme, par=request.user
                    )
                except ValidationError as exc:
                    target = seul if request.POST.get("mode") == "un" else None
                    if target is not None:
                        target.add_error(None, exc)
                    else:
                        erreurs_csv = exc.messages
                else:
                    self.message_user(
                        request,
                        f"{len(parrains)} parrain(s) invité(s) : chacun reçoit un lien pour "
                        "choisir son mot de passe.",
                    )
                    return redirect("admin:parrainages_parrain_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": "Inviter des parrains et marraines",
            "opts": self.model._meta,
            "seul": seul,
            "fichier": fichier,
            "erreurs_csv": erreurs_csv,
        }
        return TemplateResponse(request, "admin/parrainages/parrain/inviter.html", context)


class RepresentantsFormSet(BaseInlineFormSet):
    """A minor keeps at least one guardian, whose address is not the minor's own."""

    def clean(self):
        super().clean()
        filleul = self.instance
        if filleul.anonymise_le or not filleul.date_naissance or not filleul.est_mineur():
            return
        # Rows kept: existing ones and filled-in new ones (an untouched blank row has no data).
        gardes = [
            f
            for f in self.forms
            if getattr(f, "cleaned_data", None) and not f.cleaned_data.get("DELETE", False)
        ]
        if not gardes:
            raise ValidationError(
                "Ce filleul a moins de 18 ans : indiquez au moins un représentant légal."
            )
        compte = (filleul.user.email or "").lower() if filleul.user_id else ""
        for form in gardes:
            if compte and form.cleaned_data.get("email", "").lower() == compte:
                form.add_error(
                    "email",
                    "L'adresse du représentant légal doit être différente de celle du filleul.",
                )


class RepresentantLegalInline(admin.TabularInline):
    """A minor's legal guardians (their consent is recorded by their signature)."""

    model = RepresentantLegal
    formset = RepresentantsFormSet
    extra = 0
    fields = ("prenom", "nom", "lien", "email", "telephone", "consentement_le")
    readonly_fields = ("consentement_le",)


class FilleulAdminForm(LoadedRelationsForm):
    """Staff's decision on the priority neighbourhood: in or out, with a mandatory reason,
    written by ``filleul_qpv_decider`` (audited, shown as decided by the team)."""

    qpv_decision = forms.ChoiceField(
        label="Décision de l'équipe sur le QPV",
        choices=[
            ("", "— aucune (garder le résultat actuel) —"),
            (Filleul.ResultatQPV.DANS, "Dans un quartier prioritaire"),
            (Filleul.ResultatQPV.HORS, "Hors quartier prioritaire"),
        ],
        required=False,
        help_text="Remplace le résultat calculé depuis l'adresse, jusqu'au prochain changement "
        "d'adresse.",
    )
    qpv_decision_code = forms.CharField(
        label="Code du quartier",
        max_length=10,
        required=False,
        help_text="Facultatif, avec « Dans un quartier prioritaire » : ex. QN06710I.",
    )
    qpv_decision_motif = forms.CharField(
        label="Motif de la décision",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Obligatoire avec une décision (ex. « attestation de domicile vue, adresse "
        "dans le périmètre »).",
    )

    class Meta:
        model = Filleul
        # The admin builds the form from the fieldsets; these are the minimum.
        fields = ["adresse", "adresse_complement", "code_postal"]

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("qpv_decision")
        code = (cleaned.get("qpv_decision_code") or "").strip().upper()
        cleaned["qpv_decision_quartier"] = None
        if not decision:
            if code or (cleaned.get("qpv_decision_motif") or "").strip():
                self.add_error("qpv_decision", "Choisissez la décision (dans ou hors QPV).")
            return cleaned
        if len(" ".join((cleaned.get("qpv_decision_motif") or "").split())) < 5:
            self.add_error("qpv_decision_motif", "Indiquez le motif de la décision (obligatoire).")
        if code:
            if decision != Filleul.ResultatQPV.DANS:
                self.add_error(
                    "qpv_decision_code", "Un quartier ne se donne qu'avec « Dans un QPV »."
                )
            else:
                quartier = QuartierPrioritaire.objects.filter(code=code).first()
                if quartier is None:
                    self.add_error(
                        "qpv_decision_code",
                        f"Aucun quartier prioritaire importé n'a le code {code}.",
                    )
                cleaned["qpv_decision_quartier"] = quartier
        return cleaned


@admin.register(Filleul)
class FilleulAdmin(
    JournalAuditAdminMixin, DateHierarchyFromBoundsMixin, SelectRelatedMixin, admin.ModelAdmin
):
    # The programmes they applied or were referred to, and those where they have a pair.
    portee = Portee(
        ("candidatures__programme", "prescriptions__programme", "parrainages__programme"),
        "commune",
        multiple=True,
        sans_programme=("candidatures", "prescriptions", "parrainages"),
    )
    form = FilleulAdminForm
    inlines = (RepresentantLegalInline,)
    actions = ("recalculer_qpv",)
    list_display = (
        "__str__",
        "user__email",
        "age",
        "commune",
        "qpv",
        "qpv_resultat",
        "niveau_diplome",
        "situation",
        "prescripteur",
        "created_at",
    )
    list_filter = (
        "qpv_resultat",
        "qpv_origine",
        "qpv",
        "situation",
        "niveau_diplome",
        "source",
        "prescripteur__type",
    )
    list_select_related = ("user", "commune", "prescripteur")
    search_fields = (*PERSON_SEARCH, "=identifiant_france_travail")
    autocomplete_fields = (
        "user",
        "commune",
        "secteurs_souhaites",
        "prescripteur",
        "etablissement",
    )
    readonly_fields = (
        "consentement_version",
        "consentement_le",
        "anonymise_le",
        "created_at",
        *CHAMPS_QPV,
    )
    date_hierarchy = "created_at"
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("user", "date_naissance")}),
        (
            "Adresse et quartier prioritaire (QPV)",
            {
                "fields": (
                    "adresse",
                    "adresse_complement",
                    "code_postal",
                    "commune",
                    "qpv",
                    "qpv_resultat",
                    "qpv_code",
                    "qpv_nom",
                    "qpv_determine_le",
                    "qpv_origine",
                    "qpv_source",
                    "qpv_motif",
                    "qpv_decision",
                    "qpv_decision_code",
                    "qpv_decision_motif",
                ),
                "description": "Le résultat est calculé depuis l'adresse (docs/qpv.md). "
                "« Indéterminé » : l'adresse n'a pas pu être localisée, la déclaration de la "
                "personne compte, à vérifier.",
            },
        ),
        (
            "Parcours",
            {
                "fields": (
                    "situation",
                    "niveau_diplome",
                    "inscrit_france_travail_depuis",
                    "identifiant_france_travail",
                    "secteurs_souhaites",
                    "disponibilites",
                    "mobilite_km",
                )
            },
        ),
        ("Orientation", {"fields": ("source", "prescripteur")}),
        ("Élève", {"fields": ("etablissement", "classe")}),
        (
            "Consentement et données",
            {"fields": ("consentement_version", "consentement_le", "anonymise_le", "created_at")},
        ),
    )

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and identite_certifiee(obj, obj.user_id):
            # Certified by FranceConnect: changed by FranceConnect only.
            fields.append("date_naissance")
        return fields

    @admin.display(description="âge", ordering="-date_naissance")
    def age(self, obj):
        return obj.age()

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and set(CHAMPS_ADRESSE + ["commune"]) & set(form.changed_data):
            # A new address is a new fact: computed again (staff's decision set aside).
            filleul_qpv_recalculer(filleul=obj)
        if form.cleaned_data.get("qpv_decision"):
            filleul_qpv_decider(
                filleul=obj,
                resultat=form.cleaned_data["qpv_decision"],
                motif=form.cleaned_data["qpv_decision_motif"],
                quartier=form.cleaned_data.get("qpv_decision_quartier"),
                par=request.user,
            )

    @admin.action(
        description="Recalculer le QPV depuis l'adresse (annule la décision de l'équipe)",
        permissions=["change"],
    )
    def recalculer_qpv(self, request, queryset):
        n = 0
        for filleul in queryset.filter(anonymise_le__isnull=True):
            filleul_qpv_recalculer(filleul=filleul)
            n += 1
        self.message_user(request, f"{n} profil(s) : QPV recalculé depuis l'adresse.")


# --- Applications ---------------------------------------------------------------------------------


@admin.register(MotifRefus)
class MotifRefusAdmin(admin.ModelAdmin):
    """The reasons for not retaining an application: staff extend the list. A reason already
    given cannot be deleted: withdraw it from the list (``actif``)."""

    portee = REFERENTIEL_PARTAGE

    list_display = ("libelle", "actif", "ordre")
    list_editable = ("actif", "ordre")
    list_filter = ("actif",)
    search_fields = ("libelle",)


class CandidatureForm(DecisionForm):
    """A refusal needs a reason from the list; the free text ("Motif") is optional then, and
    read by the prescriber only."""

    motif_liste = forms.ModelChoiceField(
        label="Motif de non-retenue",
        queryset=MotifRefus.objects.actifs(),
        required=False,
        help_text="Obligatoire pour ne pas retenir une candidature. Le candidat lit un texte "
        "bienveillant propre à ce motif.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "motif" in self.fields:
            self.fields["motif"].label = "Précision pour le prescripteur (facultative)"
            # Not shown to the applicant in their space, but theirs all the same: it is in the
            # data they can download (right of access, RGPD art. 15).
            self.fields["motif"].help_text = (
                "Lue par le prescripteur ; le candidat ne la voit pas dans son espace, mais elle "
                "figure dans les données qu'il peut télécharger (droit d'accès, RGPD art. 15)."
            )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "refuser" and not cleaned.get("motif_liste"):
            self.add_error("motif_liste", "Choisissez le motif de la décision dans la liste.")
        return cleaned


# The application's review page: the buttons' wording (the change form's decisions).
BOUTONS_DE_DECISION = {
    "etudier": "Passer à l'étude",
    "retenir": "Retenir",
    "liste_attente": "Mettre sur liste d'attente",
    "refuser": "Ne pas retenir",
    "desister": "Enregistrer un désistement",
}


@admin.register(Candidature)
class CandidatureAdmin(
    JournalAuditAdminMixin, DateHierarchyFromBoundsMixin, DecisionAdminMixin, admin.ModelAdmin
):
    """An application is reviewed on one page (``change_form.html``): the applicant's profile
    and referrals, the eligibility criterion by criterion, the history, one button per legal
    decision (the change form's "Décision", validated by ``CandidatureForm``, made by the
    services in ``save_model``), and the previous and next applications of the list staff came
    from (``mentorat.admin_voisins``)."""

    portee = Portee("programme", "filleul__commune")
    form = CandidatureForm
    change_form_template = "admin/parrainages/candidature/change_form.html"
    # The record's own "Enregistrer" comes first in the form: the Enter key in a field saves,
    # it never makes a decision.
    save_on_top = True
    decision_fields = (*DECISION_FIELDS, "motif_liste")
    list_display = (
        "filleul",
        "programme",
        "etape",
        "eligible",
        "source",
        "prescripteur",
        "created_at",
        "statut",
    )
    list_filter = ("statut", "programme", "eligible", "source")
    list_select_related = (
        "filleul__user",
        "filleul__commune",
        "programme",
        "etape",
        "prescripteur",
    )
    search_fields = _of_pair("filleul", PERSON_SEARCH)
    autocomplete_fields = ("filleul", "programme", "etape", "prescripteur")
    # The eligibility snapshot is the deposit's record: shown criterion by criterion on the
    # page, never edited.
    fieldsets = (
        ("Fiche de la candidature", {"fields": ("filleul", "programme", "etape", "source")}),
        ("Orientation", {"fields": ("prescripteur",)}),
        (
            "Dernière décision",
            {"fields": ("statut", "motif_refus", "decidee_le", "decidee_par")},
        ),
        ("Dates", {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = (
        "motif_refus",
        "decidee_le",
        "decidee_par",
        "created_at",
        "updated_at",
    )
    date_hierarchy = "created_at"
    show_full_result_count = False
    decisions = {
        "etudier": Decision(
            "Passer à l'étude",
            Candidature.Statut.EN_ETUDE,
            lambda c, *, motif, par: candidature_etudier(candidature=c, par=par),
        ),
        # Straight from "Déposée" (or "En cours d'étude", a waiting list, a selection week):
        # the status machine allows it in one move, nothing to pass through.
        "retenir": Decision(
            "Retenir",
            Candidature.Statut.RETENUE,
            lambda c, *, motif, par: candidature_retenir(candidature=c, par=par),
        ),
        "liste_attente": Decision(
            "Mettre sur liste d'attente",
            Candidature.Statut.LISTE_ATTENTE,
            lambda c, *, motif, par: candidature_mettre_en_attente(candidature=c, par=par),
        ),
        "refuser": Decision(
            "Ne pas retenir (motif de la liste obligatoire)",
            Candidature.Statut.REFUSEE,
            lambda c, *, motif, par, formulaire: candidature_refuser(
                candidature=c, par=par, motif=formulaire["motif_liste"], precision=motif
            ),
            avec_formulaire=True,
        ),
        "desister": Decision(
            "Enregistrer un désistement",
            Candidature.Statut.DESISTEE,
            lambda c, *, motif, par: candidature_desister(candidature=c, par=par),
        ),
    }
    actions = [
        transition_action(
            "etudier",
            "Passer les candidatures sélectionnées à l'étude",
            ("candidature passée à l'étude", "candidatures passées à l'étude"),
            lambda c, request: candidature_etudier(candidature=c, par=request.user),
        ),
        transition_action(
            "retenir",
            "Retenir les candidatures sélectionnées",
            ("candidature retenue", "candidatures retenues"),
            lambda c, request: candidature_retenir(candidature=c, par=request.user),
        ),
        transition_action(
            "desister",
            "Enregistrer le désistement des candidats sélectionnés",
            ("désistement enregistré", "désistements enregistrés"),
            lambda c, request: candidature_desister(candidature=c, par=request.user),
        ),
        candidatures_inviter_action,
    ]

    # -- the review page -------------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context.update(self.revue(request, obj, context["adminform"].form))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def revue(self, request, obj, form) -> dict:
        """What the review page shows besides the form (one query each: the referrals, the
        history, the neighbours in the list)."""
        orientations = extensions.orientations(
            candidature=obj, borner=lambda lignes: dans_le_perimetre(request, lignes)
        )
        credite = next((o for o in orientations if o["credite"]), None)
        precedent, suivant = voisins(self, request, obj)
        boutons, refus = self._boutons(request, obj, form)
        return {
            "revue_statut": obj.get_statut_display(),
            "revue_profil": profil_du_candidat(obj, credite),
            "revue_contact": contact_du_candidat(obj.filleul),
            "revue_eligible": obj.eligible,
            "revue_criteres": criteres_enregistres(obj.eligibilite),
            "revue_orientations": orientations,
            "revue_historique": list(
                obj.evenements.select_related("motif", "par").chronologiques()
            ),
            "revue_boutons": boutons,
            "revue_refus": refus,
            "revue_precedent": self._fiche(request, precedent),
            "revue_suivant": self._fiche(request, suivant),
        }

    def _boutons(self, request, obj, form) -> tuple[list, bool]:
        """The legal decisions the form offers (none to whom may not change the record): one
        button each; the refusal, with its reasons, apart."""
        champ = form.fields.get("decision")
        if champ is None or not self.has_change_permission(request, obj):
            return [], False
        legales = {cle for cle, _libelle in champ.choices if cle}
        boutons = [
            (cle, BOUTONS_DE_DECISION.get(cle, decision.label))
            for cle, decision in self.decisions.items()
            if cle in legales and cle != "refuser"
        ]
        return boutons, "refuser" in legales

    def _fiche(self, request, pk) -> str:
        if pk is None:
            return ""
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[pk])
        return add_preserved_filters(
            {"preserved_filters": self.get_preserved_filters(request), "opts": self.opts}, url
        )

    def response_change(self, request, obj):
        cle = request.POST.get("decision")
        if cle not in self.decisions or "_continue" in request.POST:
            return super().response_change(request, obj)
        # A decision: back to the same application, as it now is (the list's filters kept).
        self.message_user(
            request,
            f"Décision « {BOUTONS_DE_DECISION.get(cle, cle)} » enregistrée pour « {obj} » : "
            "elle est inscrite à l'historique et annoncée au candidat (et à son prescripteur, "
            "s'il en a un).",
            messages.SUCCESS,
        )
        return redirect(self._fiche(request, obj.pk))


def profil_du_candidat(candidature, credite) -> list[tuple[str, str]]:
    """The applicant as staff review them: (label, value) lines, in plain French."""
    filleul = candidature.filleul
    commune = filleul.commune
    naissance = date_format(filleul.date_naissance, "j F Y")
    if filleul.qpv_resultat == Filleul.ResultatQPV.DANS and filleul.qpv_nom:
        qpv = f"{filleul.get_qpv_resultat_display()} : {filleul.qpv_nom} ({filleul.qpv_code})"
    else:
        qpv = filleul.get_qpv_resultat_display()
    if filleul.qpv_origine:
        qpv += f" — {filleul.get_qpv_origine_display().lower()}"
    qpv += f" ; déclaré par la personne : {filleul.get_qpv_display().lower()}"
    prescripteur = candidature.prescripteur.nom if candidature.prescripteur_id else "aucun"
    if credite and credite["conseiller"]:
        prescripteur += f" — conseiller ou conseillère : {credite['conseiller']}"
    return [
        ("Nom", str(filleul)),
        ("Âge", f"{filleul.age()} ans (né ou née le {naissance})"),
        ("Commune", f"{commune.nom} ({commune.code_postal}, département {commune.departement})"),
        ("Quartier prioritaire (QPV)", qpv),
        ("Situation", filleul.get_situation_display()),
        ("Niveau de diplôme", filleul.get_niveau_diplome_display()),
        ("Prescripteur", prescripteur),
        ("Origine de la candidature", candidature.get_source_display()),
        (
            "Déposée le",
            date_format(timezone.localtime(candidature.created_at), "j F Y à H:i"),
        ),
    ]


def contact_du_candidat(filleul) -> dict:
    """The applicant's phone and address (none left once their account is erased)."""
    user = filleul.user
    if user is None:
        return {"telephone": "", "email": ""}
    return {"telephone": user.telephone, "email": user.email}


@admin.register(RepresentantLegal)
class RepresentantLegalAdmin(SelectRelatedMixin, admin.ModelAdmin):
    """Minors' legal guardians: found by name or e-mail, edited on the mentee's page too."""

    # Their mentee's perimeter (FilleulAdmin): through the mentee's applications and
    # referrals, or, a mentee attached to no programme yet, the platform's structures'.
    portee = Portee(
        ("filleul__candidatures__programme", "filleul__prescriptions__programme"),
        "filleul__commune",
        multiple=True,
        sans_programme=("filleul__candidatures", "filleul__prescriptions"),
    )

    list_display = ("nom_complet", "lien", "filleul", "email", "telephone", "consentement_le")
    list_filter = ("lien",)
    list_select_related = ("filleul__user",)
    search_fields = ("nom", "prenom", "email", *_of_pair("filleul", PERSON_SEARCH))
    autocomplete_fields = ("filleul",)
    readonly_fields = ("consentement_le", "created_at")
    date_hierarchy = "created_at"
    show_full_result_count = False

    @admin.display(description="nom", ordering="nom")
    def nom_complet(self, obj):
        return obj.nom_complet


@admin.register(AutorisationParentale)
class AutorisationParentaleAdmin(SelectRelatedMixin, admin.ModelAdmin):
    """Guardians' consents, as evidence: read only. Staff may send a new link to the
    guardians who have not answered."""

    portee = Portee("candidature__programme", "candidature__filleul__commune")

    list_display = ("__str__", "candidature", "statut", "emise_le", "accordee_le", "refusee_le")
    list_filter = ("statut", "candidature__programme")
    list_select_related = ("candidature__filleul__user", "candidature__programme")
    search_fields = _of_pair("candidature__filleul", PERSON_SEARCH)
    date_hierarchy = "emise_le"
    show_full_result_count = False
    actions = ["relancer"]
    fields = (
        "candidature",
        "statut",
        "emise_le",
        "accordee_le",
        "refusee_le",
        "annulee_le",
        "representants",
        "texte_sha256",
        "texte",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_relancer_permission(self, request):
        return request.user.has_perm("parrainages.change_candidature")

    @admin.display(description="représentants légaux appelés à donner leur accord")
    def representants(self, obj):
        lignes = []
        for partie in parties_de(obj):
            if partie.signee_le:
                etat = f"accord donné le {timezone.localtime(partie.signee_le):%d/%m/%Y à %H:%M}"
            elif partie.refusee_le:
                etat = f"refus le {partie.refusee_le:%d/%m/%Y} — {partie.motif_refus}"
            else:
                etat = "en attente"
            lignes.append((partie.libelle, partie.designation, partie.email, etat))
        return format_html_join(mark_safe("<br>"), "{} : {} ({}) — {}", lignes) or "—"

    @admin.action(
        description="Renvoyer le lien aux représentants légaux qui n'ont pas répondu",
        permissions=["relancer"],
    )
    def relancer(self, request, queryset):
        envoyes, ignorees = 0, []
        for autorisation in queryset:
            try:
                envoyes += autorisation_relancer(autorisation=autorisation)
            except ValidationError as exc:
                ignorees.append(f"{autorisation} : {' '.join(exc.messages)}")
        if envoyes:
            self.message_user(
                request,
                f"{envoyes} nouveau(x) lien(s) envoyé(s) ; les liens précédents ne fonctionnent "
                "plus.",
                messages.SUCCESS,
            )
        for ligne in ignorees:
            self.message_user(request, ligne, messages.WARNING)


# --- Pairs and their life ----------------------------------------------------------------------


class RencontreInline(admin.TabularInline):
    model = Rencontre
    extra = 0
    fields = ("debut", "duree_minutes", "modalite", "sujet", "statut")
    readonly_fields = ("statut",)


class ImmersionInline(admin.TabularInline):
    """The pair's conventions, each opened on its own page (where they are changed)."""

    model = Immersion
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("date_debut", "date_fin", "nature", "entreprise_nom", "statut")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class SortiesLuesAvecLeBinome(BaseInlineFormSet):
    """A pair's outcomes as its change form read them with the pair
    (``ParrainageAdmin.get_object``), not read again by their inline."""

    def get_queryset(self):
        lues = getattr(self.instance, "sorties_lues", None)
        # An empty queryset is the inline's refusal to show the rows (no view permission).
        if lues is None or self.queryset.query.is_empty():
            return super().get_queryset()
        return lues


class SortieInline(admin.TabularInline):
    model = Sortie
    formset = SortiesLuesAvecLeBinome
    extra = 0
    max_num = len(Sortie.Moment)
    fields = ("moment", "type", "date", "employeur", "source", "commentaire")


class ObjectifBinomeInline(admin.TabularInline):
    """The pair's goals, as the pair wrote them (docs/suivi-qualite.md): read here."""

    model = ObjectifBinome
    extra = 0
    can_delete = False
    fields = ("libelle", "ecrit_par", "avancement", "atteint_le", "created_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PointEtapeInline(admin.TabularInline):
    """The check-ins' answers of both parties, read-only; each opens on its own page, where
    an alert is marked handled."""

    model = PointEtape
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("tour", "role", "satisfaction", "utile", "parler_equipe", "commentaire", "traite_le")
    readonly_fields = fields
    ordering = ("tour", "role")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


CONFIRMER = "Confirmer les propositions (envoyer aux parrains)"
CONFIRMEES = ("proposition envoyée à son parrain", "propositions envoyées aux parrains")
# The confirmation page lists this many proposals, then counts the others.
CONFIRMATION_LISTEES = 200

# The proposals staff confirm (the list filtered on « Proposition à valider »): who, the score
# and why in short words, how far apart, and the room the mentor has left — six columns that
# fit a 1366-pixel screen.
COLONNES_PROPOSITIONS = (
    "filleul_nom",
    "parrain_nom",
    "score_points",
    "raisons_en_bref",
    "distance",
    "places_du_parrain",
)


def vue_propositions(request) -> bool:
    return request.GET.get("statut__exact") == Parrainage.Statut.PROPOSITION


class ParrainageChangeList(BoundedDatesChangeList):
    """The proposals' list reads the open pairs of the page's mentors in one query."""

    def get_results(self, request):
        super().get_results(request)
        # A search's rows read by its keys first (``liste_par_les_cles``), then given their
        # mentors' open pairs.
        liste_par_les_cles(self)
        if "places_du_parrain" not in self.list_display:
            return
        ouverts = binomes_ouverts_par_parrain({p.parrain_id for p in self.result_list})
        for parrainage in self.result_list:
            parrainage.binomes_ouverts_du_parrain = ouverts.get(parrainage.parrain_id, 0)


class AppariementFilter(admin.SimpleListFilter):
    """The proposals of one matching run (the latest runs, in one query)."""

    title = "appariement"
    parameter_name = "matching_run__id__exact"
    RECENTS = 15

    def lookups(self, request, model_admin):
        runs = dans_le_perimetre(
            request, MatchingRun.objects.select_related("programme").filter(simulation=False)
        )
        return [(str(run.pk), str(run)) for run in runs[: self.RECENTS]]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(matching_run_id=self.value())
        return queryset


class ParrainageForm(DecisionForm):
    def clean(self):
        cleaned = super().clean()
        parrain = cleaned.get("parrain")
        statut = cleaned.get("statut") or self.instance.statut
        programme, filleul = cleaned.get("programme"), cleaned.get("filleul")
        if (
            programme
            and filleul
            and parrain
            and statut in Parrainage.STATUTS_OUVERTS
            and (
                not self.instance.pk or {"parrain", "filleul", "programme"} & set(self.changed_data)
            )
        ):
            # A pair typed in by hand follows the matching's rule on minors.
            motif = honorabilite_manquante(programme=programme, filleul=filleul, parrain=parrain)
            if motif:
                self.add_error("parrain", motif)
        if (
            programme
            and filleul
            and statut in Parrainage.STATUTS_OUVERTS
            and (
                not self.instance.pk or {"parrain", "filleul", "programme"} & set(self.changed_data)
            )
            and Parrainage.objects.filter(
                programme=programme,
                filleul=filleul,
                option=True,
                statut__in=[Parrainage.Statut.PROPOSITION, Parrainage.Statut.ATTENTE_FILLEUL],
            )
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            # Beside options she is choosing among, a pair by hand would be a second open pair
            # once she chooses.
            self.add_error(
                "filleul",
                "Ce filleul a des options en cours de choix dans ce programme : écartez-les "
                "d'abord, ou attendez son choix.",
            )
        if not self.instance.pk and parrain and statut in Parrainage.STATUTS_OUVERTS:
            # The mentor's row stays locked until the request's transaction commits (with
            # the new pair): a pair formed meanwhile elsewhere waits, then counts this one.
            try:
                place_exiger(parrain_id=parrain.pk)
            except ValidationError as exc:
                self.add_error("parrain", exc)
        return cleaned


def _empreinte(ids) -> str:
    """The fingerprint of a set of proposals (their sorted ids): what « confirm all the list »
    checks between the question and the answer."""
    return hashlib.sha256(",".join(map(str, sorted(ids))).encode()).hexdigest()


@admin.register(Parrainage)
class ParrainageAdmin(
    JournalAuditAdminMixin, DateHierarchyFromBoundsMixin, DecisionAdminMixin, admin.ModelAdmin
):
    portee = Portee("programme", ("lieu_filleul", "lieu_parrain"))
    list_display = (
        "parrain",
        "filleul",
        "programme",
        "forme",
        "score",
        "propose_le",
        "date_debut",
        "date_fin_prevue",
        "statut",
    )
    list_filter = ("statut", "programme", "forme", "option", AppariementFilter)
    list_select_related = PAIR_RELATED
    search_fields = PAIR_SEARCH
    autocomplete_fields = ("programme", "parrain", "filleul", "candidature")
    readonly_fields = (
        "score",
        "raisons_detail",
        "matching_run",
        "option",
        "propose_le",
        "soumis_au_filleul_le",
        "filleul_repondu_le",
        "envoye_le",
        "repondu_le",
        "motif_declin",
        "date_fin",
        "motif_fin",
        "created_at",
    )
    date_hierarchy = "propose_le"
    show_full_result_count = False
    form = ParrainageForm
    inlines = (
        ObjectifBinomeInline,
        RencontreInline,
        ImmersionInline,
        SortieInline,
        PointEtapeInline,
    )
    fieldsets = (
        (None, {"fields": ("programme", "parrain", "filleul", "candidature", "forme", "statut")}),
        (
            "Appariement",
            {"fields": ("score", "raisons_detail", "matching_run", "option", "objectifs")},
        ),
        (
            "Dates",
            {
                "fields": (
                    "propose_le",
                    "soumis_au_filleul_le",
                    "filleul_repondu_le",
                    "envoye_le",
                    "repondu_le",
                    "motif_declin",
                    "date_debut",
                    "date_fin_prevue",
                    "date_fin",
                    "motif_fin",
                    "created_at",
                )
            },
        ),
    )
    decisions = {
        "confirmer": Decision(
            "Confirmer (envoyer au parrain ou au filleul)",
            # Where it leads depends on the programme (``Programme.avis_filleul``); offered from
            # a proposal only — the one status that may move to « en attente du choix du
            # filleul » — never for staff to answer in the mentee's place.
            Parrainage.Statut.ATTENTE_FILLEUL,
            lambda p, *, motif, par: proposition_confirmer(parrainage=p, par=par),
        ),
        "ecarter": Decision(
            "Écarter la proposition",
            Parrainage.Statut.ANNULE,
            lambda p, *, motif, par: proposition_ecarter(parrainage=p),
        ),
        "terminer": Decision(
            "Terminer le parrainage",
            Parrainage.Statut.TERMINE,
            lambda p, *, motif, par: parrainage_terminer(parrainage=p, motif=motif, par=par),
        ),
        "interrompre": Decision(
            "Interrompre le parrainage (motif obligatoire)",
            Parrainage.Statut.INTERROMPU,
            lambda p, *, motif, par: parrainage_interrompre(parrainage=p, motif=motif, par=par),
            motif_requis=True,
        ),
    }
    actions = [
        "confirmer",
        transition_action(
            "ecarter",
            "Écarter les propositions",
            ("proposition écartée", "propositions écartées"),
            lambda p, request: proposition_ecarter(parrainage=p),
        ),
        transition_action(
            "terminer",
            "Terminer les parrainages (fin aujourd'hui)",
            ("parrainage terminé", "parrainages terminés"),
            lambda p, request: parrainage_terminer(parrainage=p, par=request.user),
        ),
    ]

    @admin.display(description="raisons de l'appariement")
    def raisons_detail(self, obj):
        return json_html(obj.raisons)

    def get_object(self, request, object_id, from_field=None):
        """The pair with its outcomes (one at most per moment, ``Sortie``'s constraint): joined
        to the pair's own query, they cost its change form no query of their own. Each is
        kept only where the outcomes' perimeter shows it, as their inline's query would."""
        queryset = self.get_queryset(request)
        for moment in Sortie.Moment:
            alias = f"sortie_{moment}"
            vue = dans_le_perimetre(
                request, Sortie.objects.filter(parrainage=OuterRef("pk"), moment=moment)
            )
            queryset = queryset.annotate(
                **{
                    alias: FilteredRelation("sorties", condition=Q(sorties__moment=moment)),
                    f"{alias}_vue": Exists(vue),
                }
            ).select_related(alias)
        field = (
            Parrainage._meta.pk if from_field is None else Parrainage._meta.get_field(from_field)
        )
        try:
            obj = queryset.get(**{field.name: field.to_python(object_id)})
        except (Parrainage.DoesNotExist, ValidationError, ValueError):
            # As ``PerimetreAdminMixin.get_object``, which this method comes before: another
            # perimeter's pair answers 404 before any question of rights.
            raise Http404 from None
        # An outcome missing leaves its name unset.
        lues = (
            getattr(obj, f"sortie_{moment}", None)
            for moment in Sortie.Moment
            if getattr(obj, f"sortie_{moment}_vue")
        )
        # As their inline lists them (``Sortie.Meta.ordering``).
        obj.sorties_lues = sorted(
            (s for s in lues if s is not None), key=lambda s: s.date, reverse=True
        )
        return obj

    # -- the proposals' list ------------------------------------------------------------------

    def get_changelist(self, request, **kwargs):
        return ParrainageChangeList

    def get_list_display(self, request):
        if vue_propositions(request):
            return COLONNES_PROPOSITIONS
        return super().get_list_display(request)

    def get_list_select_related(self, request):
        if vue_propositions(request):
            return (*PAIR_RELATED, "parrain__commune", "filleul__commune")
        return super().get_list_select_related(request)

    @admin.display(description="filleul", ordering="filleul__user__last_name")
    def filleul_nom(self, obj):
        return str(obj.filleul)

    @admin.display(description="parrain", ordering="parrain__user__last_name")
    def parrain_nom(self, obj):
        return str(obj.parrain)

    @admin.display(description="score", ordering="score")
    def score_points(self, obj):
        return "—" if obj.score is None else f"{obj.score:g}".replace(".", ",")

    @admin.display(description="pourquoi")
    def raisons_en_bref(self, obj):
        # The distance has its own column.
        breves = obj.raisons_breves or {}
        mots = [breves[c] for c in COMPONENTS if c != "distance" and breves.get(c)]
        return ", ".join(mots) or "—"

    @admin.display(description="distance", ordering="distance_km")
    def distance(self, obj):
        km = obj.distance_km
        if km is None:
            # A pair typed in by hand, or proposed before the distance was kept: the distance
            # between their communes, as the matching computes it.
            a, b = obj.filleul.commune, obj.parrain.commune
            if a and b and None not in (a.latitude, a.longitude, b.latitude, b.longitude):
                km = float(distances_km(a.latitude, a.longitude, b.latitude, b.longitude))
        if km is None:
            return "inconnue"
        texte = "même commune" if km < 0.5 else f"{round(km)} km"
        if (obj.raisons_breves or {}).get("distance") == A_DISTANCE:
            return f"{texte}, rencontres à distance"
        return texte

    @admin.display(description="places du parrain")
    def places_du_parrain(self, obj):
        """The mentor's capacity minus their open pairs other than this one (in every
        programme): 1 or more, this pair fits."""
        autres = obj.binomes_ouverts_du_parrain - int(obj.prend_une_place)
        libres = obj.parrain.capacite - autres
        if libres > 0:
            return str(libres)
        return "aucune (capacité dépassée)" if libres < 0 else "aucune"

    # -- confirming -----------------------------------------------------------------------

    @admin.action(description=CONFIRMER, permissions=["change"])
    def confirmer(self, request, queryset):
        """Asks first, with the count and the list (as Django's deletion does); then one
        service call for the selection: statuses, audit entries and the mentors' e-mails
        written in bulk; the admin's history notes each proposal sent."""
        if request.POST.get("post") != "yes":
            return self.confirmation_demander(request, queryset)
        propositions = list(
            queryset.filter(statut=Parrainage.Statut.PROPOSITION)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if request.POST.get("select_across") == "1" and (
            _empreinte(propositions) != request.POST.get("empreinte")
            or str(len(propositions)) != request.POST.get("annoncees")
        ):
            # The whole filtered list, read again: confirmed only if it still holds the very
            # proposals the question announced (the same number of other ones is not enough).
            self.message_user(
                request,
                "La liste a changé depuis la question : rien n'a été envoyé. Vérifiez "
                "les propositions avant de confirmer.",
                messages.WARNING,
            )
            return self.confirmation_demander(request, queryset)
        # Every selected row goes to the service, which says why each one that is not a
        # proposal stays as it is.
        resultat = propositions_confirmer(
            ids=list(queryset.values_list("pk", flat=True)), par=request.user
        )
        for statut in (Parrainage.Statut.ATTENTE_PARRAIN, Parrainage.Statut.ATTENTE_FILLEUL):
            envoyees = [p for p in resultat.confirmees if p.statut == statut]
            if envoyees:
                LogEntry.objects.log_actions(
                    user_id=request.user.pk,
                    queryset=envoyees,
                    action_flag=CHANGE,
                    change_message=f"{CONFIRMER} : {Parrainage.Statut.PROPOSITION.label} → "
                    f"{statut.label}.",
                )
        refusees = defaultdict(list)
        for parrainage, raison in resultat.refusees:
            refusees[raison].append(parrainage)
        self.report_transition(request, len(resultat.confirmees), refusees, CONFIRMEES)

    def confirmation_demander(self, request, queryset):
        """The page « Confirmer 37 propositions ? »: the selection's proposals, and the
        selection again in the form, confirmed only by the second POST. A selection of the
        rows of a page is sent back as its ids; « all the list » (Django's select-across,
        thousands of rows: more fields than a request may carry) as the list's filters, with
        the number announced (and the ids of the proposals shown, as Django wants some)."""
        tout = request.POST.get("select_across") == "1"
        selection = [] if tout else list(queryset.order_by("pk").values_list("pk", flat=True))
        propositions = queryset.filter(statut=Parrainage.Statut.PROPOSITION)
        nombre = propositions.count()
        lignes = queryset.count() if tout else len(selection)
        if not nombre:
            self.message_user(
                request,
                "Aucune des lignes sélectionnées n'est une proposition à valider : rien n'a "
                "été envoyé.",
                messages.WARNING,
            )
            return None
        listees = list(
            propositions.select_related(*PAIR_RELATED).order_by("-score", "pk")[
                :CONFIRMATION_LISTEES
            ]
        )
        pluriel = "s" if nombre > 1 else ""
        context = {
            **self.admin_site.each_context(request),
            "title": f"Confirmer {nombre} proposition{pluriel} ?",
            "opts": self.model._meta,
            "nombre": nombre,
            "propositions": [(p, self.raisons_en_bref(p)) for p in listees],
            "non_listees": nombre - len(listees),
            "autres": lignes - nombre,
            "selection": selection,
            "tout": tout,
            "empreinte": _empreinte(
                propositions.order_by("pk").values_list("pk", flat=True) if tout else []
            ),
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "retour": request.get_full_path(),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/parrainages/parrainage/confirmer_propositions.html", context
        )

    def get_urls(self):
        suivi = self.admin_site.admin_view(self.suivi_view)
        return [path("suivi/", suivi, name="parrainages_parrainage_suivi"), *super().get_urls()]

    def suivi_view(self, request):
        """Stalled pairs, overdue surveys, and the reminders sent lately."""
        from .suivi import derniers_envois, envois_en_echec, suivi

        if not self.has_view_permission(request):
            raise PermissionDenied
        # What the staff member sees: the pairs of their perimeter, and the messages sent to
        # the people of it (the whole outbox is the Administrateur's).
        tout = perimetre_de(request).tout
        parrainages = None if tout else dans_le_perimetre(request, Parrainage.objects.all())
        destinataires = (
            None if tout else dans_le_perimetre(request, User.objects.filter(is_staff=False))
        )
        en_panne, sans_fin, sans_six = suivi(parrainages=parrainages)
        context = {
            **self.admin_site.each_context(request),
            "title": "Suivi des binômes",
            "opts": self.model._meta,
            "en_panne": en_panne,
            "sans_fin": sans_fin,
            "sans_six": sans_six,
            "envois": derniers_envois(destinataires=destinataires),
            "echecs": envois_en_echec(destinataires=destinataires),
            "tous_les_envois": tout,
        }
        return TemplateResponse(request, "admin/parrainages/parrainage/suivi.html", context)


PAIR_OF_ROW = _of_pair("parrainage", PAIR_RELATED)
PAIR_OF_ROW_SEARCH = _of_pair("parrainage", PAIR_SEARCH)


@admin.register(Rencontre)
class RencontreAdmin(DateHierarchyFromBoundsMixin, TransitionAdminMixin, admin.ModelAdmin):
    portee = Portee(
        "parrainage__programme", ("parrainage__lieu_filleul", "parrainage__lieu_parrain")
    )
    formfield_overrides = HTTPS_URLS
    list_display = ("rencontre", "parrainage", "modalite", "duree_minutes", "sujet", "statut")
    # Sorted on what an index gives in order, the date and the status (with the date): a sort
    # of a million meetings on their duration or their subject is a sort of every row for a
    # page of a hundred. The mode is a filter.
    sortable_by = ("rencontre", "statut")
    list_filter = ("statut", "modalite", "parrainage__programme")
    list_select_related = PAIR_OF_ROW
    # The names and e-mails of the pair's people, what staff type (the free-text subject is
    # not searched: as a second branch beside the pair's, it cost a read of every meeting).
    search_fields = PAIR_OF_ROW_SEARCH
    autocomplete_fields = ("parrainage",)
    readonly_fields = ("themes_libelles", "created_at")
    exclude = ("themes",)
    date_hierarchy = "debut"
    show_full_result_count = False
    # No cancel action here: cancelling must also withdraw the calendar invitation, which
    # only the mentor's service (``rencontre_annuler``) does today.

    @admin.display(description="rencontre", ordering="debut")
    def rencontre(self, obj):
        return str(obj)

    @admin.display(description="thèmes abordés")
    def themes_libelles(self, obj):
        from .models import Theme

        labels = dict(Theme.choices)
        return ", ".join(labels.get(t, t) for t in obj.themes) or "—"


class PointEtapeATraiterFilter(admin.SimpleListFilter):
    """The work queue's list: the answers asking for the team not handled yet."""

    title = "alerte"
    parameter_name = "a_traiter"

    def lookups(self, request, model_admin):
        return [("1", "À traiter (note basse ou demande de contact)"), ("0", "Traitées")]

    def queryset(self, request, queryset):
        if self.value() == "1":
            return queryset.a_traiter()
        if self.value() == "0":
            return queryset.filter(traite_le__isnull=False)
        return queryset


@admin.register(PointEtape)
class PointEtapeAdmin(DateHierarchyFromBoundsMixin, SelectRelatedMixin, admin.ModelAdmin):
    """Check-in answers (docs/suivi-qualite.md): read by the programme's staff, never typed in;
    an alert (a score of 2 or less, a request to talk) waits in the work queue until marked
    handled (``points_etape_traiter``, in the audit trail)."""

    portee = Portee(
        "parrainage__programme", ("parrainage__lieu_filleul", "parrainage__lieu_parrain")
    )
    list_display = (
        "__str__",
        "parrainage",
        "satisfaction",
        "utile",
        "parler_equipe",
        "repondu_le",
        "traite_le",
    )
    list_filter = (PointEtapeATraiterFilter, "role", "tour", "utile", "parrainage__programme")
    list_select_related = (*PAIR_OF_ROW, "traite_par")
    search_fields = PAIR_OF_ROW_SEARCH
    readonly_fields = (
        "parrainage",
        "role",
        "tour",
        "satisfaction",
        "utile",
        "commentaire",
        "parler_equipe",
        "repondu_le",
        "modifie_le",
        "traite_le",
        "traite_par",
    )
    fields = readonly_fields
    date_hierarchy = "repondu_le"
    show_full_result_count = False
    actions = ["traiter"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Marquer les alertes comme traitées", permissions=["change"])
    def traiter(self, request, queryset):
        n = points_etape_traiter(points=queryset, par=request.user)
        self.message_user(request, f"{n} point(s) d'étape marqué(s) comme traité(s), à votre nom.")


class FileImmersionsFilter(admin.SimpleListFilter):
    """Staff's queues: conventions to validate first, then those waiting for something."""

    title = "file d'attente"
    parameter_name = "file"

    def lookups(self, request, model_admin):
        return [
            ("a_valider", "À valider (toutes les parties ont signé)"),
            ("en_signature", "En cours de signature"),
            ("brouillons", "Brouillons à compléter"),
            ("bilan_attendu", "Terminées, bilan attendu"),
            ("pdf_manquant", "Validées, PDF pas encore envoyé"),
        ]

    def queryset(self, request, queryset):
        S = Immersion.Statut
        if self.value() == "a_valider":
            return queryset.filter(statut=S.A_VALIDER)
        if self.value() == "en_signature":
            return queryset.filter(statut__in=Immersion.STATUTS_EN_SIGNATURE)
        if self.value() == "brouillons":
            return queryset.filter(statut=S.BROUILLON)
        if self.value() == "bilan_attendu":
            return queryset.filter(statut=S.VALIDEE, date_fin__lt=timezone.localdate())
        if self.value() == "pdf_manquant":
            return queryset.filter(
                statut__in=(S.VALIDEE, S.TERMINEE), valide_le__isnull=False, envoyee_le__isnull=True
            )
        return queryset


def _champs_horaires():
    from .forms_immersion import DEMI_JOURNEES
    from .immersion_horaires import JOURS

    champs = {}
    for jour in JOURS:
        for cle, libelle in DEMI_JOURNEES:
            for bord, mot in (("debut", "début"), ("fin", "fin")):
                champs[f"{jour}_{cle}_{bord}"] = forms.TimeField(
                    label=f"{jour.capitalize()}, {libelle} : {mot}",
                    required=False,
                    widget=forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M"),
                )
    return champs


def _lignes_horaires():
    from .forms_immersion import DEMI_JOURNEES
    from .immersion_horaires import JOURS

    return tuple(
        tuple(f"{jour}_{cle}_{bord}" for cle, _l in DEMI_JOURNEES for bord in ("debut", "fin"))
        for jour in JOURS
    )


class _ImmersionAdminFormBase(DecisionForm):
    """The convention's fields, its week as time fields (one row per day), and a decision.

    Validation only: the change is written by ``immersion_modifier`` (``save_model``), which
    withdraws the signatures and asks the parties again when the signed text changes.
    """

    def __init__(self, *args, **kwargs):
        from .forms_immersion import HorairesForm

        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for nom, valeur in HorairesForm.initial_depuis(self.instance.horaires or {}).items():
                self.initial.setdefault(nom, valeur)
        # Only a draft is sent to signature from here; the others are changed, and their
        # parties asked again.
        if self.instance.statut != Immersion.Statut.BROUILLON:
            self.fields["decision"].choices = [
                c for c in self.fields["decision"].choices if c[0] != "soumettre"
            ]

    def horaires(self) -> dict:
        from .forms_immersion import HorairesForm

        semaine = HorairesForm(data={})
        semaine.cleaned_data = self.cleaned_data
        return semaine.horaires()

    def clean(self):
        from .forms_immersion import HorairesForm

        cleaned = super().clean()
        verification = HorairesForm(
            data={f"horaires-{k}": v for k, v in self.data.items() if k in self.fields}
        )
        if not verification.is_valid():
            for champ, erreurs in verification.errors.items():
                self.add_error(champ if champ in self.fields else None, erreurs)
        return cleaned


ImmersionAdminForm = type(
    "ImmersionAdminForm", (_ImmersionAdminFormBase,), {**_champs_horaires(), "__module__": __name__}
)

IMMERSION_ACTIVE = (
    "statut",
    "signatures",
    "uuid",
    "parrainage",
    "nature",
    "renouvelle",
    "proposee_par",
    "created_at",
    "soumise_le",
    "signee_le",
    "valide_le",
    "valide_par",
    "refusee_le",
    "refusee_par",
    "motif_refus",
    "annulee_le",
    "motif_annulation",
    "texte_sha256",
    "pdf",
    "pdf_sha256",
    "pdf_produit_le",
    "envoyee_le",
    "bilan_demande_le",
)


class BilanInline(admin.StackedInline):
    model = BilanImmersion
    extra = 0
    can_delete = False
    fields = ("jours_presence", "jours_absence", "competences_lues", "issue", "commentaire")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="compétences")
    def competences_lues(self, obj):
        lignes = obj.competences_a_afficher()
        return format_html_join(mark_safe("<br>"), "{} : {}", lignes) or "—"


def _valider(immersion, request):
    return immersion_valider(immersion=immersion, par=request.user)


def _soumettre(immersion, request):
    return immersion_soumettre(immersion=immersion, par=request.user)


@admin.register(Immersion)
class ImmersionAdmin(DateHierarchyFromBoundsMixin, DecisionAdminMixin, admin.ModelAdmin):
    """Proposed by mentors from their portal; staff complete drafts, follow the signatures,
    validate (the sealed PDF then goes to every party), refuse or cancel, resend links."""

    portee = Portee(
        "parrainage__programme", ("parrainage__lieu_filleul", "parrainage__lieu_parrain")
    )

    form = ImmersionAdminForm
    list_display = (
        "__str__",
        "parrainage",
        "nature",
        "entreprise_nom",
        "restent",
        "statut",
    )
    list_filter = (FileImmersionsFilter, "statut", "nature", "parrainage__programme")
    list_select_related = PAIR_OF_ROW
    search_fields = ("entreprise_nom", "=entreprise_siret", "tuteur_nom", *PAIR_OF_ROW_SEARCH)
    autocomplete_fields = ("prescripteur",)
    date_hierarchy = "date_debut"
    show_full_result_count = False
    inlines = (BilanInline,)
    fieldsets = (
        ("Convention", {"fields": IMMERSION_ACTIVE}),
        (
            "La période",
            {
                "fields": (
                    ("date_debut", "date_fin"),
                    "objet",
                    "objectifs",
                    ("metier_code", "metier_libelle"),
                    "lieu",
                    "activites",
                    "competences",
                )
            },
        ),
        ("Horaires de présence (une ligne par jour)", {"fields": _lignes_horaires()}),
        (
            "Entreprise d'accueil",
            {
                "fields": (
                    "entreprise_nom",
                    "entreprise_siret",
                    "entreprise_adresse",
                    "entreprise_commune",
                    "representant_est_parrain",
                    ("representant_prenom", "representant_nom"),
                    "representant_fonction",
                    ("representant_email", "representant_telephone"),
                    ("tuteur_prenom", "tuteur_nom"),
                    "tuteur_fonction",
                    ("tuteur_email", "tuteur_telephone"),
                )
            },
        ),
        (
            "Prescription ou établissement scolaire",
            {
                "fields": (
                    "prescripteur",
                    ("conseiller_prenom", "conseiller_nom"),
                    "conseiller_fonction",
                    ("conseiller_email", "conseiller_telephone"),
                    ("chef_etablissement_prenom", "chef_etablissement_nom"),
                    "chef_etablissement_email",
                    ("enseignant_prenom", "enseignant_nom"),
                    ("enseignant_email", "enseignant_telephone"),
                )
            },
        ),
        (
            "Sécurité et urgence",
            {
                "fields": (
                    "epi",
                    "epi_detail",
                    "risques",
                    "sans_travaux_dangereux",
                    ("urgence_nom", "urgence_telephone"),
                )
            },
        ),
    )
    decisions = {
        "soumettre": Decision(
            "Envoyer à la signature (brouillon complété)",
            Immersion.Statut.A_SIGNER,
            lambda i, *, motif, par: immersion_soumettre(immersion=i, par=par),
        ),
        "valider": Decision(
            "Valider (le PDF scellé est envoyé à chaque partie)",
            Immersion.Statut.VALIDEE,
            lambda i, *, motif, par: immersion_valider(immersion=i, par=par),
        ),
        "refuser": Decision(
            "Refuser (motif obligatoire, envoyé aux parties)",
            Immersion.Statut.REFUSEE,
            lambda i, *, motif, par: immersion_refuser(immersion=i, par=par, motif=motif),
            motif_requis=True,
        ),
        "annuler": Decision(
            "Annuler (motif obligatoire, envoyé aux parties)",
            Immersion.Statut.ANNULEE,
            lambda i, *, motif, par: immersion_annuler(immersion=i, par=par, motif=motif),
            motif_requis=True,
        ),
    }
    actions = [
        transition_action(
            "valider",
            "Valider les conventions signées (PDF scellé envoyé aux parties)",
            ("convention validée", "conventions validées"),
            _valider,
        ),
        transition_action(
            "soumettre",
            "Envoyer les brouillons à la signature",
            ("convention envoyée à la signature", "conventions envoyées à la signature"),
            _soumettre,
        ),
        "relancer",
        "renvoyer_bilan",
    ]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        from django.contrib.contenttypes.models import ContentType

        contenu = ContentType.objects.get_for_model(Immersion, for_concrete_model=False)
        restent = (
            Partie.objects.filter(
                document_type=contenu,
                document_id=OuterRef("pk"),
                signee_le__isnull=True,
                refusee_le__isnull=True,
            )
            .order_by()
            .values("document_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .select_related("prescripteur", "entreprise_commune", "renouvelle")
            .annotate(restent_n=Coalesce(Subquery(restent), 0))
        )

    @admin.display(description="signatures")
    def signatures(self, obj):
        """Who signs and where each stands (evidence: never edited here)."""
        from mentorat.signatures import parties_de

        lignes = []
        for p in parties_de(obj):
            if p.signee_le:
                etat = f"signé le {timezone.localtime(p.signee_le):%d/%m/%Y %H:%M}"
            elif p.refusee_le:
                etat = f"refus le {timezone.localtime(p.refusee_le):%d/%m/%Y} : {p.motif_refus}"
            else:
                etat = "en attente"
            lignes.append((p.libelle, p.designation, p.adresse, etat))
        if not lignes:
            return "—"
        return format_html(
            "<table><thead><tr><th scope='col'>Qualité</th><th scope='col'>Partie</th>"
            "<th scope='col'>E-mail</th><th scope='col'>État</th></tr></thead><tbody>{}</tbody>"
            "</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", lignes),
        )

    @admin.display(description="reste à signer")
    def restent(self, obj):
        if obj.statut not in Immersion.STATUTS_EN_SIGNATURE:
            return "—"
        return obj.restent_n

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or (obj.modifiable and self.has_change_permission(request, obj)):
            return fieldsets
        # Read only (a convention past changes, or a read-only role): the week as text, not
        # as the form's time fields.
        lignes = _lignes_horaires()
        return [
            (titre, {**options, "fields": ("horaires_lus",)})
            if tuple(options["fields"]) == lignes
            else (titre, options)
            for titre, options in fieldsets
        ]

    @admin.display(description="horaires")
    def horaires_lus(self, obj):
        from .immersion_horaires import JOURS

        lignes = [
            (jour.capitalize(), ", ".join(f"{debut}–{fin}" for debut, fin in plages))
            for jour in JOURS
            if (plages := (obj.horaires or {}).get(jour))
        ]
        return format_html_join(mark_safe("<br>"), "{} : {}", lignes) or "—"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not obj.modifiable:
            return [n for fs in self.get_fieldsets(request, obj) for n in _aplatir(fs[1]["fields"])]
        return IMMERSION_ACTIVE

    def save_model(self, request, obj, form, change):
        """A change goes through the service (the rules, the withdrawal of signatures, the
        new invitations); the decision then through its own service."""
        from .services.immersion import CHAMPS

        modifies = [n for n in form.changed_data if n not in ("decision", "motif")]
        if modifies:
            donnees = {n: form.cleaned_data[n] for n in CHAMPS if n in form.cleaned_data}
            donnees["horaires"] = form.horaires()
            try:
                immersion_modifier(immersion=obj, par=request.user, donnees=donnees)
            except ValidationError as exc:
                raise DecisionRefusee(" ".join(exc.messages)) from exc
        key = form.cleaned_data.get("decision")
        if not key:
            return
        try:
            self.decisions[key].service(
                obj, motif=form.cleaned_data.get("motif", ""), par=request.user
            )
        except ValidationError as exc:
            raise DecisionRefusee(" ".join(exc.messages)) from exc

    @admin.action(
        description="Renvoyer un lien à chaque partie qui n'a pas signé", permissions=["change"]
    )
    def relancer(self, request, queryset):
        envoyes, refus = 0, defaultdict(list)
        for immersion in queryset:
            try:
                envoyes += immersion_relancer(immersion=immersion)
            except ValidationError as exc:
                refus[" ".join(exc.messages)].append(immersion)
        if envoyes:
            self.message_user(
                request, f"{envoyes} lien(s) de signature renvoyé(s).", messages.SUCCESS
            )
        for raison, lignes in refus.items():
            self.message_user(
                request, f"{len(lignes)} convention(s) sans relance : {raison}", messages.WARNING
            )

    @admin.action(description="Renvoyer au tuteur le lien du bilan", permissions=["change"])
    def renvoyer_bilan(self, request, queryset):
        from .services.immersion import bilan_renvoyer

        faits, refus = 0, defaultdict(list)
        for immersion in queryset:
            try:
                bilan_renvoyer(immersion=immersion)
            except ValidationError as exc:
                refus[" ".join(exc.messages)].append(immersion)
            else:
                faits += 1
        if faits:
            self.message_user(request, f"{faits} lien(s) de bilan renvoyé(s).", messages.SUCCESS)
        for raison, lignes in refus.items():
            self.message_user(request, f"{len(lignes)} convention(s) : {raison}", messages.WARNING)


def _aplatir(champs):
    for champ in champs:
        if isinstance(champ, tuple | list):
            yield from champ
        else:
            yield champ


@admin.register(BilanImmersion)
class BilanImmersionAdmin(SelectRelatedMixin, admin.ModelAdmin):
    """Tutors' assessments, as sent (never changed)."""

    portee = Portee(
        "immersion__parrainage__programme",
        ("immersion__parrainage__lieu_filleul", "immersion__parrainage__lieu_parrain"),
    )

    list_display = ("__str__", "issue", "jours_presence", "jours_absence", "created_at")
    list_filter = ("issue",)
    list_select_related = ("immersion",)
    search_fields = ("rempli_par", "immersion__entreprise_nom")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SortieSansBinomeFilter(admin.SimpleListFilter):
    title = "concerne"
    parameter_name = "concerne"

    def lookups(self, request, model_admin):
        return [
            ("binome", "un binôme"),
            ("candidature", "une personne sans binôme (candidature)"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "binome":
            return queryset.filter(parrainage__isnull=False)
        if self.value() == "candidature":
            return queryset.filter(candidature__isnull=False)
        return queryset


class SortieForm(LoadedRelationsForm):
    class Meta:
        model = Sortie
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        candidature = cleaned.get("candidature")
        if (
            candidature is not None
            and self.instance.pk is None
            and cleaned.get("date")
            and cleaned.get("moment")
        ):
            try:
                sortie_candidature_verifier(candidature=candidature, donnees=cleaned)
            except ValidationError as exc:
                self.add_error(None, exc.messages)
        return cleaned


@admin.register(Sortie)
class SortieAdmin(DateHierarchyFromBoundsMixin, SelectRelatedMixin, admin.ModelAdmin):
    portee = Portee(
        ("parrainage__programme", "candidature__programme"),
        ("parrainage__filleul__commune", "candidature__filleul__commune"),
    )
    form = SortieForm
    list_display = (
        "__str__",
        "parrainage",
        "candidature",
        "moment",
        "type",
        "positive",
        "date",
        "employeur",
        "source",
    )
    list_filter = ("moment", "type", "source", SortieSansBinomeFilter, "parrainage__programme")
    list_select_related = (
        *PAIR_OF_ROW,
        "candidature__filleul__user",
        "candidature__programme",
    )
    search_fields = (
        "employeur",
        *PAIR_OF_ROW_SEARCH,
        "candidature__filleul__user__last_name",
        "candidature__filleul__user__email",
    )
    autocomplete_fields = ("parrainage", "candidature")
    # Only the mentee's own answer confirms what the mentor declared (Sortie.compte_positive).
    readonly_fields = ("confirmee_le", "created_at")
    date_hierarchy = "date"
    show_full_result_count = False

    def get_changeform_initial_data(self, request):
        # Typed in by staff: « équipe » unless they say otherwise.
        return {"source": Sortie.Source.EQUIPE, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        # The outcome of a person without a pair is recorded by its service (one a moment,
        # never for someone who has a pair in the programme); a pair's is saved as before.
        if not change and obj.candidature_id is not None:
            sortie = sortie_candidature_enregistrer(
                candidature=obj.candidature,
                donnees={
                    "moment": obj.moment,
                    "type": obj.type,
                    "date": obj.date,
                    "employeur": obj.employeur,
                    "commentaire": obj.commentaire,
                },
            )
            obj.pk = sortie.pk
            obj._state.adding = False
            return
        super().save_model(request, obj, form, change)

    @admin.display(description="sortie positive", boolean=True)
    def positive(self, obj):
        return obj.positive


# --- Charters: evidence, never edited by hand -----------------------------------------------------


CHARTE_FIELDS = (
    "uuid",
    "parrainage",
    "modele",
    "parties_signataires",
    "statut",
    "emise_le",
    "signee_le",
    "annulee_le",
    "motif_annulation",
    "texte",
    "texte_sha256",
    "pdf",
    "pdf_sha256",
)


@admin.register(Charte)
class CharteAdmin(JournalAuditAdminMixin, DecisionAdminMixin, admin.ModelAdmin):
    """Issued by the charter service when a pair is accepted; staff may only cancel one."""

    portee = Portee(
        "parrainage__programme", ("parrainage__lieu_filleul", "parrainage__lieu_parrain")
    )

    list_display = ("__str__", "parrainage", "modele", "emise_le", "signee_le", "statut")
    list_filter = ("statut", "parrainage__programme")
    list_select_related = (*PAIR_OF_ROW, "modele")
    search_fields = ("=pdf_sha256", *PAIR_OF_ROW_SEARCH)
    readonly_fields = CHARTE_FIELDS
    fields = CHARTE_FIELDS
    date_hierarchy = "emise_le"
    decisions = {
        "annuler": Decision(
            "Annuler la charte (motif obligatoire)",
            Charte.Statut.ANNULEE,
            lambda c, *, motif, par: charte_annuler(charte=c, motif=motif),
            motif_requis=True,
        ),
        "reemettre": Decision(
            "Annuler et réémettre avec le modèle en vigueur (motif obligatoire)",
            Charte.Statut.ANNULEE,
            lambda c, *, motif, par: charte_reemettre(charte=c, par=par, motif=motif),
            motif_requis=True,
            annonce=lambda nouvelle: (
                f"Nouvelle charte émise le {nouvelle.emise_le:%d/%m/%Y} : à signer."
                if nouvelle is not None
                else "Aucun modèle de charte pour ce programme : aucune nouvelle charte émise."
            ),
        ),
    }

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="parties et signatures")
    def parties_signataires(self, obj):
        """Each party as frozen at issue and its signature (the evidence: its own page)."""
        lignes = [
            (
                reverse("admin:mentorat_partie_change", args=[p.pk]),
                p.libelle,
                p.designation,
                f"signée le {timezone.localtime(p.signee_le):%d/%m/%Y à %H:%M:%S}"
                if p.signee_le
                else "en attente",
            )
            for p in parties_de(obj)
        ]
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a> : {} — {}', lignes) or "—"


NON_APPARIES_AFFICHES = 200

# A run's settings and timings (``parametres``, ``mesures``), in the words of the page.
POIDS = {
    "secteur": "Poids du secteur",
    "distance": "Poids de la distance",
    "disponibilites": "Poids des disponibilités communes",
    "niveau": "Poids de l'expérience du parrain (selon le diplôme du filleul)",
    "attente": "Poids de l'attente du filleul",
}
DUREES = {
    "lecture_s": "Lecture des données",
    "candidats_s": "Recherche des paires candidates",
    "affectation_s": "Affectation optimale",
    "explications_s": "Explication des paires",
    "ecriture_s": "Enregistrement des propositions",
}
# What staff can do about each reason a mentee was left without a mentor.
QUE_FAIRE = {
    explain.AUCUN_PARRAIN: "valider ou inviter des parrains pour ce programme",
    explain.FORME: "trouver des parrains qui offrent cette forme de parrainage",
    explain.TERRITOIRE: "recruter des parrains sur le territoire du programme",
    explain.SANS_COORDONNEES: "corriger la commune de ces filleuls",
    explain.DECLINES: "recruter d'autres parrains à proximité",
    explain.HONORABILITE: "enregistrer le contrôle d'honorabilité de parrains proches",
    explain.COMPLETS: "augmenter la capacité de parrains proches, ou en recruter",
    explain.PLACES_PRISES: "augmenter la capacité de parrains proches, ou en recruter",
    explain.NON_TROUVE: "élargir la recherche ou recruter des parrains à proximité",
    APPARIE_ENTRE_TEMPS: "rien : ces filleuls ont déjà un binôme",
    PLACES_PRISES_ENTRE_TEMPS: "relancer un appariement",
}


def _que_faire(raison: str) -> str:
    if raison.startswith("aucun parrain à moins de"):
        return "élargir la distance maximale du programme, ou accepter les rencontres à distance"
    return QUE_FAIRE.get(raison, "")


def _nombre(valeur, decimales=None) -> str:
    """A number written the French way (« 1,2 », « 300 000 »); Django's formatting cuts the
    decimals it drops, so they are rounded first."""
    if decimales is not None:
        valeur = round(valeur, decimales)
    return number_format(valeur, decimales, use_l10n=True, force_grouping=True)


def _definitions(lignes) -> str:
    """(term, value) pairs as a definition list; « — » when there are none."""
    lignes = [(terme, valeur) for terme, valeur in lignes if valeur not in (None, "")]
    if not lignes:
        return "—"
    return format_html(
        '<dl class="definitions">{}</dl>',
        format_html_join("", "<dt>{}</dt><dd>{}</dd>", lignes),
    )


def parametres_en_clair(parametres: dict) -> list[tuple[str, str]]:
    poids = parametres.get("poids") or {}
    lignes = [(libelle, f"{poids[cle]} points") for cle, libelle in POIDS.items() if cle in poids]
    if "formes" in parametres:
        formes = [Forme(f).label.lower() if f in Forme.values else f for f in parametres["formes"]]
        lignes.append(("Formes de parrainage", ", ".join(formes) or "aucune"))
    if "distance_max_km" in parametres:
        km = parametres["distance_max_km"]
        lignes.append(("Distance maximale", "aucune" if km is None else f"{_nombre(km)} km"))
    if "departements" in parametres:
        deps = parametres["departements"]
        lignes.append(("Départements du programme", ", ".join(deps) if deps else "tous"))
    if "controle_honorabilite_mineurs" in parametres:
        exige = parametres["controle_honorabilite_mineurs"]
        lignes.append(
            ("Contrôle d'honorabilité exigé des parrains de mineurs", "oui" if exige else "non")
        )
    if "budget_paires" in parametres:
        lignes.append(("Paires candidates examinées au plus", _nombre(parametres["budget_paires"])))
    return lignes


def mesures_en_clair(mesures: dict) -> list[tuple[str, str]]:
    lignes = [
        (libelle, f"{_nombre(mesures[cle], 1)} s")
        for cle, libelle in DUREES.items()
        if cle in mesures
    ]
    if "paires_candidates" in mesures:
        lignes.append(("Paires candidates examinées", _nombre(mesures["paires_candidates"])))
    return lignes


def runs_du_perimetre(request, queryset, role=LECTURE):
    """A programme's runs as its staff reach them: the team that sees (or, with ``role``, runs)
    the whole programme reaches all of them; a regional team (or a Mission locale) the runs
    launched for its own structures only, a national run listing mentees of every region.

    Changing one (relaunching, deleting) takes the coordinator role over the run's whole
    territory: a regional team's coordinator who reads the national team's work reads its
    national runs, and may not relaunch or delete them."""
    perimetre = perimetre_de(request)
    if perimetre.tout:
        return queryset
    programmes = perimetre.programmes(role) or set()
    nationaux = sorted(p for p in programmes if perimetre.national(p, role))
    condition = Q(programme_id__in=nationaux)
    for programme_id in sorted(programmes - set(nationaux)):
        du_programme = Q(
            programme_id=programme_id, structure_id__in=perimetre.structures(programme_id, role)
        )
        if RANG[role] > RANG[LECTURE]:
            # Changing a run: every département and commune it covers within the role's
            # territory (a run launched by someone coordinating two territories, recorded
            # under one of their structures, is not the other structure's alone to change).
            deps, communes = perimetre.territoire(programme_id, role)
            couverts = [
                pk
                for pk, ses_deps, ses_communes in MatchingRun.objects.filter(du_programme)
                .values_list("pk", "departements", "communes")
                .iterator()
                if (ses_deps or ses_communes)
                and set(ses_deps) <= deps
                and all(c in communes or departement_of(c) in deps for c in ses_communes)
            ]
            du_programme = Q(pk__in=couverts)
        condition |= du_programme
    return queryset.filter(condition)


runs_du_perimetre.ecriture = COORDINATEUR
# The role differs from run to run (a national one, a regional one): checked for each.
runs_du_perimetre.ligne_par_ligne = True


@admin.register(MatchingRun)
class MatchingRunAdmin(SelectRelatedMixin, admin.ModelAdmin):
    """Runs are launched from the programmes (action "Lancer un appariement") or by
    ``manage.py match``; here staff follow their progress and read their figures."""

    portee = staticmethod(runs_du_perimetre)

    list_display = (
        "__str__",
        "territoire_libelle",
        "statut",
        "avancement",
        "propositions",
        "score_moyen",
        "non_apparies_total",
        "lance_par",
        "created_at",
    )
    list_filter = ("statut", "simulation", "programme")
    list_select_related = ("programme", "lance_par", "structure")
    search_fields = ("programme__nom",)
    date_hierarchy = "created_at"
    change_form_template = "admin/parrainages/matchingrun/change_form.html"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "programme",
                    "territoire_libelle",
                    "simulation",
                    "lance_par",
                    "statut",
                    "avancement",
                )
            },
        ),
        (
            "Résultat",
            {
                "fields": (
                    "filleuls",
                    "parrains",
                    "places",
                    "propositions_lien",
                    "score_total",
                    "score_moyen",
                    "non_apparies_resume",
                    "non_apparies_liste",
                )
            },
        ),
        ("Paramètres et mesures", {"fields": ("parametres_detail", "mesures_detail", "erreur")}),
        ("Dates", {"fields": ("created_at", "debut", "fin", "duree")}),
    )

    actions = ["relancer"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.en_cours)

    def has_relancer_permission(self, request):
        return request.user.has_perm("parrainages.add_matchingrun") and request.user.has_perm(
            "parrainages.add_parrainage"
        )

    @admin.action(
        description="Relancer (un nouveau calcul, mêmes programme et mode)",
        permissions=["relancer"],
    )
    def relancer(self, request, queryset):
        """A failed or interrupted run is computed again on today's data, as a new run."""
        from .services.matching import AppariementRefuse, appariement_lancer

        for run in queryset.select_related("programme"):
            if run.statut != MatchingRun.Statut.ECHOUE:
                self.message_user(
                    request, f"{run} n'a pas échoué : rien à relancer.", messages.WARNING
                )
                continue
            try:
                nouveau = appariement_lancer(
                    programme=run.programme,
                    par=request.user,
                    simulation=run.simulation,
                    territoire=run.territoire,
                    structure_id=run.structure_id,
                )
            except AppariementRefuse as refus:
                self.message_user(request, str(refus), messages.WARNING)
                continue
            url = reverse("admin:parrainages_matchingrun_change", args=[nouveau.pk])
            self.message_user(
                request,
                format_html('Relancé : <a href="{}">suivre le nouveau calcul</a>.', url),
                messages.SUCCESS,
            )

    def get_readonly_fields(self, request, obj=None):
        return [f for fieldset in self.fieldsets for f in fieldset[1]["fields"]]

    @admin.display(description="territoire")
    def territoire_libelle(self, obj):
        if obj.national:
            return "Tout le programme"
        nom = obj.structure.nom if obj.structure_id else "Territoire"
        return f"{nom} ({', '.join(obj.departements + obj.communes)})"

    @admin.display(description="avancement")
    def avancement(self, obj):
        if obj.statut == MatchingRun.Statut.ECHOUE:
            return "Échec"
        return format_html(
            '<progress value="{}" max="100" aria-label="Avancement">{} %</progress> {} % {}',
            obj.progression,
            obj.progression,
            obj.progression,
            f"— {obj.etape}" if obj.etape and obj.en_cours else "",
        )

    @admin.display(description="sans parrain")
    def non_apparies_total(self, obj):
        return obj.non_apparies_nombre

    @admin.display(description="propositions")
    def propositions_lien(self, obj):
        if obj.simulation:
            return f"{obj.propositions} (simulation : aucune proposition créée)"
        url = reverse("admin:parrainages_parrainage_changelist")
        return format_html(
            '{} — <a href="{}?matching_run__id__exact={}&amp;statut__exact={}">celles à '
            'confirmer ou écarter</a> · <a href="{}?matching_run__id__exact={}">toutes</a>',
            obj.propositions,
            url,
            obj.pk,
            Parrainage.Statut.PROPOSITION,
            url,
            obj.pk,
        )

    @admin.display(description="sans parrain, par raison")
    def non_apparies_resume(self, obj):
        counts = obj.non_apparies_par_raison()
        if not counts:
            if obj.statut == MatchingRun.Statut.TERMINE:
                return "Chaque filleul à apparier a reçu une proposition."
            return "—"
        total = obj.non_apparies_nombre
        lus = f" sur {obj.filleuls}" if obj.filleuls >= total else ""
        phrase = (
            f"{total} filleul{'s' if total > 1 else ''}{lus} "
            f"{'sont restés' if total > 1 else 'est resté'} sans parrain proposé, parce que :"
        )
        lignes = (
            (
                raison,
                n,
                format_html(" — que faire : {}", _que_faire(raison)) if _que_faire(raison) else "",
            )
            for raison, n in counts
        )
        return format_html(
            "<p>{}</p><ul>{}</ul>",
            phrase,
            format_html_join("", "<li>{} : {}{}</li>", lignes),
        )

    def get_object(self, request, object_id, from_field=None):
        run = super().get_object(request, object_id, from_field)
        if run is None:
            return None
        # The mentees the run names are shown as far as the staff member sees them (a run of
        # a programme run in several territories names people of all of them).
        ids = [fid for fid, _raison in run.non_apparies[:NON_APPARIES_AFFICHES]]
        run.filleuls_vus = {
            f.pk: f
            for f in dans_le_perimetre(
                request, Filleul.objects.filter(pk__in=ids).select_related("user", "commune")
            )
        }
        return run

    @admin.display(description="filleuls sans parrain")
    def non_apparies_liste(self, obj):
        rows = obj.non_apparies[:NON_APPARIES_AFFICHES]
        if not rows:
            return "—"
        noms = getattr(obj, "filleuls_vus", {})
        caches = sum(1 for fid, _raison in rows if fid not in noms)
        rows = [(fid, raison) for fid, raison in rows if fid in noms]
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> ({}) : {}</li>',
            (
                (
                    reverse("admin:parrainages_filleul_change", args=[fid]),
                    noms.get(fid, f"filleul n° {fid}"),
                    _commune(noms, fid),
                    raison,
                )
                for fid, raison in rows
            ),
        )
        reste = len(obj.non_apparies) - len(rows) - caches
        suite = f"… et {reste} autre(s)." if reste > 0 else ""
        if caches:
            suite += f" {caches} autre(s) hors de votre périmètre."
        return format_html("<ul>{}</ul>{}", items, suite)

    @admin.display(description="réglages du calcul")
    def parametres_detail(self, obj):
        return _definitions(parametres_en_clair(obj.parametres or {}))

    @admin.display(description="temps de calcul")
    def mesures_detail(self, obj):
        return _definitions(mesures_en_clair(obj.mesures or {}))

    @admin.display(description="durée")
    def duree(self, obj):
        return f"{_nombre(obj.duree.total_seconds(), 1)} s" if obj.duree else "—"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # Django's « Affichage de appariement »: the run's own name instead.
        if obj is not None:
            context["title"] = f"{'Simulation' if obj.simulation else 'Appariement'} n° {obj.pk}"
        return super().render_change_form(request, context, add, change, form_url, obj)


def _commune(filleuls, pk):
    filleul = filleuls.get(pk)
    return filleul.commune.nom if filleul and filleul.commune_id else "commune inconnue"


@admin.register(ImportParrains)
class ImportParrainsAdmin(SelectRelatedMixin, admin.ModelAdmin):
    """Imports of mentors from a CSV file (launched from « Inviter des parrains »): their
    progress, and what went wrong when nothing could be imported. An import into no programme
    is the operator structure's, like the mentors it brings (docs/perimetre.md)."""

    portee = Portee("programme", ecriture=COORDINATEUR, sans_programme="programme")

    list_display = ("__str__", "statut", "avancement", "total", "lance_par", "created_at")
    list_filter = ("statut",)
    list_select_related = ("programme", "lance_par")
    search_fields = ("nom_fichier",)
    date_hierarchy = "created_at"
    change_form_template = "admin/parrainages/importparrains/change_form.html"
    fields = (
        "nom_fichier",
        "programme",
        "lance_par",
        "statut",
        "avancement",
        "total",
        "erreur",
        "created_at",
        "debut",
        "fin",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj and obj.en_cours)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("parrainages.add_parrain")

    @admin.display(description="avancement")
    def avancement(self, obj):
        return format_html(
            '<progress value="{}" max="100" aria-label="Avancement">{} %</progress> {} / {} lignes',
            obj.progression,
            obj.progression,
            obj.traitees if obj.statut != ImportParrains.Statut.TERMINE else obj.total,
            obj.total,
        )


# --- Programmes: matching launched from their list, and the dashboard -----------------------------

admin.site.unregister(Programme)


@admin.register(Programme)
class ProgrammeAdmin(programmes.admin.ProgrammeAdmin):
    """The programmes' admin (programmes.admin) with the matching actions: matching is this
    app's, above programmes, which never imports it."""

    actions = [
        *programmes.admin.ProgrammeAdmin.actions,
        "lancer_appariement",
        "simuler_appariement",
    ]

    @admin.action(description="Lancer un appariement", permissions=["appariement"])
    def lancer_appariement(self, request, queryset):
        self._appariements(request, queryset, simulation=False)

    @admin.action(
        description="Simuler un appariement (sans créer de propositions)",
        permissions=["appariement"],
    )
    def simuler_appariement(self, request, queryset):
        self._appariements(request, queryset, simulation=True)

    def has_appariement_permission(self, request):
        return request.user.has_perm("parrainages.add_matchingrun") and request.user.has_perm(
            "parrainages.add_parrainage"
        )

    change_form_template = "admin/programmes/programme/change_form.html"
    # A programme opens on its summary (figures, funnel, what comes next); its settings are
    # one link further.
    list_display = ("nom_resume", *programmes.admin.ProgrammeAdmin.list_display[1:], "reglages")
    list_display_links = None

    @admin.display(description="programme", ordering="nom")
    def nom_resume(self, obj):
        url = reverse("admin:programmes_programme_resume", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, obj.nom)

    @admin.display(description="réglages")
    def reglages(self, obj):
        url = reverse("admin:programmes_programme_change", args=[obj.pk])
        return format_html(
            '<a href="{}">Réglages<span class="visually-hidden"> de {}</span></a>', url, obj.nom
        )

    def get_urls(self):
        regions = self.admin_site.admin_view(self.regions_view)
        resume = self.admin_site.admin_view(self.resume_view)
        return [
            path("<path:object_id>/regions/", regions, name="programmes_programme_regions"),
            path("<path:object_id>/resume/", resume, name="programmes_programme_resume"),
            *super().get_urls(),
        ]

    def resume_view(self, request, object_id):
        """The programme's summary: pairs formed against the target, the funnel from
        application to positive outcome, the next events and selection sessions, and the
        work waiting (as far as the staff member sees)."""
        from .file_de_travail import file_de_travail
        from .selectors import resume_programme

        programme = self.get_object(request, object_id)
        if programme is None or not self.has_view_permission(request, programme):
            raise Http404
        travail = next(
            (ligne for ligne in file_de_travail(request) if ligne.programme.pk == programme.pk),
            None,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"{programme} : résumé",
            "opts": self.model._meta,
            "original": programme,
            "travail": travail,
            "peut_modifier": self.has_change_permission(request, programme),
            **resume_programme(
                programme,
                candidatures=dans_le_perimetre(request, Candidature.objects.all()),
                parrainages=dans_le_perimetre(request, Parrainage.objects.all()),
                sessions=dans_le_perimetre(request, SessionSelection.objects.all()),
            ),
        }
        return TemplateResponse(request, "admin/programmes/programme/resume.html", context)

    def regions_view(self, request, object_id):
        """The programme's key figures per region and the national total (a regional team
        sees its own region's line only)."""
        from .selectors import CHIFFRES_REGIONAUX, chiffres_par_region

        programme = self.get_object(request, object_id)
        if programme is None or not self.has_view_permission(request, programme):
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "title": f"{programme} : chiffres par région",
            "opts": self.model._meta,
            "original": programme,
            "colonnes": CHIFFRES_REGIONAUX,
            **chiffres_par_region(programme, perimetre_de(request)),
        }
        return TemplateResponse(request, "admin/programmes/programme/regions.html", context)

    def _appariements(self, request, queryset, *, simulation):
        perimetre = perimetre_de(request)
        for programme in queryset:
            # The launcher's territory: a regional team matches its region only.
            structures = perimetre.structures(programme.pk, COORDINATEUR)
            try:
                run = appariement_lancer(
                    programme=programme,
                    par=request.user,
                    simulation=simulation,
                    territoire=perimetre.territoire(programme.pk, COORDINATEUR),
                    structure_id=structures[0] if structures else None,
                )
            except AppariementRefuse as refus:
                self.message_user(request, str(refus), messages.WARNING)
                continue
            url = reverse("admin:parrainages_matchingrun_change", args=[run.pk])
            self.message_user(
                request,
                format_html(
                    '{} de « {} » lancé : <a href="{}">suivre son avancement</a>.',
                    "Simulation" if simulation else "Appariement",
                    programme,
                    url,
                ),
                messages.SUCCESS,
            )


def _tableau_de_bord(request):
    """Pairs formed against each programme's target, as far as the staff member sees: their
    programmes, and the pairs of their territory."""
    if perimetre_de(request).tout:
        return tableau_de_bord_programmes()
    return tableau_de_bord_programmes(
        programmes=dans_le_perimetre(request, Programme.objects.all()),
        parrainages=dans_le_perimetre(request, Parrainage.objects.all()),
    )


# Pairs formed against each programme's target, on the admin's dashboard.
admin.site.tableau_de_bord_ajouter("programmes_stats", _tableau_de_bord)


def _file_de_travail(request):
    from .file_de_travail import file_de_travail

    return file_de_travail(request)


# What waits for the staff member, programme by programme, at the top of the dashboard.
admin.site.tableau_de_bord_ajouter("file_de_travail", _file_de_travail)
