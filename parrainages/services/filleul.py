"""Writes of the parrainages app: profile, application and staff decisions on it,
personal-data export, mentor offers."""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, models, transaction
from django.db.models import DEFERRED, F, Func, OuterRef, Q, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from mentorat.canaux import telephone_saisir
from mentorat.models import IdentiteCertifiee, Partie
from programmes.models import Evenement, Inscription, Secteur

from .. import consentement, extensions
from ..eligibilite import eligibility, refus_age
from ..models import (
    Candidature,
    EvenementCandidature,
    Filleul,
    MotifRefus,
    Parrain,
    RepresentantLegal,
    Sortie,
)
from .decisions import evenement_ecrire
from .mineurs import autorisation_annuler, autorisation_demander, representants_enregistrer
from .qpv import adresse_verifier, cle_adresse, qpv_planifier, qpv_preparer

QPV_DEPUIS_FORMULAIRE = {"oui": Filleul.StatutQPV.DECLARE, "non": Filleul.StatutQPV.NON}


CHAMPS_CERTIFIES = {"first_name": "prenoms", "last_name": "nom", "date_naissance": "date_naissance"}


def identite_verrouillee(user):
    """The identity FranceConnect certified for ``user`` (``None``: they type their own)."""
    return IdentiteCertifiee.objects.filter(user=user).first() if user.pk else None


@transaction.atomic
def filleul_enregistrer_profil(*, user, donnees: dict) -> Filleul:
    """Create or update the mentee profile of ``user`` from the validated steps.

    ``donnees`` merges the cleaned data of every step. A priority-neighbourhood answer that
    does not change keeps its confirmation; a new "oui" is recorded as declared, to confirm.
    Names and birth date certified by FranceConnect are refused when they differ.
    """
    identite = identite_verrouillee(user)
    if identite is not None:
        changes = [c for c, a in CHAMPS_CERTIFIES.items() if donnees[c] != getattr(identite, a)]
        if changes:
            raise ValidationError(
                "Vos nom, prénoms et date de naissance sont certifiés par FranceConnect : ils "
                "ne peuvent pas être modifiés ici.",
                code="identite_certifiee",
            )
    user.first_name = donnees["first_name"]
    user.last_name = donnees["last_name"]
    champs = telephone_saisir(user, donnees.get("telephone", ""))
    user.save(update_fields=["first_name", "last_name", *champs])

    filleul = Filleul.objects.filter(user=user).first() or Filleul(user=user)
    qpv = QPV_DEPUIS_FORMULAIRE[donnees["qpv"]]
    deja_oui = filleul.qpv in (Filleul.StatutQPV.DECLARE, Filleul.StatutQPV.CONFIRME)
    if not (qpv == Filleul.StatutQPV.DECLARE and deja_oui):
        filleul.qpv = qpv
    filleul.date_naissance = donnees["date_naissance"]
    avant = cle_adresse(filleul) if filleul.pk else None
    filleul.commune = donnees["commune"]
    filleul.adresse = " ".join(donnees.get("adresse", "").split())
    filleul.adresse_complement = " ".join(donnees.get("adresse_complement", "").split())
    filleul.code_postal = donnees.get("code_postal", "").strip()
    filleul.situation = donnees["situation"]
    filleul.inscrit_france_travail_depuis = donnees.get("inscrit_france_travail_depuis")
    filleul.identifiant_france_travail = donnees.get("identifiant_france_travail", "")
    filleul.niveau_diplome = donnees["niveau_diplome"]
    if "parent_isole" in donnees:
        # Self-declared, optional: no answer is kept as no answer.
        filleul.parent_isole = {"oui": True, "non": False}.get(donnees["parent_isole"])
    filleul.disponibilites = list(donnees.get("disponibilites", []))
    filleul.mobilite_km = donnees["mobilite_km"]
    filleul.source = donnees.get("source", "")
    if "classe" in donnees:
        # Pupils: their school and class (the step is asked of them only).
        filleul.etablissement = donnees.get("etablissement")
        filleul.classe = donnees["classe"]
    if donnees.get("consentement"):
        filleul.consentement_version = consentement.VERSION
        filleul.consentement_le = timezone.now()
    filleul.full_clean(exclude=["user", "prescripteur", "etablissement"])
    adresse_verifier(filleul)
    # The priority neighbourhood from the address: at once offline, else after the commit.
    qpv_a_calculer = qpv_preparer(filleul, avant=avant)
    filleul.save()
    if qpv_a_calculer:
        qpv_planifier(filleul)
    filleul.secteurs_souhaites.set(donnees.get("secteurs_souhaites", []))
    if filleul.est_mineur():
        # Code civil, art. 388: under 18, a legal guardian is given with the profile (their
        # consent is asked when the minor applies). Without one, nothing is saved.
        representants_enregistrer(
            filleul=filleul,
            representants=donnees.get("representants") or [],
            email_compte=user.email,
        )
    return filleul


def filleul_naissance(user):
    """The birth date of ``user``'s mentee profile, if any (compared with FranceConnect's)."""
    if user.pk is None:
        return None
    return Filleul.objects.filter(user=user).values_list("date_naissance", flat=True).first()


@transaction.atomic
def filleul_identite_appliquer(*, user, identite) -> None:
    """FranceConnect certified ``user``'s identity: their mentee profile, if they have one,
    takes its birth date (the names are the account's, already copied)."""
    Filleul.objects.filter(user=user).exclude(date_naissance=identite.date_naissance).update(
        date_naissance=identite.date_naissance
    )


def candidature_deposer(*, filleul: Filleul, programme, source=None) -> Candidature:
    """Apply to ``programme``: eligibility is checked and kept as a snapshot.

    Refused with a French message when the person is not eligible or has already applied.
    A person referred to this programme by a partner gets the partner recorded (the
    referral is partenaires', asked through ``parrainages.extensions``).
    """
    trop_jeune = refus_age(programme, filleul)
    if trop_jeune:
        raise ValidationError(trop_jeune)
    verdict = eligibility(programme, filleul)
    if not verdict.eligible:
        raise ValidationError(
            "Vous ne remplissez pas les conditions de ce programme : " + " ; ".join(verdict.motifs)
        )
    prescripteur = extensions.prescripteur(filleul=filleul, programme=programme)
    if source is None:
        source = Candidature.Source.PRESCRIPTION if prescripteur else Candidature.Source.EN_LIGNE
    mineur = filleul.est_mineur()
    try:
        with transaction.atomic():
            candidature = Candidature.objects.create(
                filleul=filleul,
                programme=programme,
                source=source,
                prescripteur=prescripteur or filleul.prescripteur,
                eligible=True,
                eligibilite=verdict.as_snapshot(),
                # A minor's application goes on once a legal guardian consented.
                statut=(
                    Candidature.Statut.ATTENTE_AUTORISATION
                    if mineur
                    else Candidature.Statut.DEPOSEE
                ),
            )
            if mineur:
                autorisation_demander(candidature=candidature)
            # The receipt, confirmed at once (and the prescriber told).
            evenement_ecrire(candidature=candidature)
            return candidature
    except IntegrityError:
        raise ValidationError("Vous avez déjà déposé une candidature à ce programme.") from None


# Staff decisions on an application (the admin's change form and list actions).

CHAMPS_DE_DECISION = ["statut", "decidee_le", "decidee_par", "motif_refus", "updated_at"]


@transaction.atomic
def _candidature_decider(
    candidature, decider, *, par=None, motif=None, precision: str = ""
) -> Candidature:
    """Lock the application, make the move (a closed or moved-on application refuses it with
    a French message, nothing written), record it and tell who must know."""
    candidature = (
        Candidature.objects.select_for_update(of=("self",))
        .select_related("filleul__user", "programme")
        .get(pk=candidature.pk)
    )
    decider(candidature)
    candidature.save(update_fields=CHAMPS_DE_DECISION)
    evenement_ecrire(candidature=candidature, par=par, motif=motif, precision=precision)
    return candidature


def candidature_etudier(*, candidature, par) -> Candidature:
    return _candidature_decider(candidature, lambda c: c.etudier(par=par), par=par)


def candidature_inviter_a_la_selection(*, candidature, par) -> Candidature:
    """Invited to the programme's selection week; the session's own invitation (dates, place)
    is the selection session's business (``services.selection``)."""
    return _candidature_decider(candidature, lambda c: c.inviter_a_la_selection(par=par), par=par)


def candidature_mettre_en_attente(*, candidature, par) -> Candidature:
    """The programme is full: the application waits on the list for a place."""
    return _candidature_decider(candidature, lambda c: c.mettre_en_attente(par=par), par=par)


def candidature_retenir(*, candidature, par) -> Candidature:
    return _candidature_decider(candidature, lambda c: c.retenir(par=par), par=par)


def candidature_refuser(*, candidature, par, motif, precision: str = "") -> Candidature:
    """Not retained, for ``motif`` (a ``MotifRefus`` of the list) and an optional free text.

    The prescriber reads the reason and the free text; the applicant (and a minor's guardians)
    the reason's gentle text only. ``Candidature.motif_refus`` keeps both, for staff."""
    if not isinstance(motif, MotifRefus):
        raise ValidationError("Choisissez le motif de la décision dans la liste.")
    precision = (precision or "").strip()
    texte = f"{motif.libelle} — {precision}" if precision else motif.libelle
    return _candidature_decider(
        candidature,
        lambda c: c.refuser(texte, par=par),
        par=par,
        motif=motif,
        precision=precision,
    )


def candidature_desister(*, candidature, par=None) -> Candidature:
    """The mentee withdrew (staff record it); a guardian's consent still asked for is no
    longer (their link stops working)."""

    def desister(c):
        c.desister()
        autorisation_annuler(candidature=c)

    return _candidature_decider(candidature, desister, par=par)


class _LignesJSON(Func):
    """The rows of a subquery as one JSON array of objects (``None`` when it has none): the
    subquery's table read inside another query rather than in a query of its own."""

    function = "JSONB_AGG"
    output_field = models.JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="JSON_GROUP_ARRAY", **extra_context)


def _lignes(queryset, *champs, **relations):
    """``queryset``'s rows, ``champs`` of each (and a related row's, ``relations``: name →
    its fields), as ``_LignesJSON``."""
    objet = {nom: F(nom) for nom in champs}
    for nom, sous_champs in relations.items():
        objet[nom] = JSONObject(**{c: F(f"{nom}__{c}") for c in sous_champs})
    return Subquery(queryset.order_by().annotate(_l=_LignesJSON(JSONObject(**objet))).values("_l"))


def _valeur(champ, valeur):
    """A value as the JSON of the database wrote it → as the field reads it from a row."""
    if valeur is None:
        return None
    if isinstance(champ, models.DateTimeField):
        # PostgreSQL writes the offset, SQLite none: in the connection's time zone either way,
        # as a row's read gives it.
        lu = parse_datetime(valeur)
        if timezone.is_naive(lu):
            return timezone.make_aware(lu, connection.timezone)
        return lu.astimezone(connection.timezone)
    if isinstance(champ, models.DateField):
        return parse_date(valeur)
    return champ.to_python(valeur)


def _relues(modele, lignes, cle=None, **relations) -> list:
    """Instances of ``modele`` from the objects of ``_lignes`` (not saved again: read only),
    sorted by ``cle``.

    Built as a query's rows are (``from_db``), the fields ``_lignes`` did not read deferred:
    an export that reads one more field than ``_petites_tables_lire`` names gets its value
    from the database (a query more, which the statements' test counts), never a default."""
    colonnes = [f.attname for f in modele._meta.concrete_fields]
    instances = []
    for ligne in lignes or ():
        lies = {nom: _relues(lie, [ligne.pop(nom)])[0] for nom, lie in relations.items()}
        valeurs = {modele._meta.get_field(n).attname: v for n, v in ligne.items()}
        instance = modele.from_db(
            connection.alias,
            colonnes,
            [
                _valeur(modele._meta.get_field(c), valeurs[c]) if c in valeurs else DEFERRED
                for c in colonnes
            ],
        )
        for nom, lie in lies.items():
            setattr(instance, nom, lie)
        instances.append(instance)
    return sorted(instances, key=cle) if cle else instances


def _identite_exportee(identite) -> dict | None:
    if identite is None:
        return None
    return {
        "prenoms": identite.prenoms,
        "nom_de_naissance": identite.nom,
        "date_de_naissance": identite.date_naissance.isoformat(),
        "commune_de_naissance_code_insee": identite.lieu_naissance,
        "pays_de_naissance_code_insee": identite.pays_naissance,
        "certifiee_le": identite.certifiee_le.isoformat(),
    }


def filleul_exporter(*, filleul: Filleul) -> dict:
    """Everything the platform holds about a mentee, machine-readable.

    Only the mentor's private meeting notes are left out: they are the mentor's working notes
    (see ``Rencontre.compte_rendu``).
    """
    user = filleul.user

    def day(value):
        return value.isoformat() if value else None

    def sortie(s):
        """An outcome, of a pair or of an application without a pair, as the person reads it."""
        return {
            "moment": s.get_moment_display(),
            "situation": s.get_type_display(),
            "date": day(s.date),
            "employeur": s.employeur,
            "commentaire": s.commentaire,
            "declaree_par": s.get_source_display(),
        }

    parrainages = list(
        filleul.parrainages.select_related("programme", "parrain__user")
        .prefetch_related("rencontres", "immersions")
        .order_by("propose_le")
    )
    # Her applications, each with its parental authorisation (one at most: read in the same
    # query, not one of their own).
    candidatures = list(
        filleul.candidatures.select_related("programme", "autorisation_parentale").order_by(
            "created_at"
        )
    )
    lu = _petites_tables_lire(filleul)
    evenements_de = {}
    for e in _relues(EvenementCandidature, lu["evenements"], cle=lambda e: (e.le, e.pk)):
        evenements_de.setdefault(e.candidature_id, []).append(e)
    autorisations = sorted(
        (
            c.autorisation_parentale
            for c in candidatures
            if getattr(c, "autorisation_parentale", None) is not None
        ),
        key=lambda a: a.emise_le,
    )
    # The outcomes of her pairs and of her applications without a pair, the latest first.
    sorties_de = {}
    for s in _relues(Sortie, lu["sorties"], cle=lambda s: (s.date, s.pk))[::-1]:
        cle = (
            ("parrainage", s.parrainage_id)
            if s.parrainage_id
            else ("candidature", s.candidature_id)
        )
        sorties_de.setdefault(cle, []).append(s)
    return {
        "export_le": timezone.now().isoformat(),
        "identite": {
            "prenom": user.first_name if user else "",
            "nom": user.last_name if user else "",
            "email": user.email if user else "",
            "telephone": user.telephone if user else "",
            "telephone_verifie_le": day(user.telephone_verifie_le if user else None),
            "sms_refuses_le": day(user.sms_refuses_le if user else None),
            "canaux_choisis": dict(user.canaux or {}) if user else {},
            "date_naissance": day(filleul.date_naissance),
            "certifiee_par_franceconnect": _identite_exportee(
                next(iter(_relues(IdentiteCertifiee, lu["identite"])), None)
            ),
        },
        "profil": {
            "commune": f"{filleul.commune.nom} ({filleul.commune.code_postal})",
            "adresse": filleul.adresse,
            "complement_d_adresse": filleul.adresse_complement,
            "code_postal": filleul.code_postal,
            "quartier_prioritaire": filleul.get_qpv_display(),
            "quartier_prioritaire_selon_l_adresse": {
                "resultat": filleul.get_qpv_resultat_display(),
                "quartier": (
                    f"{filleul.qpv_nom} ({filleul.qpv_code})" if filleul.qpv_code else None
                ),
                "determine_le": (
                    filleul.qpv_determine_le.isoformat() if filleul.qpv_determine_le else None
                ),
                "source": filleul.qpv_source,
                "motif_de_l_equipe": filleul.qpv_motif,
            },
            "situation": filleul.get_situation_display(),
            "inscrit_france_travail_depuis": day(filleul.inscrit_france_travail_depuis),
            "identifiant_france_travail": filleul.identifiant_france_travail,
            "niveau_diplome": filleul.get_niveau_diplome_display(),
            "parent_isole": filleul.parent_isole,
            "secteurs_souhaites": [s.libelle for s in lu["secteurs"]],
            "disponibilites": filleul.disponibilites_libelles,
            "mobilite_km": filleul.mobilite_km,
            "a_connu_le_programme_par": filleul.get_source_display(),
            "prescripteur": filleul.prescripteur.nom if filleul.prescripteur else None,
            "etablissement_scolaire": filleul.etablissement.nom if filleul.etablissement else None,
            "classe": filleul.classe,
            "cree_le": filleul.created_at.isoformat(),
        },
        "representants_legaux": [
            {
                "prenom": r.prenom,
                "nom": r.nom,
                "lien": r.get_lien_display(),
                "email": r.email,
                "telephone": r.telephone,
                "consentement_donne_le": r.consentement_le.isoformat()
                if r.consentement_le
                else None,
            }
            for r in _relues(
                RepresentantLegal, lu["representants"], cle=lambda r: (r.created_at, r.pk)
            )
        ],
        "autorisations_parentales": [
            {
                "programme": a.candidature.programme.nom,
                "statut": a.get_statut_display(),
                "demandee_le": a.emise_le.isoformat(),
                "accord_donne_le": a.accordee_le.isoformat() if a.accordee_le else None,
                "refusee_le": a.refusee_le.isoformat() if a.refusee_le else None,
                "texte": a.texte,
            }
            for a in autorisations
        ],
        "consentement": {
            "version": filleul.consentement_version,
            "donne_le": filleul.consentement_le.isoformat() if filleul.consentement_le else None,
        },
        "candidatures": [
            {
                "programme": c.programme.nom,
                "statut": c.get_statut_display(),
                "deposee_le": c.created_at.isoformat(),
                "origine": c.get_source_display(),
                "decidee_le": day(c.decidee_le),
                "motif": c.motif_refus,
                "eligibilite": [
                    critere.get("ligne") for critere in c.eligibilite.get("criteres", [])
                ],
                "historique": [
                    {
                        "date": e.le.isoformat(),
                        "statut": e.statut_libelle,
                        "texte": e.texte_candidat,
                    }
                    for e in evenements_de.get(c.pk, [])
                ],
                # Without a pair (retained but never paired, or gone after the selection
                # week): the situation asked at the end and six months later.
                "sorties": [sortie(s) for s in sorties_de.get(("candidature", c.pk), [])],
            }
            for c in candidatures
        ],
        "parrainages": [
            {
                "programme": p.programme.nom,
                # A pair never formed (an option, a proposal, refused, not chosen): the
                # mentor's first name only, never their surname nor their company.
                "parrain": _parrain_nomme(p),
                "entreprise": p.parrain.entreprise if p.est_forme else "",
                "statut": p.get_statut_display(),
                "debut": day(p.date_debut),
                "fin": day(p.date_fin),
                "objectifs": p.objectifs,
                "motif_du_refus": p.motif_declin,
                "motif_de_fin": p.motif_fin,
                "rencontres": [
                    {
                        "date": r.debut.isoformat(),
                        "modalite": r.get_modalite_display(),
                        "lieu": r.lieu,
                        "lien": r.lien,
                        "sujet": r.sujet,
                        "statut": r.get_statut_display(),
                        "themes": r.themes,
                    }
                    for r in p.rencontres.all()
                ],
                "immersions": [
                    {
                        "debut": day(i.date_debut),
                        "fin": day(i.date_fin),
                        "nature": i.get_nature_display(),
                        "entreprise": i.entreprise_nom,
                        "lieu": i.lieu,
                        "tuteur": i.tuteur_nom_complet,
                        "objectifs": i.objectifs,
                        "horaires": i.horaires,
                        "activites": i.activites,
                        "contact_urgence": " ".join(
                            v for v in (i.urgence_nom, i.urgence_telephone) if v
                        ),
                        "statut": i.get_statut_display(),
                    }
                    for i in p.immersions.all()
                ],
                "sorties": [sortie(s) for s in sorties_de.get(("parrainage", p.pk), [])],
            }
            for p in parrainages
        ],
        # The selection weeks they were invited to: attendance, assessments, the jury.
        "semaines_de_selection": _participations_exporter(filleul),
        # The apps above this one: partenaires' "orientations" (referrals).
        **extensions.exporter(filleul=filleul, user=user),
        "evenements": [
            {
                "evenement": i.evenement.titre,
                "date": i.evenement.debut.isoformat(),
                "statut": i.get_statut_display(),
            }
            for i in lu["inscriptions"]
        ],
        "signatures": _signatures_exporter(lu["parties"], parrainages=parrainages),
    }


def _petites_tables_lire(filleul) -> dict:
    """Her tables of a few rows each (the history of her applications, their outcomes and
    her pairs', her certified identity, sectors, legal guardians, event registrations and
    signatures), in one query: each a list of JSON objects in a column (``_lignes``), read
    back as instances, sorted as their own queries sorted them."""
    secteurs = Filleul.secteurs_souhaites.through.objects.filter(filleul=OuterRef("pk"))
    sorties = Sortie.objects.filter(
        Q(parrainage__filleul=OuterRef("pk")) | Q(candidature__filleul=OuterRef("pk"))
    )
    tables = {
        "evenements": _lignes(
            EvenementCandidature.objects.filter(candidature__filleul=OuterRef("pk")),
            *("id", "candidature_id", "statut", "texte_candidat", "le"),
        ),
        "sorties": _lignes(
            sorties,
            *("id", "parrainage_id", "candidature_id", "moment", "type", "date"),
            *("employeur", "commentaire", "source"),
        ),
        "identite": _lignes(
            IdentiteCertifiee.objects.filter(user=OuterRef("user_id")),
            *("id", "prenoms", "nom", "date_naissance", "lieu_naissance"),
            *("pays_naissance", "certifiee_le"),
        ),
        "secteurs": _lignes(secteurs, secteur=("id", "code", "libelle")),
        "representants": _lignes(
            RepresentantLegal.objects.filter(filleul=OuterRef("pk")),
            *("id", "prenom", "nom", "lien", "email", "telephone", "consentement_le"),
            "created_at",
        ),
        "inscriptions": _lignes(
            Inscription.objects.filter(filleul=OuterRef("pk")),
            *("id", "statut", "created_at"),
            evenement=("id", "titre", "debut"),
        ),
        "parties": _lignes(
            Partie.objects.filter(user=OuterRef("user_id")).signees(),
            *("id", "document_type_id", "document_id", "libelle", "signee_le"),
        ),
    }
    # Named apart from the model's own fields (``inscriptions``, ``representants_legaux``…).
    lignes = (
        Filleul._base_manager.filter(pk=filleul.pk)
        .values(**{f"{nom}_lues": sous_requete for nom, sous_requete in tables.items()})
        .get()
    )
    lu = {nom: lignes[f"{nom}_lues"] for nom in tables}
    through = Filleul.secteurs_souhaites.through
    lu["secteurs"] = sorted(
        (t.secteur for t in _relues(through, lu["secteurs"], secteur=Secteur)),
        key=lambda s: s.code,
    )
    lu["inscriptions"] = _relues(
        Inscription, lu["inscriptions"], cle=lambda i: (i.created_at, i.pk), evenement=Evenement
    )[::-1]
    lu["parties"] = _relues(Partie, lu["parties"], cle=lambda p: (p.signee_le, p.pk))
    for partie in lu["parties"]:
        # Content types are read once per process (``ContentType.objects``' cache).
        partie.document_type = ContentType.objects.get_for_id(partie.document_type_id)
    return lu


def _signatures_exporter(parties, *, parrainages) -> list[dict]:
    """The documents of ``parties`` (hers, signed), each named as it names itself.

    Each party names its document by type and id (``Partie.document``, a query for the type
    and one for the document, per signature): the types come from the content types' cache,
    the documents of each type in one query, except those the export has already read (her
    pairs' immersion conventions); a document of one of her pairs (a charter, named by the
    pair's programme) is given the pair already read, not read again for each.
    """
    binomes = {p.pk: p for p in parrainages}
    deja_lus = [i for p in parrainages for i in p.immersions.all()]
    documents = {(type(d), d.pk): d for d in deja_lus}
    manquants = {}
    for partie in parties:
        modele = partie.document_type.model_class()
        if (modele, partie.document_id) not in documents:
            manquants.setdefault(partie.document_type, set()).add(partie.document_id)
    for type_de_document, ids in manquants.items():
        modele = type_de_document.model_class()
        for pk, document in modele._base_manager.in_bulk(ids).items():
            binome = binomes.get(getattr(document, "parrainage_id", None))
            if binome is not None:
                document.parrainage = binome
            documents[(modele, pk)] = document
    return [
        {
            "document": str(documents[(p.document_type.model_class(), p.document_id)]),
            "qualite": p.libelle,
            "signee_le": p.signee_le.isoformat(),
        }
        for p in parties
    ]


def _parrain_nomme(parrainage) -> str:
    user = parrainage.parrain.user
    if user is None:
        return "Parrain anonymisé"
    if parrainage.est_forme:
        return str(user)
    return user.first_name or "Parrain ou marraine proposé(e)"


def _participations_exporter(filleul) -> list[dict]:
    from ..models import ParticipationSelection

    participations = (
        ParticipationSelection.objects.filter(candidature__filleul=filleul)
        .select_related("session__programme", "motif")
        .prefetch_related("presences__demi_journee", "evaluations__notes__critere")
        .order_by("invitee_le")
    )
    return [
        {
            "programme": p.session.programme.nom,
            "session": p.session.titre,
            "du": p.session.date_debut.isoformat(),
            "au": p.session.date_fin.isoformat(),
            "lieu": p.session.lieu,
            "invitee_le": p.invitee_le.isoformat(),
            "presences": [
                {
                    "date": pr.demi_journee.date.isoformat(),
                    "demi_journee": pr.demi_journee.get_moment_display(),
                    "presence": pr.get_etat_display(),
                }
                for pr in sorted(
                    p.presences.all(), key=lambda x: (x.demi_journee.date, x.demi_journee.moment)
                )
            ],
            "evaluations": [
                {
                    "par": e.get_qualite_display(),
                    "notes": [
                        {
                            "critere": n.critere.libelle,
                            "note": n.valeur,
                            "sur": n.critere.note_max,
                            "commentaire": n.commentaire,
                        }
                        for n in e.notes.all()
                    ],
                    "appreciation": e.commentaire,
                }
                for e in p.evaluations.all()
            ],
            "decision_du_jury": p.get_decision_display() if p.decision else None,
            "motif": p.motif.texte_candidat if p.motif else None,
        }
        for p in participations
    ]


@transaction.atomic
def parrain_proposer(*, user, programme, donnees: dict) -> Parrain:
    """An HR professional offers to mentor in ``programme``: waits for staff validation."""
    if Parrain.objects.filter(user=user).exists():
        parrain = Parrain.objects.get(user=user)
        parrain.programmes.add(programme)
        return parrain
    if not IdentiteCertifiee.objects.filter(user=user).exists():
        # A name certified by FranceConnect is changed by FranceConnect only.
        user.first_name = donnees["first_name"]
        user.last_name = donnees["last_name"]
    champs = telephone_saisir(user, donnees.get("telephone", ""))
    user.save(update_fields=["first_name", "last_name", *champs])
    parrain = Parrain.objects.create(
        user=user,
        entreprise=donnees["entreprise"],
        fonction=donnees["fonction"],
        commune=donnees["commune"],
        offre_reguliere=donnees.get("offre_reguliere", False),
        offre_ponctuelle=donnees.get("offre_ponctuelle", False),
        offre_immersion=donnees.get("offre_immersion", False),
        capacite=donnees["capacite"],
        annees_experience=donnees["annees_experience"],
        distanciel_accepte=donnees.get("distanciel_accepte", False),
        bio=donnees.get("bio", ""),
        statut=Parrain.Statut.A_VALIDER,
    )
    parrain.secteurs.set(donnees.get("secteurs", []))
    parrain.programmes.add(programme)
    return parrain
