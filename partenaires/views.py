"""Partner portal: the partner's conventions and indicators, referred people, referrals, reports.

Only active members of an active partner get in; anyone else signed in gets a 404, and so
does a member asking for another partner's convention or report by its id. Plus the public
page that a referred person's invitation link opens.
"""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mentorat.signature_vues import etapes_signature
from mentorat.signatures import parties_de
from parrainages.forms_selection import (
    InvitationSelectionForm,
    grille_presences,
    saisies_depuis_post,
)
from parrainages.models import Evaluation
from parrainages.selection import (
    candidatures_invitables,
    evaluations_du_membre,
    grille_cohorte,
    nom_membre,
)
from parrainages.services import evenements_ouverts
from parrainages.services.selection import participants_inviter, selection_presences_enregistrer
from parrainages.views.evenements import page_evenements
from parrainages.views.public import SESSION_INVITATION
from parrainages.views.selection import formulaire_evaluation
from programmes.models import Evenement

from . import documents, graphiques, orientations, selectors, services, signature
from .extension import SESSION_PRESCRIPTION
from .forms import (
    CodeRemettreForm,
    ImportPrescriptionsForm,
    PeriodeForm,
    PrescriptionCompteForm,
    PrescriptionForm,
    ReclamationForm,
)
from .indicateurs import DEFINITIONS, IND
from .models import Partenaire
from .publics import masquer
from .services import InvitationInvalide, prescription_creer, prescription_depuis_jeton

PAR_PAGE = 50
SIGNATURE_ACTIONS = ("demander", "confirmer")
FICHIERS_NOMINATIFS = ("csv", "xlsx")


def membre_requis(view):
    """Signed in and an active member of at least one active partner (404 otherwise)."""

    @functools.wraps(view)
    @login_required
    @never_cache
    def wrapper(request, *args, **kwargs):
        partenaires = selectors.partenaires_du_membre(request.user)
        if not partenaires:
            raise Http404
        request.partenaires = partenaires
        # Read-only members are not offered what the services would refuse them.
        request.peut_orienter = any(p.ecriture for p in partenaires)
        # Those where the member's role writes, from the same read (``ecriture``): what
        # ``Partenaire.objects.en_ecriture`` would answer, without asking again.
        request.partenaires_en_ecriture = [p for p in partenaires if p.ecriture]
        return view(request, *args, **kwargs)

    return wrapper


# --- Files (shared with the admin, which checks staff permissions itself) ----------------------


def reponse_convention_pdf(convention) -> HttpResponse:
    response = HttpResponse(documents.convention_pdf(convention), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{documents.nom_convention(convention)}"'
    )
    return response


def reponse_convention_signee(convention) -> FileResponse:
    if not convention.pdf_signe:
        raise Http404
    try:
        fichier = convention.pdf_signe.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    nom = documents.nom_convention(convention).replace(".pdf", "-signee.pdf")
    return FileResponse(fichier, as_attachment=True, filename=nom, content_type="application/pdf")


def reponse_fichier_rapport(rapport, extension: str) -> FileResponse:
    nom_champ, type_mime = documents.FICHIERS_RAPPORT.get(extension, (None, None))
    champ = getattr(rapport, nom_champ, None) if nom_champ else None
    if not champ or not rapport.est_pret:
        raise Http404
    try:
        fichier = champ.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        fichier,
        as_attachment=True,
        filename=documents.nom_rapport(rapport, extension),
        content_type=type_mime,
    )


# --- Pages --------------------------------------------------------------------------------------


@membre_requis
def accueil(request):
    partenaires = request.partenaires
    return render(
        request,
        "partenaires/accueil.html",
        {
            "page": "accueil",
            "partenaires": partenaires,
            "conventions": selectors.conventions_des_partenaires(partenaires),
            "filleuls": selectors.libeller_situations(
                list(selectors.filleuls_orientes(partenaires)[:10])
            ),
            "prescriptions": selectors.libeller_orientations(
                selectors.invitations_des_partenaires(partenaires)[:10]
            ),
            "rapports": selectors.rapports_des_partenaires(partenaires)[:5],
        },
    )


def periode_par_defaut(convention) -> dict:
    """The last full month within the convention's dates; the convention so far when it does
    not cover that month (a report's period stays within the convention's dates)."""
    debut, fin = services.mois_precedent(timezone.localdate())
    if fin < convention.date_debut or debut > convention.date_fin:
        debut, fin = convention.date_debut, min(convention.date_fin, timezone.localdate())
        fin = max(fin, debut)
    return {"debut": max(debut, convention.date_debut), "fin": min(fin, convention.date_fin)}


@membre_requis
@require_http_methods(["GET", "POST"])
def convention(request, pk):
    """A convention: its objectives today, the curves since its start, its reports; the form
    to request a report on a period."""
    convention = selectors.convention_du_membre(request.user, pk)
    # Online signing: the member who signs for their party does it here.
    partie = signature.partie_du_membre(convention, request.user)
    contexte_signature = {}
    if request.method == "POST" and request.POST.get("action") in SIGNATURE_ACTIONS:
        if partie is None:
            messages.error(request, "Vous n'avez rien à signer sur cette convention.")
            return redirect("partenaires:convention", pk=convention.pk)
        contexte_signature, fait = etapes_signature(request, partie=partie, refus_possible=False)
        if fait:
            return redirect("partenaires:convention", pk=convention.pk)
        form = PeriodeForm(initial=periode_par_defaut(convention))
    elif request.method == "POST":
        form = PeriodeForm(request.POST)
        if form.is_valid():
            try:
                rapport = services.rapport_demander(
                    convention=convention,
                    debut=form.cleaned_data["debut"],
                    fin=form.cleaned_data["fin"],
                    par=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "Votre rapport est en cours de production.")
                return redirect("partenaires:rapport", pk=rapport.pk)
    else:
        form = PeriodeForm(initial=periode_par_defaut(convention))
    if partie is not None and not contexte_signature:
        contexte_signature, _fait = etapes_signature(request, partie=partie, refus_possible=False)
    contexte = {
        **contexte_signature,
        "page": "accueil",
        "convention": convention,
        "partie": partie,
        "parties": selectors.parties_de_convention(convention),
        "signatures": list(parties_de(convention)) if convention.signature_demandee_le else [],
        "actions": selectors.actions_de_convention(convention),
        "form": form,
        "definitions": [DEFINITIONS[ind] for ind in IND.values],
        # The member's own partners: only the lead party's members are offered the files
        # that name people.
        "rapports": selectors.rapports_des_partenaires(request.partenaires).filter(
            convention=convention
        )[:10],
    }
    if convention.est_suivie:
        tableau = selectors.tableau_de_bord_convention(convention)
        if not tableau["a_jour"]:
            # Its last figures, shown while they are counted again in the background.
            services.tableau_faire_recompter(convention_id=convention.pk)
        # A partner reads an objective aimed at a public as it downloads it: 1 to 4 shown
        # « < 5 » (docs/indicateurs.md), the rate and gauge with it.
        for a in tableau.get("avancements", ()):
            a.valeur_affichee = masquer(a.valeur) if a.cible_publique else a.valeur
            a.masque = a.valeur_affichee != a.valeur
        contexte.update(tableau)
        contexte["graphique"] = graphiques.courbes(tableau["series"])
    else:
        contexte["objectifs"] = list(convention.objectifs.select_related("secteur"))
    return render(request, "partenaires/convention.html", contexte)


@membre_requis
@require_GET
def convention_pdf(request, pk):
    return reponse_convention_pdf(selectors.convention_du_membre(request.user, pk))


@membre_requis
@require_GET
def convention_signee(request, pk):
    return reponse_convention_signee(selectors.convention_du_membre(request.user, pk))


@membre_requis
def filleuls(request):
    page = selectors.page_de_filleuls(
        request.partenaires, request.GET.get("page"), par_page=PAR_PAGE
    )
    return render(
        request,
        "partenaires/filleuls.html",
        {"page": "filleuls", "partenaires": request.partenaires, "filleuls": page},
    )


@membre_requis
def rapports(request):
    page = Paginator(selectors.rapports_des_partenaires(request.partenaires), PAR_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "partenaires/rapports.html", {"page": "rapports", "rapports": page})


def titre_production(rapport) -> str:
    if rapport.est_en_production:
        return "Production en cours"
    return "Rapport prêt" if rapport.est_pret else "La production a échoué"


@membre_requis
def rapport(request, pk):
    rapport = selectors.rapport_du_membre(request.user, pk)
    return render(
        request,
        "partenaires/rapport.html",
        {
            "page": "rapports",
            "rapport": rapport,
            "nominatif": rapport.nominatif,
            "titre_production": titre_production(rapport),
        },
    )


@membre_requis
@require_GET
def rapport_statut(request, pk):
    """Where the production stands, for the page's polling script."""
    rapport = selectors.rapport_du_membre(request.user, pk)
    return JsonResponse(
        {
            "statut": rapport.statut,
            "libelle": rapport.get_statut_display(),
            "progression": rapport.progression,
            "pret": rapport.est_pret,
            "termine": not rapport.est_en_production,
            # The heading the page shows meanwhile: it stops saying « en cours » at once.
            "titre": titre_production(rapport),
            "url": reverse("partenaires:rapport", kwargs={"pk": rapport.pk}),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@membre_requis
@require_GET
def rapport_fichier(request, pk, extension):
    rapport = selectors.rapport_du_membre(request.user, pk)
    if extension in FICHIERS_NOMINATIFS and not rapport.nominatif:
        # Another party of the convention: the people the lead partner referred are not its.
        raise Http404
    return reponse_fichier_rapport(rapport, extension)


@membre_requis
@require_http_methods(["GET", "POST"])
def prescrire(request):
    ids = [p.pk for p in request.partenaires]
    form = PrescriptionForm(
        request.POST if request.method == "POST" else None,
        partenaires=Partenaire.objects.filter(pk__in=ids).order_by("nom"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            prescription_creer(
                par=request.user,
                partenaire=data["partenaire"],
                programme=data["programme"],
                prenom=data["prenom"],
                nom=data["nom"],
                email=data["email"],
                message=data["message"],
                freins=data["freins"],
                diagnostic=data["diagnostic"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Invitation envoyée à {data['prenom']} {data['nom']} ({data['email']}).",
            )
            return redirect("partenaires:accueil")
    return render(request, "partenaires/prescrire.html", {"page": "prescrire", "form": form})


def _partenaires_du_formulaire(request):
    return Partenaire.objects.filter(pk__in=[p.pk for p in request.partenaires]).order_by("nom")


@membre_requis
@require_http_methods(["GET", "POST"])
def prescrire_compte(request):
    """Refer a person met without an e-mail address: their profile filled with them, the
    account and the application created at once; the person claims the account later."""
    form = PrescriptionCompteForm(
        request.POST if request.method == "POST" else None,
        partenaires=_partenaires_du_formulaire(request),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            prescription = orientations.prescription_compte_creer(
                par=request.user,
                partenaire=data["partenaire"],
                programme=data["programme"],
                donnees=data,
                email=data["email"],
                freins=data["freins"],
                diagnostic=data["diagnostic"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                f"Le compte de {prescription.prenom} {prescription.nom} est créé et sa "
                "candidature enregistrée. Remettez-lui maintenant son code d'activation.",
            )
            return redirect("partenaires:prescription", pk=prescription.pk)
    return render(request, "partenaires/prescrire_compte.html", {"page": "prescrire", "form": form})


@membre_requis
@require_GET
def prescription(request, pk):
    """One of the structure's referrals: the person, the diagnostic, the application's
    status, and for an account still to claim, how to hand over a code."""
    prescription = selectors.prescription_du_membre(request.user, pk)
    candidature = None
    if prescription.filleul_id:
        from parrainages.models import Candidature

        candidature = Candidature.objects.filter(
            filleul_id=prescription.filleul_id, programme_id=prescription.programme_id
        ).first()
    return render(
        request,
        "partenaires/prescription.html",
        {
            "page": "prescrire",
            "prescription": prescription,
            "candidature": candidature,
            "form": CodeRemettreForm(),
            "sms_possible": orientations.sms_possible(prescription.telephone),
            "ecriture": services.membre_redacteur(
                user=request.user, partenaire=prescription.partenaire
            ),
        },
    )


def _pdf(contenu: bytes, nom: str) -> HttpResponse:
    response = HttpResponse(contenu, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{nom}"'
    return response


@membre_requis
@require_POST
def prescription_code(request, pk):
    """A new claim code (the previous one stops working): a letter to print, an e-mail or an
    SMS."""
    prescription = selectors.prescription_du_membre(request.user, pk)
    form = CodeRemettreForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choisissez comment remettre le code.")
        return redirect("partenaires:prescription", pk=prescription.pk)
    moyen = form.cleaned_data["moyen"]
    try:
        pdf = orientations.code_remettre(
            prescription_id=prescription.pk, par=request.user, moyen=moyen
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("partenaires:prescription", pk=prescription.pk)
    if pdf is not None:
        return _pdf(pdf, f"activation-compte-{prescription.pk}.pdf")
    messages.success(
        request,
        f"Un nouveau code a été envoyé par {orientations.Moyen.LIBELLES[moyen]} ; le précédent "
        "ne fonctionne plus.",
    )
    return redirect("partenaires:prescription", pk=prescription.pk)


@membre_requis
@require_GET
def importer_modele(request):
    response = HttpResponse(orientations.modele_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="modele-orientations.csv"'
    return response


@membre_requis
@require_http_methods(["GET", "POST"])
def importer(request):
    """Referrals imported from a CSV file: checked line by line, all or nothing."""
    form = ImportPrescriptionsForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        partenaires=_partenaires_du_formulaire(request),
    )
    erreurs = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lignes = orientations.lire_csv_prescriptions(data["fichier"])
            lot = orientations.prescriptions_importer(
                par=request.user,
                partenaire=data["partenaire"],
                programme=data["programme"],
                lignes=lignes,
                nom_fichier=data["fichier"].name or "import.csv",
            )
        except ValidationError as exc:
            erreurs = exc.messages
        else:
            messages.success(
                request,
                f"{lot.lignes} personne{'s' if lot.lignes > 1 else ''} orientée(s)."
                + (
                    f" {lot.deja_orientees} personne(s) du fichier, déjà orientée(s) par votre "
                    "structure, n'ont pas été créées une seconde fois."
                    if lot.deja_orientees
                    else ""
                ),
            )
            return redirect("partenaires:lot", pk=lot.pk)
    return render(
        request,
        "partenaires/importer.html",
        {"page": "prescrire", "form": form, "erreurs": erreurs},
        status=400 if erreurs else 200,
    )


@membre_requis
@require_GET
def lot(request, pk):
    lot = selectors.lot_du_membre(request.user, pk)
    prescriptions = selectors.libeller_orientations(
        selectors.invitations_des_partenaires(request.partenaires).filter(lot=lot)
    )
    return render(
        request,
        "partenaires/lot.html",
        {
            "page": "prescrire",
            "lot": lot,
            "prescriptions": prescriptions,
            "a_reclamer": sum(1 for p in prescriptions if p.a_reclamer),
            "ecriture": services.membre_redacteur(user=request.user, partenaire=lot.partenaire),
        },
    )


@membre_requis
@require_POST
def lot_lettres(request, pk):
    lot = selectors.lot_du_membre(request.user, pk)
    try:
        pdf = orientations.lot_lettres(lot_id=lot.pk, par=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("partenaires:lot", pk=lot.pk)
    return _pdf(pdf, f"lettres-activation-import-{lot.pk}.pdf")


# --- The person claims the account a counsellor created (public) -----------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def reclamer(request):
    """Code and birth date, then the login address and password; allauth then verifies the
    address with its usual code and signs the person in."""
    from allauth.account.utils import perform_login

    from mentorat.limites import limite_du_jour_consommer
    from mentorat.reseau import adresse_client

    form = ReclamationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            limite_du_jour_consommer(
                f"reclamation:{adresse_client(request) or 'inconnue'}",
                limite=orientations.LIMITE_RECLAMATION_JOUR,
                message="Trop d'essais aujourd'hui depuis cette connexion : réessayez demain, "
                "ou demandez de l'aide à votre conseiller ou à votre conseillère.",
            )
            orientations.reclamation_verifier(
                code=data["code"], date_naissance=data["date_naissance"]
            )
            user = orientations.compte_reclamer(
                code=data["code"],
                date_naissance=data["date_naissance"],
                email=data["email"],
                mot_de_passe=data["password1"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return perform_login(
                request,
                user,
                email_verification="mandatory",
                redirect_url=reverse("espace"),
                signup=True,
            )
    return render(
        request, "partenaires/reclamer.html", {"form": form}, status=400 if form.errors else 200
    )


# --- The referred person's invitation (public) ------------------------------------------------


@never_cache
def invitation(request, jeton):
    """A referred person opens their invitation: sign-up pre-filled, referral remembered."""
    try:
        prescription = prescription_depuis_jeton(jeton)
    except InvitationInvalide as exc:
        return render(
            request, "parrainages/invitation_invalide.html", {"raison": str(exc)}, status=400
        )
    request.session[SESSION_PRESCRIPTION] = prescription.pk
    request.session[SESSION_INVITATION] = {
        "first_name": prescription.prenom,
        "last_name": prescription.nom,
        "email": prescription.email,
    }
    suite = reverse("candidater", kwargs={"slug": prescription.programme.slug})
    annonce = (
        f"{prescription.partenaire.nom} vous propose le programme « {prescription.programme.nom} »."
    )
    # The counsellor's note is read here, on the site and under the partner's name, never in
    # the e-mail sent to the address they typed.
    if prescription.message:
        annonce += f" Le mot de votre conseiller ou conseillère : « {prescription.message} »"
    if request.user.is_authenticated:
        messages.info(request, annonce)
        return redirect(suite)
    messages.info(request, f"{annonce} Créez votre compte pour continuer.")
    query = urlencode({"email": prescription.email, "next": suite})
    return redirect(f"{reverse('account_signup')}?{query}")


# --- The selection step -------------------------------------------------------------------------


@membre_requis
def sessions_selection(request):
    return render(
        request,
        "partenaires/sessions.html",
        {"page": "sessions", "sessions": selectors.sessions_des_partenaires(request.partenaires)},
    )


@membre_requis
@require_http_methods(["GET", "POST"])
def session_selection(request, pk):
    """A session: the facilitator sees the whole cohort (attendance, grids); a prescriber sees
    the people their partner referred to it, and invites others of them."""
    session = selectors.session_du_membre(request.partenaires, pk)
    form = InvitationSelectionForm(
        request.POST if request.method == "POST" else None,
        candidatures=candidatures_invitables(session, prescripteurs=request.partenaires),
    )
    ecriture = request.partenaires_en_ecriture
    if request.method == "POST" and not ecriture:
        form.is_valid()
        form.add_error(None, services.LECTURE_SEULE)
    elif request.method == "POST" and form.is_valid():
        try:
            invites = participants_inviter(
                session=session,
                candidatures=form.cleaned_data["candidatures"],
                par=request.user,
                partenaires=ecriture,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{len(invites)} personne(s) invitée(s) et prévenue(s).")
            return redirect("partenaires:session", pk=session.pk)
    # The facilitator's grid holds every member of the cohort, with what the list of the
    # partner's own people shows: read once for both.
    fiche = grille_cohorte(session) if session.animee else None
    participations = (
        [ligne["participation"] for ligne in fiche["lignes"]]
        if fiche
        else session.participations.select_related(
            "candidature__filleul__user", "candidature__prescripteur"
        ).order_by("pk")
    )
    ids = {p.pk for p in request.partenaires}
    orientes = [p for p in participations if p.candidature.prescripteur_id in ids]
    return render(
        request,
        "partenaires/session.html",
        {
            "page": "sessions",
            "session": session,
            "form": form,
            "fiche": fiche,
            "orientes": orientes,
            "ecriture": bool(ecriture),
            "anime_en_ecriture": session.animateur_id in {p.pk for p in ecriture},
        },
    )


@membre_requis
@require_http_methods(["GET", "POST"])
def session_presences(request, pk):
    """The facilitator's attendance grid: one POST saves it whole, or nothing."""
    session = selectors.session_animee(request.partenaires, pk)
    ecriture = session.animateur_id in {p.pk for p in request.partenaires_en_ecriture}
    erreur = ""
    if request.method == "POST" and not ecriture:
        erreur = services.LECTURE_SEULE
    elif request.method == "POST":
        try:
            n = selection_presences_enregistrer(
                session=session, saisies=saisies_depuis_post(request.POST), par=request.user
            )
        except ValidationError as exc:
            erreur = " ".join(exc.messages)
        else:
            messages.success(request, f"Grille enregistrée ({n} case(s) modifiée(s)).")
            return redirect("partenaires:session_presences", pk=session.pk)
    return render(
        request,
        "partenaires/session_presences.html",
        {
            "page": "sessions",
            "session": session,
            "grille": grille_presences(session),
            "erreur": erreur,
            "ecriture": ecriture,
            "action": request.path,
        },
        status=400 if erreur else 200,
    )


@membre_requis
@require_http_methods(["GET", "POST"])
def session_evaluation(request, pk, participation):
    """The facilitator's grid for one member, with every evaluation of that member."""
    session = selectors.session_animee(request.partenaires, pk)
    membre = (
        session.participations.select_related("candidature__filleul__user", "session__programme")
        .filter(pk=participation)
        .first()
    )
    if membre is None:
        raise Http404
    form = None
    ecriture = session.animateur_id in {p.pk for p in request.partenaires_en_ecriture}
    if request.method == "POST" and not ecriture:
        messages.error(request, services.LECTURE_SEULE)
        return redirect("partenaires:session", pk=session.pk)
    if session.est_ouverte and ecriture:
        form, enregistre = formulaire_evaluation(
            request,
            participation=membre,
            identite={"evaluateur": request.user},
            qualite=Evaluation.Qualite.ANIMATEUR,
        )
        if enregistre:
            messages.success(request, f"Grille enregistrée pour {nom_membre(membre)}.")
            return redirect("partenaires:session", pk=session.pk)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "parrainages/selection/evaluation.html",
        {
            "session": session,
            "participation": membre,
            "nom": nom_membre(membre),
            "form": form,
            "evaluations": evaluations_du_membre(membre),
            "retour": ("partenaires:session", session.pk),
        },
    )


# --- Events (round tables, company events) ------------------------------------------------------


@membre_requis
@require_http_methods(["GET", "POST"])
def evenements(request):
    """Events open to partner members in the programmes the member's partners work with
    (convention or referrals): register or cancel, and the attendance recorded."""
    programmes = selectors.programmes_des_partenaires(request.partenaires)
    return page_evenements(
        request,
        public=Evenement.Public.PARTENAIRES,
        personne=request.user,
        ouverts=evenements_ouverts(Evenement.Public.PARTENAIRES, programmes),
        gabarit="partenaires/evenements.html",
        retour="partenaires:evenements",
        contexte={"page": "evenements", "partenaires": request.partenaires},
    )
