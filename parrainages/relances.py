"""Reminder rules: set-based queries that write e-mails to the outbox (mentorat.envois).

Each rule takes ``maintenant`` and returns unsaved `Envoi` rows with a unique key (rule,
object, recipient, period): running a rule twice for the same period adds nothing. Delays are
set per programme. No rule runs a query per row.

Planning skips the model objects: each rule's ``lignes`` yields the rows as plain tuples
(`NouvelEnvoi`), which the outbox writes by batches of thousands (one COPY, one INSERT each).
"""

import datetime as dt
import functools

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone

from mentorat.envois import NouvelEnvoi, envois_creer, sans_ramasse_miettes
from mentorat.horaires import debut_du_jour
from mentorat.models import Envoi, User
from programmes.models import Programme

from .models import Charte, Parrainage, Rencontre, Signature, Sortie
from .models.parrainage import Forme

GABARIT = "parrainages/emails/relance"


_SENTINELLE = "999999999"
_SENTINELLE_UUID = "99999999-9999-4999-8999-999999999999"


@functools.cache
def _gabarit_url(nom: str, cle: str | None) -> str:
    if cle is None:
        return f"{settings.SITE_URL}{reverse(nom)}"
    valeur = _SENTINELLE_UUID if cle == "uuid" else _SENTINELLE
    return f"{settings.SITE_URL}{reverse(nom, kwargs={cle: valeur})}"


def _url(nom, **kwargs) -> str:
    """reverse() once per URL name, then fill the value in (rules build thousands of links)."""
    if not kwargs:
        return _gabarit_url(nom, None)
    ((cle, valeur),) = kwargs.items()
    sentinelle = _SENTINELLE_UUID if cle == "uuid" else _SENTINELLE
    return _gabarit_url(nom, cle).replace(sentinelle, str(valeur))


def _envoi(regle, cle, user_id, email, sujet, *, essentiel, titre, lignes, lien, libelle_lien):
    return NouvelEnvoi(
        regle,
        cle,
        user_id,
        email,
        sujet,
        GABARIT,
        {"titre": titre, "lignes": lignes, "lien": lien, "libelle_lien": libelle_lien},
        essentiel,
    )


def _regle(lignes):
    """A rule: ``lignes(maintenant)`` yields its e-mails as `NouvelEnvoi` tuples.

    Called, the rule returns them as unsaved `Envoi` rows; planning writes ``rule.lignes``.
    """

    @functools.wraps(lignes)
    def envois(maintenant) -> list[Envoi]:
        return [ligne.envoi() for ligne in lignes(maintenant)]

    envois.lignes = lignes
    return envois


def _nom(prenom, nom):
    return f"{prenom} {nom}".strip()


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
            essentiel=True,
            titre=f"Bonjour {prenom},",
            lignes=[
                f"L'équipe du programme « {programme} » vous propose de parrainer "
                f"{prenom_filleul or 'une personne en recherche d’emploi'}.",
                "Vous trouverez son profil et les raisons de ce choix dans votre espace ; "
                f"merci de répondre sous {delai} jours.",
            ],
            lien=_url("parrain:proposition", pk=pk),
            libelle_lien="Voir la proposition",
        )
        for pk, user_id, email, prenom, prenom_filleul, programme, delai in rows
    ]


@_regle
def proposition_sans_reponse(maintenant):
    """A proposal waits for the mentor's answer for the programme's reminder delay."""
    attente = Parrainage.objects.filter(
        statut=Parrainage.Statut.ATTENTE_PARRAIN, parrain__user__isnull=False
    )
    rows = _par_programme(
        attente,
        "",
        "relance_proposition_jours",
        lambda delai: Q(envoye_le__lte=maintenant - dt.timedelta(days=delai)),
    ).values(
        "pk",
        "parrain__user_id",
        "parrain__user__email",
        "parrain__user__first_name",
        "filleul__user__first_name",
        "programme__nom",
    )
    return (
        _envoi(
            "proposition_sans_reponse",
            f"proposition_sans_reponse:{r['pk']}:{r['parrain__user_id']}",
            r["parrain__user_id"],
            r["parrain__user__email"],
            "Une proposition de parrainage attend votre réponse",
            essentiel=True,
            titre=f"Bonjour {r['parrain__user__first_name']},",
            lignes=[
                f"{r['filleul__user__first_name'] or 'Une personne'} attend votre réponse pour un "
                f"parrainage dans le programme « {r['programme__nom']} ».",
                "Accepter ou décliner prend une minute ; sans réponse, la proposition expirera.",
            ],
            lien=_url("parrain:proposition", pk=r["pk"]),
            libelle_lien="Répondre à la proposition",
        )
        for r in rows
    )


@_regle
def charte_a_signer(maintenant):
    """Each party who has not signed, every N days of the programme (three times at most)."""
    chartes = list(
        _par_programme(
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
            "parrainage__programme__signature_coordinateur",
            "parrainage__parrain__user_id",
            "parrainage__parrain__user__email",
            "parrainage__filleul__user_id",
            "parrainage__filleul__user__email",
            "parrainage__programme__coordinateur_id",
            "parrainage__programme__coordinateur__email",
        )
    )
    signees = set(
        Signature.objects.filter(charte_id__in=[c["pk"] for c in chartes])
        .order_by()
        .values_list("charte_id", "role")
    )
    envois = []
    for c in chartes:
        pas = max(c["parrainage__programme__relance_charte_jours"], 1)
        periode = (maintenant - c["emise_le"]).days // pas
        if periode > 3:
            continue
        parties = [
            ("parrain", c["parrainage__parrain__user_id"], c["parrainage__parrain__user__email"]),
            ("filleul", c["parrainage__filleul__user_id"], c["parrainage__filleul__user__email"]),
        ]
        if c["parrainage__programme__signature_coordinateur"]:
            parties.append(
                (
                    "coordinateur",
                    c["parrainage__programme__coordinateur_id"],
                    c["parrainage__programme__coordinateur__email"],
                )
            )
        for role, user_id, email in parties:
            if user_id is None or (c["pk"], role) in signees:
                continue
            envois.append(
                _envoi(
                    "charte_a_signer",
                    f"charte_a_signer:{c['pk']}:{role}:{periode}",
                    user_id,
                    email,
                    "Votre charte de parrainage attend votre signature",
                    essentiel=True,
                    titre="Bonjour,",
                    lignes=[
                        "La charte du parrainage « "
                        f"{c['parrainage__programme__nom']} » attend encore votre signature.",
                        "La signature se fait en ligne, avec un code reçu par e-mail.",
                    ],
                    lien=_url("charte_detail", uuid=c["uuid"]),
                    libelle_lien="Lire et signer la charte",
                )
            )
    return envois


@_regle
def rencontre_demain(maintenant):
    """The day before a planned meeting, both parties."""
    demain = timezone.localtime(maintenant).date() + dt.timedelta(days=1)
    debut, fin = debut_du_jour(demain), debut_du_jour(demain + dt.timedelta(days=1))
    rows = (
        Rencontre.objects.filter(
            statut=Rencontre.Statut.PREVUE,
            debut__gte=debut,
            debut__lt=fin,
            parrainage__statut=Parrainage.Statut.ACTIF,
        )
        .order_by()
        .values(
            "pk",
            "debut",
            "modalite",
            "lieu",
            "lien",
            "sujet",
            "parrainage__programme__nom",
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
        quand = r["debut"].astimezone(tz).strftime("%d/%m/%Y à %H:%M")
        ou = r["lieu"] or r["lien"] or modalites[r["modalite"]]
        for cote, autre in (("parrain", "filleul"), ("filleul", "parrain")):
            user_id = r[f"parrainage__{cote}__user_id"]
            if user_id is None:
                continue
            avec = _nom(
                r[f"parrainage__{autre}__user__first_name"] or "",
                r[f"parrainage__{autre}__user__last_name"] or "",
            )
            envois.append(
                _envoi(
                    "rencontre_demain",
                    f"rencontre_demain:{r['pk']}:{user_id}",
                    user_id,
                    r[f"parrainage__{cote}__user__email"],
                    f"Rappel : rencontre de parrainage demain à {quand[-5:]}",
                    essentiel=False,
                    titre="Bonjour,",
                    lignes=[
                        f"Rappel : vous avez rendez-vous demain, le {quand}, "
                        f"avec {avec or 'votre binôme'}.",
                        f"Lieu : {ou}." + (f" Sujet : {r['sujet']}." if r["sujet"] else ""),
                    ],
                    lien=_url("espace"),
                    libelle_lien="Voir mon espace",
                )
            )
    return envois


@_regle
def sans_rencontre(maintenant):
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
        filleul = _nom(r["filleul__user__first_name"] or "", r["filleul__user__last_name"] or "")
        parrain = _nom(r["parrain__user__first_name"] or "", r["parrain__user__last_name"] or "")
        if r["parrain__user_id"]:
            envois.append(
                _envoi(
                    "sans_rencontre",
                    f"sans_rencontre:{r['pk']}:{r['parrain__user_id']}:{periode}",
                    r["parrain__user_id"],
                    r["parrain__user__email"],
                    "Pensez à consigner vos rencontres de parrainage",
                    essentiel=False,
                    titre=f"Bonjour {r['parrain__user__first_name']},",
                    lignes=[
                        f"Aucune rencontre n'est consignée avec {filleul or 'votre filleul'} "
                        f"depuis {jours} jours.",
                        "Planifiez la prochaine ou consignez celles qui ont eu lieu : "
                        "cela nous aide à suivre le parcours.",
                    ],
                    lien=_url("parrain:binome", pk=r["pk"]),
                    libelle_lien="Ouvrir le binôme",
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
                    essentiel=True,
                    titre="Alerte de suivi",
                    lignes=[
                        f"Le binôme de {parrain} et {filleul} ({r['programme__nom']}) n'a "
                        f"consigné aucune rencontre depuis {jours} jours, malgré la relance du "
                        "parrain.",
                    ],
                    lien=_url("admin:parrainages_parrainage_change", object_id=r["pk"]),
                    libelle_lien="Voir le binôme dans l'administration",
                )
            )
    return envois


def _enquete(regle, moment, rows):
    from .enquetes import lien_enquete

    envois = []
    for r in rows:
        for cote in ("filleul", "parrain"):
            user_id = r[f"{cote}__user_id"]
            if user_id is None:
                continue
            envois.append(
                _envoi(
                    regle,
                    f"{regle}:{r['pk']}:{user_id}",
                    user_id,
                    r[f"{cote}__user__email"],
                    "Une question sur votre situation aujourd'hui"
                    if cote == "filleul"
                    else "Une question sur la situation de votre filleul",
                    essentiel=True,
                    titre="Bonjour,",
                    lignes=[
                        f"Le parrainage « {r['programme__nom']} » "
                        + (
                            "s'est terminé."
                            if moment == Sortie.Moment.FIN
                            else "s'est terminé il y a six mois."
                        ),
                        "Quelle est la situation aujourd'hui ? Une question, un clic : c'est ce "
                        "qui permet de mesurer l'utilité du programme.",
                    ],
                    lien=lien_enquete(parrainage_id=r["pk"], moment=moment, user_id=user_id),
                    libelle_lien="Répondre (1 minute)",
                )
            )
    return envois


_ENQUETE_VALUES = (
    "pk",
    "programme__nom",
    "filleul__user_id",
    "filleul__user__email",
    "parrain__user_id",
    "parrain__user__email",
)


@_regle
def enquete_fin(maintenant):
    """Pairs ended without an end-of-pair outcome: ask both parties."""
    sortie = Sortie.objects.filter(parrainage=OuterRef("pk"), moment=Sortie.Moment.FIN)
    rows = (
        Parrainage.objects.filter(
            statut__in=[Parrainage.Statut.TERMINE, Parrainage.Statut.INTERROMPU],
            date_fin__lte=timezone.localtime(maintenant).date(),
        )
        .filter(~Exists(sortie))
        .order_by()
        .values(*_ENQUETE_VALUES)
    )
    return _enquete("enquete_fin", Sortie.Moment.FIN, rows)


@_regle
def enquete_six_mois(maintenant):
    """Six months after the end, the outcome survey again (kept apart from the end one)."""
    sortie = Sortie.objects.filter(parrainage=OuterRef("pk"), moment=Sortie.Moment.SIX_MOIS)
    limite = timezone.localtime(maintenant).date() - dt.timedelta(days=183)
    rows = (
        Parrainage.objects.filter(
            statut__in=[Parrainage.Statut.TERMINE, Parrainage.Statut.INTERROMPU],
            date_fin__lte=limite,
        )
        .filter(~Exists(sortie))
        .order_by()
        .values(*_ENQUETE_VALUES)
    )
    return _enquete("enquete_six_mois", Sortie.Moment.SIX_MOIS, rows)


@_regle
def fin_proche(maintenant):
    """An active pair's planned end is within the programme's notice: both parties."""
    aujourd_hui = timezone.localtime(maintenant).date()
    rows = _par_programme(
        Parrainage.objects.filter(statut=Parrainage.Statut.ACTIF, date_fin_prevue__gte=aujourd_hui),
        "",
        "alerte_fin_jours",
        lambda delai: Q(date_fin_prevue__lte=aujourd_hui + dt.timedelta(days=delai)),
    ).values(
        "pk",
        "date_fin_prevue",
        "programme__nom",
        "parrain__user_id",
        "parrain__user__email",
        "filleul__user_id",
        "filleul__user__email",
    )
    envois = []
    for r in rows:
        for cote in ("parrain", "filleul"):
            user_id = r[f"{cote}__user_id"]
            if user_id is None:
                continue
            envois.append(
                _envoi(
                    "fin_proche",
                    f"fin_proche:{r['pk']}:{user_id}",
                    user_id,
                    r[f"{cote}__user__email"],
                    "Votre parrainage se termine bientôt",
                    essentiel=False,
                    titre="Bonjour,",
                    lignes=[
                        f"Le parrainage « {r['programme__nom']} » se termine le "
                        f"{r['date_fin_prevue']:%d/%m/%Y}.",
                        "C'est le moment de faire le point ensemble sur le chemin parcouru et "
                        "sur la suite.",
                    ],
                    lien=_url("espace"),
                    libelle_lien="Voir mon espace",
                )
            )
    return envois


@_regle
def rapport_pret(maintenant):
    """A monthly report was produced this week: tell the partner's active members."""
    from partenaires.models import Membre, Rapport

    rapports = list(
        Rapport.objects.filter(
            statut=Rapport.Statut.PRET,
            automatique=True,
            genere_le__gte=maintenant - dt.timedelta(days=7),
        ).values(
            "pk",
            "convention_id",
            "convention__partenaire_id",
            "convention__titre",
            "periode_debut",
            "periode_fin",
        )
    )
    membres = {}
    for m in Membre.objects.filter(
        actif=True, partenaire_id__in={r["convention__partenaire_id"] for r in rapports}
    ).values("partenaire_id", "user_id", "user__email"):
        membres.setdefault(m["partenaire_id"], []).append(m)
    envois = []
    for r in rapports:
        for m in membres.get(r["convention__partenaire_id"], []):
            envois.append(
                _envoi(
                    "rapport_pret",
                    f"rapport_pret:{r['pk']}:{m['user_id']}",
                    m["user_id"],
                    m["user__email"],
                    "Le rapport mensuel de votre convention est disponible",
                    essentiel=False,
                    titre="Bonjour,",
                    lignes=[
                        f"Le rapport de la convention « {r['convention__titre']} » pour la "
                        f"période du {r['periode_debut']:%d/%m/%Y} au "
                        f"{r['periode_fin']:%d/%m/%Y} est prêt.",
                    ],
                    lien=_url("partenaires:accueil"),
                    libelle_lien="Voir l'espace partenaire",
                )
            )
    return envois


REGLES = {
    "proposition_sans_reponse": proposition_sans_reponse,
    "charte_a_signer": charte_a_signer,
    "rencontre_demain": rencontre_demain,
    "sans_rencontre": sans_rencontre,
    "enquete_fin": enquete_fin,
    "enquete_six_mois": enquete_six_mois,
    "fin_proche": fin_proche,
    "rapport_pret": rapport_pret,
}


# What each rule's e-mails are about: the key starts with the rule and that object's id
# ("rencontre_demain:<rencontre>:<user>"). A pair's e-mails may name either party to the other
# one, or to the programme's staff.
OBJETS_DES_REGLES = {
    "parrainage_accepte": Parrainage,
    "rencontre_invitation": Rencontre,
    "charte_emise": Charte,
    "code_signature": Charte,
    "charte_signee": Charte,
    "proposition_nouvelle": Parrainage,
    "proposition_sans_reponse": Parrainage,
    "charte_a_signer": Charte,
    "rencontre_demain": Rencontre,
    "sans_rencontre": Parrainage,
    "alerte_sans_rencontre": Parrainage,
    "enquete_fin": Parrainage,
    "enquete_six_mois": Parrainage,
    "fin_proche": Parrainage,
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
    destinataires = set(User.objects.filter(is_staff=True).values_list("pk", flat=True))
    for personnes in Parrainage.objects.filter(pk__in=parrainages).values_list(
        "parrain__user_id", "filleul__user_id", "programme__coordinateur_id"
    ):
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
    with sans_ramasse_miettes():
        return {nom: envois_creer(REGLES[nom].lignes(maintenant)) for nom in regles or REGLES}
