"""Reminder rules: set-based queries that write e-mails to the outbox (mentorat.envois).

Each rule takes ``maintenant`` and returns new outbox rows (`NouvelEnvoi`, written by batches of
thousands) with a unique key (rule, object, recipient, period): running a rule twice for the
same period adds nothing. Delays are set per programme. No rule runs a query per row.

A rule only says who is written to and about what: the wording and the links are in its
templates, ``templates/parrainages/emails/relances/<rule>.txt`` and ``.html``, rendered when
the row is sent; the subject is written here, as for every other e-mail.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from mentorat.canaux import Genre, envois_repartir
from mentorat.envois import EnvoiSansObjet, NouvelEnvoi, envois_creer
from mentorat.horaires import debut_du_jour
from mentorat.models import Envoi, Partie, User
from mentorat.signatures import partie_relancer
from programmes.models import Programme

from .models import (
    Candidature,
    Charte,
    EvenementCandidature,
    Filleul,
    Parrainage,
    Rencontre,
    Sortie,
    membre_de_cohorte,
)
from .models.parrainage import Forme, add_months


def _envoi(regle, cle, user_id, email, sujet, contexte, *, essentiel, gabarit=None):
    return NouvelEnvoi(
        regle=regle,
        cle=cle,
        destinataire_id=user_id,
        email=email,
        sujet=sujet,
        gabarit=f"parrainages/emails/relances/{gabarit or regle}",
        contexte=contexte,
        essentiel=essentiel,
    )


def _nom(prenom, nom):
    return f"{prenom or ''} {nom or ''}".strip()


def _par_programme(qs, prefixe, champ_delai, filtre):
    """``qs`` restricted programme by programme with its own delay.

    ``filtre(delai)`` returns the condition (a Q) for one programme's delay, in days. The
    delays are read from the programmes that have rows in ``qs`` (one query, an index probe a
    programme). The rows come unordered: the order of the outbox is the claim's.
    """
    delais = (
        Programme.objects.filter(Exists(qs.filter(**{f"{prefixe}programme_id": OuterRef("pk")})))
        .order_by()
        .values_list("pk", champ_delai)
    )
    conditions = Q(pk__in=[])
    for programme_id, delai in delais:
        conditions |= Q(**{f"{prefixe}programme_id": programme_id}) & filtre(delai)
    return qs.filter(conditions).order_by()


def propositions_nouvelles(ids) -> list[NouvelEnvoi]:
    """Not a scheduled rule: the notice of each proposal staff just sent to its mentor (one
    query), in the reminders' look, keyed so that confirming twice mails once."""
    rows = Parrainage.objects.filter(pk__in=ids, parrain__user__isnull=False).values_list(
        "pk",
        "parrain__user_id",
        "parrain__user__email",
        "parrain__user__first_name",
        "filleul__user__first_name",
        "programme__nom",
        "programme__delai_reponse_jours",
    )
    return [
        _envoi(
            "proposition_nouvelle",
            f"proposition_nouvelle:{pk}:{user_id}",
            user_id,
            email,
            "Une nouvelle proposition de parrainage",
            {
                "prenom": prenom,
                "prenom_filleul": prenom_filleul,
                "programme": programme,
                "delai": delai,
                "parrainage": pk,
            },
            essentiel=True,
        )
        for pk, user_id, email, prenom, prenom_filleul, programme, delai in rows
    ]


def _propositions_du_filleul(selection, soumis):
    """One row per mentee and programme with a proposal among ``selection``: over all that
    waits for her there, the lowest pair id (what the key names, and the link opens), how many
    mentors wait for her answer, and the day of her ``soumis`` (``Min``/``Max``) submission.

    Keyed on her set (mentee, programme, submission day), not on the pairs of one batch:
    options confirmed one by one the same day make one message."""
    attente = Parrainage.objects.filter(
        statut=Parrainage.Statut.ATTENTE_FILLEUL, filleul__user__isnull=False
    ).filter(
        Exists(
            selection.filter(
                filleul_id=OuterRef("filleul_id"), programme_id=OuterRef("programme_id")
            )
        )
    )
    return (
        attente.values("filleul_id", "programme_id")
        .annotate(premier=Min("pk"), nombre=Count("pk"), soumis=soumis("soumis_au_filleul_le"))
        .values_list(
            "premier",
            "nombre",
            "soumis",
            "filleul_id",
            "programme_id",
            "filleul__user_id",
            "filleul__user__email",
            "filleul__user__first_name",
            "programme__nom",
            "programme__delai_reponse_jours",
        )
        .order_by()
    )


def _cle_du_choix(regle, filleul_id, user_id, programme_id, soumis) -> str:
    """Her set of proposals in a programme, by the day of its submission."""
    return f"{regle}:{filleul_id}:{user_id}:p{programme_id}:{timezone.localtime(soumis):%Y-%m-%d}"


def _lien_du_choix(premier) -> str:
    return f"{settings.SITE_URL}{reverse('filleul:proposition', kwargs={'pk': premier})}"


def propositions_aux_filleuls(ids) -> list[NouvelEnvoi]:
    """Not a scheduled rule: the notice to each mentee that the proposals ``ids`` (their
    mentor to accept, or their options to choose from) wait for them; one message for their
    options, by the channels she chose for proposals (SMS for a mentee without e-mail), keyed
    so that confirming twice writes once. It names no mentor."""
    selection = Parrainage.objects.filter(pk__in=ids, statut=Parrainage.Statut.ATTENTE_FILLEUL)
    envois = [
        _envoi(
            "proposition_au_filleul",
            _cle_du_choix("proposition_au_filleul", filleul_id, user_id, programme_id, soumis),
            user_id,
            email,
            "Un parrain ou une marraine vous est proposé(e)"
            if nombre == 1
            else f"{nombre} parrains ou marraines vous sont proposés : choisissez",
            {
                "prenom": prenom,
                "programme": programme,
                "delai": delai,
                "nombre": nombre,
                "parrainage": pk,
                "lien": _lien_du_choix(pk),
            },
            essentiel=True,
        )
        for (
            pk,
            nombre,
            soumis,
            filleul_id,
            programme_id,
            user_id,
            email,
            prenom,
            programme,
            delai,
        ) in _propositions_du_filleul(selection, Max)
    ]
    return envois_repartir(envois, genre=Genre.PROPOSITIONS)


def choix_filleul_sans_reponse(maintenant) -> list[NouvelEnvoi]:
    """A proposal (or options) waits for the mentee's answer for the programme's reminder
    delay: reminded once for her set (the key names her first submission, not the day); past
    the answer delay it expires (``services.parrain.propositions_expirer``)."""
    selection = _par_programme(
        Parrainage.objects.filter(statut=Parrainage.Statut.ATTENTE_FILLEUL),
        "",
        "relance_proposition_jours",
        lambda delai: Q(soumis_au_filleul_le__lte=maintenant - dt.timedelta(days=delai)),
    )
    envois = [
        _envoi(
            "choix_filleul_sans_reponse",
            _cle_du_choix("choix_filleul_sans_reponse", filleul_id, user_id, programme_id, soumis),
            user_id,
            email,
            "Votre réponse est attendue pour commencer votre parrainage",
            {
                "prenom": prenom,
                "programme": programme,
                "nombre": nombre,
                "parrainage": pk,
                "lien": _lien_du_choix(pk),
            },
            essentiel=True,
        )
        for pk, nombre, soumis, filleul_id, programme_id, user_id, email, prenom, programme, _ in (
            _propositions_du_filleul(selection, Min)
        )
    ]
    return envois_repartir(envois, genre=Genre.PROPOSITIONS)


REGLES_DU_CHOIX = ("proposition_au_filleul", "choix_filleul_sans_reponse")


def choix_encore_attendu(envoi) -> dict:
    """At sending time (registered for ``REGLES_DU_CHOIX``): something still waits for the
    mentee's answer in that programme, else the message has no reason to go."""
    parties = envoi.cle.split(":")  # an SMS's key ends in « :sms »
    filleul_id, programme = parties[1], parties[3]
    if not Parrainage.objects.filter(
        filleul_id=int(filleul_id),
        programme_id=int(programme.removeprefix("p")),
        statut=Parrainage.Statut.ATTENTE_FILLEUL,
    ).exists():
        raise EnvoiSansObjet(
            "Plus aucune proposition n'attend la réponse de cette personne : réponse donnée, "
            "propositions expirées ou retirées."
        )
    return {}


def proposition_sans_reponse(maintenant) -> list[NouvelEnvoi]:
    """A proposal waits for the mentor's answer for the programme's reminder delay."""
    attente = Parrainage.objects.filter(
        statut=Parrainage.Statut.ATTENTE_PARRAIN, parrain__user__isnull=False
    )
    rows = _par_programme(
        attente,
        "",
        "relance_proposition_jours",
        lambda delai: Q(envoye_le__lte=maintenant - dt.timedelta(days=delai)),
    ).values_list(
        "pk",
        "parrain__user_id",
        "parrain__user__email",
        "parrain__user__first_name",
        "filleul__user__first_name",
        "programme__nom",
    )
    return [
        _envoi(
            "proposition_sans_reponse",
            f"proposition_sans_reponse:{pk}:{user_id}",
            user_id,
            email,
            "Une proposition de parrainage attend votre réponse",
            {
                "prenom": prenom,
                "prenom_filleul": prenom_filleul,
                "programme": programme,
                "parrainage": pk,
            },
            essentiel=True,
        )
        for pk, user_id, email, prenom, prenom_filleul, programme in rows
    ]


def charte_a_signer(maintenant) -> list[NouvelEnvoi]:
    """Each party who has not signed, every N days of the programme (three times at most).

    A party with an account is reminded of the charter's page (a row of the outbox, like
    every rule); a party without one (a minor's legal guardian) is sent a new link of their
    own by the signature machinery, which writes it as a confidential message
    (``mentorat.signatures.partie_relancer``: a handful of rows, one at a time).
    """
    chartes = {
        c["pk"]: c
        for c in _par_programme(
            Charte.objects.filter(statut=Charte.Statut.A_SIGNER),
            "parrainage__",
            "relance_charte_jours",
            lambda delai: Q(emise_le__lte=maintenant - dt.timedelta(days=delai)),
        ).values(
            "pk",
            "uuid",
            "emise_le",
            "parrainage__programme__nom",
            "parrainage__programme__relance_charte_jours",
        )
    }
    periodes = {}
    for c in chartes.values():
        pas = max(c["parrainage__programme__relance_charte_jours"], 1)
        periode = (maintenant - c["emise_le"]).days // pas
        if periode <= 3:
            periodes[c["pk"]] = periode
    parties = (
        Partie.objects.filter(
            document_type__app_label="parrainages",
            document_type__model="charte",
            document_id__in=list(periodes),
        )
        .a_signer()
        .order_by()
        .values("pk", "document_id", "role", "user_id", "user__email")
    )
    envois, par_lien = [], []
    for p in parties:
        c, periode = chartes[p["document_id"]], periodes[p["document_id"]]
        cle = f"charte_a_signer:{c['pk']}:{p['role']}:{periode}"
        if p["user_id"] is None or not p["user__email"]:
            par_lien.append((p["pk"], cle))
            continue
        envois.append(
            _envoi(
                "charte_a_signer",
                cle,
                p["user_id"],
                p["user__email"],
                "Votre charte de parrainage attend votre signature",
                {"programme": c["parrainage__programme__nom"], "charte": str(c["uuid"])},
                essentiel=True,
            )
        )
    for partie_id, cle in par_lien:
        partie_relancer(partie=Partie(pk=partie_id), regle="charte_a_signer", cle=cle)
    return envois


def rencontre_demain(maintenant) -> list[NouvelEnvoi]:
    """The day before a planned meeting, both parties."""
    demain = timezone.localtime(maintenant).date() + dt.timedelta(days=1)
    rows = (
        Rencontre.objects.filter(
            statut=Rencontre.Statut.PREVUE,
            debut__gte=debut_du_jour(demain),
            debut__lt=debut_du_jour(demain + dt.timedelta(days=1)),
            parrainage__statut=Parrainage.Statut.ACTIF,
        )
        .order_by()
        .values(
            "pk",
            "debut",
            "sequence",
            "modalite",
            "lieu",
            "lien",
            "sujet",
            "parrainage_id",
            "parrainage__parrain__user_id",
            "parrainage__parrain__user__email",
            "parrainage__parrain__user__first_name",
            "parrainage__parrain__user__last_name",
            "parrainage__filleul__user_id",
            "parrainage__filleul__user__email",
            "parrainage__filleul__user__first_name",
            "parrainage__filleul__user__last_name",
        )
    )
    modalites = dict(Rencontre.Modalite.choices)
    tz = timezone.get_current_timezone()
    envois = []
    for r in rows:
        debut = r["debut"].astimezone(tz)
        for cote, autre in (("parrain", "filleul"), ("filleul", "parrain")):
            user_id = r[f"parrainage__{cote}__user_id"]
            # No account; one a counsellor created and not yet claimed has no address, and
            # is reminded only by SMS (envois_repartir).
            if user_id is None:
                continue
            envois.append(
                _envoi(
                    "rencontre_demain",
                    # A moved meeting (its invitation's SEQUENCE) is reminded again.
                    f"rencontre_demain:{r['pk']}:{user_id}"
                    + (f":v{r['sequence']}" if r["sequence"] else ""),
                    user_id,
                    r[f"parrainage__{cote}__user__email"],
                    f"Rappel : rencontre de parrainage demain à {debut:%H:%M}",
                    {
                        "date": f"{debut:%d/%m/%Y}",
                        "heure": f"{debut:%H:%M}",
                        "avec": _nom(
                            r[f"parrainage__{autre}__user__first_name"],
                            r[f"parrainage__{autre}__user__last_name"],
                        ),
                        "lieu": r["lieu"] or r["lien"] or modalites[r["modalite"]],
                        "sujet": r["sujet"],
                        "lien": f"{settings.SITE_URL}{_espace(cote, r['parrainage_id'])}",
                    },
                    essentiel=False,
                )
            )
    return envois_repartir(envois, genre=Genre.RENCONTRES)


def _espace(cote: str, parrainage_id: int) -> str:
    """Where a party finds the pair's meetings."""
    if cote == "parrain":
        return reverse("parrain:binome", kwargs={"pk": parrainage_id}) + "#rencontres"
    return reverse("filleul:tableau_de_bord") + "#rencontres"


def sans_rencontre(maintenant) -> list[NouvelEnvoi]:
    """Active regular pairs with no meeting logged for N days: the mentor; at 2N, the team."""
    actifs = Parrainage.objects.filter(statut=Parrainage.Statut.ACTIF, forme=Forme.REGULIER)
    tenues = Rencontre.objects.filter(parrainage=OuterRef("pk"), statut=Rencontre.Statut.TENUE)

    def sans_rencontre_recente(delai):
        # An anti-join on the recent held meetings keeps only the stalled pairs.
        recente = tenues.filter(debut__gt=maintenant - dt.timedelta(days=delai))
        return Q(date_debut__lte=maintenant.date() - dt.timedelta(days=delai)) & ~Exists(recente)

    rows = (
        _par_programme(actifs, "", "relance_sans_rencontre_jours", sans_rencontre_recente)
        # The last held meeting of each stalled pair only, read on the (parrainage, debut) index.
        .annotate(derniere=Subquery(tenues.order_by("-debut").values("debut")[:1]))
        .values(
            "pk",
            "date_debut",
            "derniere",
            "programme__nom",
            "programme__relance_sans_rencontre_jours",
            "programme__coordinateur_id",
            "programme__coordinateur__email",
            "parrain__user_id",
            "parrain__user__email",
            "parrain__user__first_name",
            "parrain__user__last_name",
            "filleul__user__first_name",
            "filleul__user__last_name",
        )
    )
    aujourd_hui = timezone.localtime(maintenant).date()
    tz = timezone.get_current_timezone()
    envois = []
    for r in rows:
        n = max(r["programme__relance_sans_rencontre_jours"], 1)
        depuis = r["derniere"].astimezone(tz).date() if r["derniere"] else r["date_debut"]
        if depuis is None:
            continue
        jours = (aujourd_hui - depuis).days
        if jours < n:
            continue
        periode = jours // n
        filleul = _nom(r["filleul__user__first_name"], r["filleul__user__last_name"])
        if r["parrain__user_id"]:
            envois.append(
                _envoi(
                    "sans_rencontre",
                    f"sans_rencontre:{r['pk']}:{r['parrain__user_id']}:{periode}",
                    r["parrain__user_id"],
                    r["parrain__user__email"],
                    "Pensez à consigner vos rencontres de parrainage",
                    {
                        "prenom": r["parrain__user__first_name"],
                        "filleul": filleul,
                        "jours": jours,
                        "parrainage": r["pk"],
                    },
                    essentiel=False,
                )
            )
        if jours >= 2 * n and r["programme__coordinateur_id"]:
            envois.append(
                _envoi(
                    "alerte_sans_rencontre",
                    f"alerte_sans_rencontre:{r['pk']}:{periode}",
                    r["programme__coordinateur_id"],
                    r["programme__coordinateur__email"],
                    f"Binôme sans rencontre depuis {jours} jours",
                    {
                        "parrain": _nom(
                            r["parrain__user__first_name"], r["parrain__user__last_name"]
                        ),
                        "filleul": filleul,
                        "programme": r["programme__nom"],
                        "jours": jours,
                        "parrainage": r["pk"],
                    },
                    essentiel=True,
                )
            )
    return envois


# The outcome is asked at the end of a pair, and again six months later: a rule per moment.
JOURS_APRES_LA_FIN = {Sortie.Moment.FIN: 0, Sortie.Moment.SIX_MOIS: 183}
SUJETS_ENQUETE = {
    "filleul": "Une question sur votre situation aujourd'hui",
    "parrain": "Une question sur la situation de votre filleul",
}


def _enquete(moment: Sortie.Moment, maintenant) -> list[NouvelEnvoi]:
    """Pairs ended ``JOURS_APRES_LA_FIN[moment]`` days ago or more without an outcome for
    ``moment``: ask both parties (``enquete_fin``, ``enquete_six_mois``). A pair whose outcome
    the mentor declared and the mentee has not confirmed yet: ask the mentee only (their answer
    confirms or replaces it, ``services.parrain.sortie_confirmer``)."""
    from .enquetes import lien_enquete

    regle = f"enquete_{moment}"
    sortie = Sortie.objects.filter(parrainage=OuterRef("pk"), moment=moment)
    a_confirmer = sortie.filter(source=Sortie.Source.PARRAIN, confirmee_le__isnull=True)
    limite = timezone.localtime(maintenant).date() - dt.timedelta(days=JOURS_APRES_LA_FIN[moment])
    rows = (
        Parrainage.objects.filter(
            statut__in=[Parrainage.Statut.TERMINE, Parrainage.Statut.INTERROMPU],
            date_fin__lte=limite,
        )
        .filter(~Exists(sortie) | Exists(a_confirmer))
        # Nobody is asked about a mentee who was erased (their pair ended with their account).
        .exclude(filleul__anonymise_le__isnull=False)
        .annotate(a_confirmer=Exists(a_confirmer))
        .order_by()
        .values_list(
            "pk",
            "programme__nom",
            "a_confirmer",
            "filleul__user_id",
            "filleul__user__email",
            "parrain__user_id",
            "parrain__user__email",
        )
    )
    envois = []
    for pk, programme, confirmer, *parties in rows:
        for cote, user_id, email in (("filleul", *parties[:2]), ("parrain", *parties[2:])):
            if user_id is None:  # no account (one not yet claimed: SMS only, if any)
                continue
            if confirmer and cote == "parrain":  # the mentor already answered
                continue
            envois.append(
                _envoi(
                    regle,
                    f"{regle}:{pk}:{user_id}",
                    user_id,
                    email,
                    SUJETS_ENQUETE[cote],
                    {
                        "programme": programme,
                        "six_mois": moment == Sortie.Moment.SIX_MOIS,
                        "lien": lien_enquete(parrainage_id=pk, moment=moment, user_id=user_id),
                    },
                    essentiel=True,
                    gabarit="enquete",
                )
            )
    return envois_repartir(envois, genre=Genre.ENQUETES)


def enquete_fin(maintenant) -> list[NouvelEnvoi]:
    """Pairs ended without an end-of-pair outcome: ask both parties."""
    return _enquete(Sortie.Moment.FIN, maintenant)


def enquete_six_mois(maintenant) -> list[NouvelEnvoi]:
    """Six months after the end, the outcome survey again (kept apart from the end one)."""
    return _enquete(Sortie.Moment.SIX_MOIS, maintenant)


# People without a pair: an application retained but never paired, or one that went to the
# selection week (a member of the cohort: ``membre_de_cohorte``, not withdrawn from it) and
# then was not retained, stayed on the waiting list or withdrew. Their
# "end" comes when a pair of the programme would have ended: the programme's planned pair
# duration (``Programme.duree_parrainage_mois``) after the decision that put the application in
# its current status (docs/indicateurs.md, « Sorties des personnes sans binôme »).
SANS_BINOME_APRES_SELECTION = (
    Candidature.Statut.REFUSEE,
    Candidature.Statut.LISTE_ATTENTE,
    Candidature.Statut.DESISTEE,
)


def candidatures_sans_binome():
    """The applications whose person is asked their outcome on the application: retained,
    or gone after the selection week, with no pair formed or on its way in the programme."""
    binome = Parrainage.objects.filter(
        filleul=OuterRef("filleul"),
        programme=OuterRef("programme"),
        statut__in=(*Parrainage.STATUTS_OUVERTS, *Parrainage.STATUTS_FORMES),
    )
    return Candidature.objects.filter(
        Q(statut=Candidature.Statut.RETENUE)
        | (Q(statut__in=SANS_BINOME_APRES_SELECTION) & membre_de_cohorte()),
        ~Exists(binome),
    )


def avec_date_de_decision(candidatures):
    """Each application with ``decision``: when it entered its current status (the latest
    history row of that status; before the history, the decision's instant)."""
    entree = EvenementCandidature.objects.filter(
        candidature=OuterRef("pk"), statut=OuterRef("statut")
    ).order_by("-le", "-pk")
    return candidatures.annotate(
        decision=Coalesce(Subquery(entree.values("le")[:1]), "decidee_le", "updated_at")
    )


SUJET_ENQUETE_CANDIDATURE = "Une question sur votre situation aujourd'hui"


def _enquete_candidature(moment: Sortie.Moment, maintenant) -> list[NouvelEnvoi]:
    """Applications without a pair whose planned duration (plus six months for the second
    survey) has passed since the decision, without an outcome for ``moment``: ask the person
    (``enquete_candidature_fin``, ``enquete_candidature_six_mois``)."""
    from .enquetes import lien_enquete

    regle = f"enquete_candidature_{moment}"
    sortie = Sortie.objects.filter(candidature=OuterRef("pk"), moment=moment)
    limite = timezone.localtime(maintenant).date() - dt.timedelta(days=JOURS_APRES_LA_FIN[moment])

    def decidee_assez_tot(mois):
        # decision + mois <= limite: decided before the day after ``limite - mois``.
        return Q(decision__lt=debut_du_jour(add_months(limite, -mois) + dt.timedelta(days=1)))

    # An account a counsellor created has no address until the person claims it: SMS only.
    candidatures = avec_date_de_decision(
        candidatures_sans_binome().filter(~Exists(sortie), filleul__user__isnull=False)
    )
    rows = _par_programme(candidatures, "", "duree_parrainage_mois", decidee_assez_tot).values_list(
        "pk", "programme__nom", "statut", "filleul__user_id", "filleul__user__email"
    )
    envois = [
        _envoi(
            regle,
            f"{regle}:{pk}:{user_id}",
            user_id,
            email or "",
            SUJET_ENQUETE_CANDIDATURE,
            {
                "programme": programme,
                "six_mois": moment == Sortie.Moment.SIX_MOIS,
                "retenue": statut == Candidature.Statut.RETENUE,
                "lien": lien_enquete(candidature_id=pk, moment=moment, user_id=user_id),
            },
            essentiel=True,
            gabarit="enquete_candidature",
        )
        for pk, programme, statut, user_id, email in rows
    ]
    return envois_repartir(envois, genre=Genre.ENQUETES)


def enquete_candidature_fin(maintenant) -> list[NouvelEnvoi]:
    """People without a pair, when a pair would have ended: their situation."""
    return _enquete_candidature(Sortie.Moment.FIN, maintenant)


def enquete_candidature_six_mois(maintenant) -> list[NouvelEnvoi]:
    """People without a pair, six months later: their situation again."""
    return _enquete_candidature(Sortie.Moment.SIX_MOIS, maintenant)


def fin_proche(maintenant) -> list[NouvelEnvoi]:
    """An active pair's planned end is within the programme's notice: both parties."""
    aujourd_hui = timezone.localtime(maintenant).date()
    rows = _par_programme(
        Parrainage.objects.filter(statut=Parrainage.Statut.ACTIF, date_fin_prevue__gte=aujourd_hui),
        "",
        "alerte_fin_jours",
        lambda delai: Q(date_fin_prevue__lte=aujourd_hui + dt.timedelta(days=delai)),
    ).values_list(
        "pk",
        "date_fin_prevue",
        "programme__nom",
        "parrain__user_id",
        "parrain__user__email",
        "filleul__user_id",
        "filleul__user__email",
    )
    envois = []
    for pk, fin_prevue, programme, *parties in rows:
        for user_id, email in (parties[:2], parties[2:]):
            if user_id is None or not email:  # no account, or one not yet claimed
                continue
            envois.append(
                _envoi(
                    "fin_proche",
                    f"fin_proche:{pk}:{user_id}",
                    user_id,
                    email,
                    "Votre parrainage se termine bientôt",
                    {"programme": programme, "date_fin": f"{fin_prevue:%d/%m/%Y}"},
                    essentiel=False,
                )
            )
    return envois


REGLES = {
    "proposition_sans_reponse": proposition_sans_reponse,
    "choix_filleul_sans_reponse": choix_filleul_sans_reponse,
    "charte_a_signer": charte_a_signer,
    "rencontre_demain": rencontre_demain,
    "sans_rencontre": sans_rencontre,
    "enquete_fin": enquete_fin,
    "enquete_six_mois": enquete_six_mois,
    "enquete_candidature_fin": enquete_candidature_fin,
    "enquete_candidature_six_mois": enquete_candidature_six_mois,
    "fin_proche": fin_proche,
}


def regle_enregistrer(nom: str, regle) -> None:
    """Add the rule of an app above this one (partenaires: a report is ready), registered in its
    ``AppConfig.ready()``: planned and sent with the others, by its name."""
    REGLES[nom] = regle


# What each rule's e-mails are about: the key starts with the rule and that object's id
# ("rencontre_demain:<rencontre>:<user>"). A pair's e-mails may name either party to the other
# one, or to the programme's staff.
OBJETS_DES_REGLES = {
    "parrainage_accepte": Parrainage,
    "parrainage_fin": Parrainage,
    "rencontre_invitation": Rencontre,
    # A meeting proposed, accepted, refused or withdrawn (parrainages.services.rencontres).
    "rencontre_echange": Rencontre,
    # Before the signature machinery: one invitation per person, keyed by the charter.
    "charte_emise": Charte,
    "charte_signee": Charte,
    # The signature machinery's messages name the party (mentorat.signatures).
    "signature_invitation": Partie,
    "code_signature": Partie,
    "proposition_nouvelle": Parrainage,
    "proposition_sans_reponse": Parrainage,
    # Keyed by the mentee, her set of proposals in a programme:
    # « <rule>:<filleul>:<user>:p<programme>:<day> ».
    "proposition_au_filleul": Filleul,
    "choix_filleul_sans_reponse": Filleul,
    "charte_a_signer": Charte,
    "rencontre_demain": Rencontre,
    "sans_rencontre": Parrainage,
    "alerte_sans_rencontre": Parrainage,
    "enquete_fin": Parrainage,
    "enquete_six_mois": Parrainage,
    "fin_proche": Parrainage,
    # A check-in's invitation (parrainages.services.qualite.point_etape_inviter).
    "point_etape": Parrainage,
}


def envois_des_binomes(parrainages: list[int]) -> list[int]:
    """The outbox rows about these pairs (proposals, meetings, charters, surveys, alerts), to
    whomever they were written: their ids.

    Read through indexes only, never the whole outbox: the rows still to send, and those of
    the people such an e-mail goes to (the parties, the programmes' coordinators, staff).
    """
    if not parrainages:
        return []
    ids = {
        Parrainage: set(parrainages),
        Rencontre: set(
            Rencontre.objects.filter(parrainage__in=parrainages).values_list("pk", flat=True)
        ),
        Charte: set(Charte.objects.filter(parrainage__in=parrainages).values_list("pk", flat=True)),
    }
    ids[Partie] = set(
        Partie.objects.filter(
            document_type__app_label="parrainages",
            document_type__model="charte",
            document_id__in=ids[Charte],
        ).values_list("pk", flat=True)
    )
    destinataires = set(User.objects.filter(is_staff=True).values_list("pk", flat=True))
    ids[Filleul] = set()
    for filleul_id, *personnes in Parrainage.objects.filter(pk__in=parrainages).values_list(
        "filleul_id", "parrain__user_id", "filleul__user_id", "programme__coordinateur_id"
    ):
        ids[Filleul].add(filleul_id)
        destinataires.update(pk for pk in personnes if pk is not None)
    lignes = Envoi.objects.filter(regle__in=OBJETS_DES_REGLES).filter(
        Q(destinataire_id__in=destinataires)
        | Q(statut__in=[Envoi.Statut.A_ENVOYER, Envoi.Statut.EN_COURS])
    )
    trouves = []
    for pk, regle, cle in lignes.values_list("pk", "regle", "cle").iterator():
        objet = cle.split(":")[1] if cle.count(":") else ""
        if objet.isascii() and objet.isdigit() and int(objet) in ids[OBJETS_DES_REGLES[regle]]:
            trouves.append(pk)
    return trouves


def relances_planifier(*, maintenant=None, regles=None) -> dict[str, int]:
    """Run the rules and write the new reminders to the outbox; returns new rows per rule."""
    maintenant = maintenant or timezone.now()
    return {nom: envois_creer(REGLES[nom](maintenant)) for nom in regles or REGLES}
