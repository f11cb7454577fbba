"""The selection step in the admin: sessions (cohorts) with their half-days and managers, the
programme's assessment grid, the cohort sheet (invitations, jury, later path, PDF), the
attendance grid and staff's own assessment. Every write goes through ``services.selection``."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from mentorat.admin import SelectRelatedMixin, TransitionAdminMixin, transition_action
from mentorat.admin_perimetre import dans_le_perimetre
from mentorat.pdf import rendre_pdf
from mentorat.perimetre import COORDINATEUR, Portee

from .forms_selection import (
    DecisionJuryForm,
    InvitationSelectionForm,
    grille_presences,
    saisies_depuis_post,
)
from .models import (
    Candidature,
    CritereEvaluation,
    DemiJournee,
    EvaluateurInvite,
    Evaluation,
    ParticipationSelection,
    Presence,
    SessionSelection,
)
from .selection import candidatures_invitables, evaluations_du_membre, fiche_cohorte, nom_membre
from .services.selection import (
    decision_enregistrer,
    evaluateur_enregistrer,
    evaluateur_inviter,
    participants_inviter,
    participation_retirer,
    selection_presences_enregistrer,
    session_annuler,
    session_changement_verifier,
    session_clore,
    session_demarrer,
    session_enregistrer,
)
from .views.selection import formulaire_evaluation


@admin.register(CritereEvaluation)
class CritereEvaluationAdmin(SelectRelatedMixin, admin.ModelAdmin):
    """Each programme's assessment grid: its criteria, their scale and order."""

    portee = Portee("programme", ecriture=COORDINATEUR)

    list_display = ("libelle", "programme", "note_min", "note_max", "ordre")
    list_editable = ("ordre",)
    list_filter = ("programme",)
    list_select_related = ("programme",)
    search_fields = ("libelle", "programme__nom")
    autocomplete_fields = ("programme",)


class DemiJourneeInline(admin.TabularInline):
    """Generated from the dates; staff drop the half-days that do not take place."""

    model = DemiJournee
    extra = 0
    fields = ("date", "moment")
    readonly_fields = ("date", "moment")
    verbose_name_plural = "demi-journées (cochez « supprimer » pour en retirer une)"

    def has_add_permission(self, request, obj=None):
        return False


class EvaluateurInviteInline(admin.TabularInline):
    """Company managers met for mock interviews: each gets a link of their own (action
    « Envoyer leur lien aux managers »)."""

    model = EvaluateurInvite
    extra = 0
    fields = ("prenom", "nom", "entreprise", "email", "jeton_expire_le")
    readonly_fields = ("jeton_expire_le",)


class SessionSelectionForm(forms.ModelForm):
    class Meta:
        model = SessionSelection
        fields = (
            "programme",
            "etape",
            "titre",
            "date_debut",
            "date_fin",
            "adresse",
            "commune",
            "capacite",
            "animateur",
        )
        widgets = {
            "date_debut": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "date_fin": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def clean(self):
        """New dates that would leave out half-days with attendance are refused here (the
        service refuses them too), so that staff read why on the form."""
        data = super().clean()
        debut, fin = data.get("date_debut"), data.get("date_fin")
        if self.instance.pk and debut and fin:
            hors = Presence.objects.filter(participation__session=self.instance).exclude(
                demi_journee__date__range=(debut, fin)
            )
            if hors.exists():
                raise forms.ValidationError(
                    "Des présences sont saisies sur des demi-journées hors des nouvelles dates : "
                    "changez d'abord ces présences."
                )
        if self.instance.pk and data.get("programme") and data.get("capacite"):
            try:
                session_changement_verifier(
                    SessionSelection(
                        pk=self.instance.pk,
                        programme=data["programme"],
                        capacite=data["capacite"],
                    )
                )
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages) from None
        return data


@admin.register(SessionSelection)
class SessionSelectionAdmin(TransitionAdminMixin, admin.ModelAdmin):
    portee = Portee("programme", "commune")
    form = SessionSelectionForm
    list_display = (
        "titre",
        "programme",
        "date_debut",
        "date_fin",
        "animateur",
        "inscrits",
        "capacite",
        "statut",
        "fiche",
    )
    list_filter = ("statut", "programme")
    list_select_related = ("programme", "animateur")
    search_fields = ("titre", "programme__nom", "animateur__nom")
    autocomplete_fields = ("programme", "etape", "commune", "animateur")
    readonly_fields = ("close_le", "created_at")
    date_hierarchy = "date_debut"
    inlines = [DemiJourneeInline, EvaluateurInviteInline]
    actions = [
        transition_action(
            "demarrer",
            "Démarrer les sessions sélectionnées",
            ("session démarrée", "sessions démarrées"),
            lambda s, request: session_demarrer(session=s),
        ),
        transition_action(
            "clore",
            "Clore les sessions sélectionnées (jury tenu)",
            ("session close", "sessions closes"),
            lambda s, request: session_clore(session=s),
        ),
        transition_action(
            "annuler",
            "Annuler les sessions sélectionnées (les candidats non décidés repassent à l'étude)",
            ("session annulée", "sessions annulées"),
            lambda s, request: session_annuler(session=s, par=request.user),
        ),
        "envoyer_liens",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(nb_invites=Count("participations"))

    @admin.display(description="invités", ordering="nb_invites")
    def inscrits(self, obj):
        return obj.nb_invites

    @admin.display(description="fiche de cohorte")
    def fiche(self, obj):
        url = reverse("admin:parrainages_sessionselection_fiche", args=[obj.pk])
        return format_html('<a href="{}">Ouvrir la fiche</a>', url)

    def save_model(self, request, obj, form, change):
        session_enregistrer(session=obj)

    def save_formset(self, request, form, formset, change):
        """Managers go through their service (a corrected e-mail drops the old link)."""
        if formset.model is not EvaluateurInvite:
            return super().save_formset(request, form, formset, change)
        for evaluateur in formset.save(commit=False):
            evaluateur_enregistrer(evaluateur=evaluateur)
        for evaluateur in formset.deleted_objects:
            evaluateur.delete()
        formset.save_m2m()

    @admin.action(description="Envoyer leur lien aux managers évaluateurs", permissions=["change"])
    def envoyer_liens(self, request, queryset):
        n = 0
        for evaluateur in EvaluateurInvite.objects.filter(
            session__in=queryset, session__statut__in=SessionSelection.STATUTS_OUVERTS
        ).select_related("session__programme"):
            evaluateur_inviter(evaluateur=evaluateur)
            n += 1
        self.message_user(
            request,
            f"{n} manager(s) ont reçu un nouveau lien personnel (le précédent ne fonctionne plus).",
        )

    def get_urls(self):
        vue = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/fiche/",
                vue(self.fiche_view),
                name="parrainages_sessionselection_fiche",
            ),
            path(
                "<int:pk>/fiche.pdf",
                vue(self.fiche_pdf_view),
                name="parrainages_sessionselection_fiche_pdf",
            ),
            path(
                "<int:pk>/presences/",
                vue(self.presences_view),
                name="parrainages_sessionselection_presences",
            ),
            path(
                "<int:pk>/evaluation/<int:participation>/",
                vue(self.evaluation_view),
                name="parrainages_sessionselection_evaluation",
            ),
            *super().get_urls(),
        ]

    def _session(self, request, pk, *, ecrire=False):
        # Another perimeter's session answers 404, like its change page.
        session = get_object_or_404(
            self.get_queryset(request).select_related("programme", "animateur", "commune"), pk=pk
        )
        if not self.has_view_permission(request, session):
            raise PermissionDenied
        if ecrire and not self.has_change_permission(request, session):
            raise PermissionDenied
        return session

    def _contexte(self, request, session, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "session": session,
            "title": str(session),
            **extra,
        }

    def fiche_view(self, request, pk):
        """The cohort sheet: members, attendance, average scores, the jury; invitations."""
        session = self._session(request, pk, ecrire=request.method == "POST")
        invitation = InvitationSelectionForm(
            request.POST if request.POST.get("action") == "inviter" else None,
            candidatures=dans_le_perimetre(request, candidatures_invitables(session)),
        )
        decision = DecisionJuryForm(
            request.POST if request.POST.get("action") == "decider" else None
        )
        if request.method == "POST":
            try:
                reponse = self._fiche_post(request, session, invitation, decision)
            except ValidationError as exc:
                self.message_user(request, " ".join(exc.messages), messages.ERROR)
            else:
                if reponse:
                    return reponse
        return TemplateResponse(
            request,
            "admin/parrainages/sessionselection/fiche.html",
            self._contexte(
                request,
                session,
                invitation=invitation,
                decision=decision,
                peut_ecrire=self.has_change_permission(request, session),
                **{k: v for k, v in fiche_cohorte(session).items() if k != "session"},
            ),
        )

    def _fiche_post(self, request, session, invitation, decision):
        action = request.POST.get("action")
        retour = redirect("admin:parrainages_sessionselection_fiche", session.pk)
        if action == "inviter" and invitation.is_valid():
            invites = participants_inviter(
                session=session,
                candidatures=invitation.cleaned_data["candidatures"],
                par=request.user,
            )
            self.message_user(request, f"{len(invites)} candidat(s) invité(s) et prévenu(s).")
            return retour
        if action in ("demarrer", "clore"):
            service = session_demarrer if action == "demarrer" else session_clore
            session = service(session=session)
            self.log_change(request, session, f"Session : {session.get_statut_display()}.")
            self.message_user(request, f"Session « {session.get_statut_display()} ».")
            return retour
        participation = self._participation(session, request.POST.get("participation"))
        if action == "retirer" and participation:
            participation_retirer(participation=participation, par=request.user)
            self.message_user(request, f"Invitation de {nom_membre(participation)} retirée.")
            return retour
        if action == "decider" and participation and decision.is_valid():
            data = decision.cleaned_data
            decision_enregistrer(
                participation=participation,
                decision=data["decision"],
                motif=data["motif"],
                precision=data["precision"],
                par=request.user,
            )
            self.message_user(request, f"Décision enregistrée pour {nom_membre(participation)}.")
            return retour
        if action == "decider" and not decision.is_valid():
            self.message_user(
                request,
                " ".join(e for erreurs in decision.errors.values() for e in erreurs),
                messages.ERROR,
            )
        return None

    @staticmethod
    def _participation(session, pk):
        if not (pk or "").isdigit():
            return None
        return (
            ParticipationSelection.objects.select_related("candidature__filleul__user")
            .filter(session=session, pk=int(pk))
            .first()
        )

    def fiche_pdf_view(self, request, pk):
        session = self._session(request, pk)
        pdf = rendre_pdf("parrainages/pdf/cohorte.html", fiche_cohorte(session))
        reponse = HttpResponse(pdf, content_type="application/pdf")
        reponse["Content-Disposition"] = (
            f'attachment; filename="fiche-cohorte-{session.pk}-{session.date_debut:%Y%m%d}.pdf"'
        )
        return reponse

    def presences_view(self, request, pk):
        session = self._session(request, pk, ecrire=request.method == "POST")
        erreur = ""
        if request.method == "POST":
            try:
                n = selection_presences_enregistrer(
                    session=session, saisies=saisies_depuis_post(request.POST), par=request.user
                )
            except ValidationError as exc:
                erreur = " ".join(exc.messages)
            else:
                self.message_user(request, f"Grille enregistrée ({n} case(s) modifiée(s)).")
                return redirect("admin:parrainages_sessionselection_presences", session.pk)
        return TemplateResponse(
            request,
            "admin/parrainages/sessionselection/presences.html",
            self._contexte(
                request,
                session,
                grille=grille_presences(session),
                erreur=erreur,
                action=request.path,
            ),
            status=400 if erreur else 200,
        )

    def evaluation_view(self, request, pk, participation):
        session = self._session(request, pk, ecrire=request.method == "POST")
        participation = self._participation(session, str(participation))
        if participation is None:
            raise Http404
        form, enregistre = formulaire_evaluation(
            request,
            participation=participation,
            identite={"evaluateur": request.user},
            qualite=Evaluation.Qualite.EQUIPE,
        )
        if enregistre:
            self.message_user(request, f"Grille enregistrée pour {nom_membre(participation)}.")
            return redirect("admin:parrainages_sessionselection_fiche", session.pk)
        return TemplateResponse(
            request,
            "admin/parrainages/sessionselection/evaluation.html",
            self._contexte(
                request,
                session,
                participation=participation,
                nom=nom_membre(participation),
                form=form,
                evaluations=evaluations_du_membre(participation),
            ),
        )


def candidatures_inviter_action(modeladmin, request, queryset):
    """Invite the selected applications to a selection session of their programme (a page
    asks which session first)."""
    programmes = set(queryset.values_list("programme_id", flat=True))
    sessions = dans_le_perimetre(
        request, SessionSelection.objects.ouvertes().filter(programme__in=programmes)
    )
    if request.POST.get("session"):
        session = sessions.filter(pk=request.POST["session"]).first()
        if session is None:
            modeladmin.message_user(request, "Choisissez une session ouverte.", messages.ERROR)
            return None
        try:
            invites = participants_inviter(
                session=session, candidatures=list(queryset), par=request.user
            )
        except ValidationError as exc:
            modeladmin.message_user(request, " ".join(exc.messages), messages.ERROR)
            return None
        modeladmin.message_user(
            request, f"{len(invites)} candidat(s) invité(s) à « {session.titre} » et prévenu(s)."
        )
        return None
    if len(programmes) != 1:
        modeladmin.message_user(
            request,
            "Choisissez des candidatures d'un seul programme pour les inviter à une session.",
            messages.ERROR,
        )
        return None
    return TemplateResponse(
        request,
        "admin/parrainages/candidature/inviter_selection.html",
        {
            **modeladmin.admin_site.each_context(request),
            "opts": Candidature._meta,
            "title": "Inviter à une session de sélection",
            "candidatures": queryset.select_related("filleul__user"),
            "sessions": sessions.annotate(nb_invites=Count("participations")),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        },
    )


candidatures_inviter_action.short_description = "Inviter à une session de sélection"
candidatures_inviter_action.allowed_permissions = ("change",)
