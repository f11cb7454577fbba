"""The back office as staff of two structures: 0 leaks across every admin URL.

Structure A, a Mission locale limited to the Puy-de-Dôme (63), runs programme PA; structure B,
the city's employment service in the Bas-Rhin (67), runs PB. Each has a whole world of records
(programme settings, people, applications, pairs and their life, selection, partners,
conventions, reports, matching runs, imports). Every text of B's world (names, e-mails,
titles, companies) holds the mark ``Bzorg``; so does a person of PA who lives in the Bas-Rhin,
outside A's territory.

A's coordinator then crawls the admin, generically, from ``admin.site``: the index, every
registered model's changelist, every filter value it offers and B's ids forced into every
related filter, a search and every autocomplete with B's names, every change, history and
delete page of B's rows, every other URL of the admin (the ModelAdmins' ``get_urls``), every
action posted with B's ids. Nothing of B may show (the mark), B's rows answer 404, nothing of
B changes. The same crawl as a read-only member of A (who also may add, change, delete and act
nowhere), and the Administrateur, who sees both.

A new ModelAdmin, filter, autocomplete field, action or admin URL is crawled without a word
here; an admin URL whose parameters the crawl cannot fill fails the test until it can.
"""

import re
from collections import defaultdict

import pytest
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.contrib.admin.utils import get_fields_from_path
from django.core.exceptions import FieldDoesNotExist
from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.urls import URLPattern, URLResolver, reverse

from mentorat.perimetre import RESERVE_ADMINISTRATEURS
from parrainages.models import (
    Filleul,
    ParticipationSelection,
)
from tests.mentorat.factories import (
    EnvoiFactory,
    UserFactory,
    administrateur,
    connecter,
    gestionnaire,
)
from tests.mentorat.helpers import form_data
from tests.parrainages.factories import (
    AutorisationParentaleFactory,
    BilanImmersionFactory,
    CandidatureFactory,
    CharteFactory,
    CritereEvaluationFactory,
    FilleulFactory,
    ImmersionFactory,
    ImportParrainsFactory,
    MatchingRunFactory,
    MineurFactory,
    ParrainageFactory,
    ParrainFactory,
    RencontreFactory,
    SortieCandidatureFactory,
    SortieFactory,
    candidature_invitee,
    session_selection,
)
from tests.partenaires.factories import (
    ConventionFactory,
    MembreFactory,
    ObjectifFactory,
    ParrainApporteFactory,
    PartenaireFactory,
    PrescriptionFactory,
    RapportFactory,
)
from tests.programmes.factories import (
    CommuneFactory,
    EtapeFactory,
    EvenementFactory,
    InscriptionFactory,
    ModeleCharteFactory,
    ProgrammeFactory,
    StructureFactory,
    affecter,
)

pytestmark = pytest.mark.django_db

MARQUE = "bzorg"  # every text of B's world holds it (case-insensitive)
MARQUE_A = "akwaa"  # A's world: what the Administrateur must also see
JETON_CSRF = re.compile(r'"[a-z0-9]{64}"')


# --- The two worlds ---------------------------------------------------------------------------


def _monde(tok: str, structure, commune, *, hors=None):
    """One structure's world, every text marked ``tok``: {model: [rows]}."""
    lignes = defaultdict(list)

    def garder(*objs):
        for obj in objs:
            lignes[type(obj)].append(obj)
        return objs[0] if len(objs) == 1 else objs

    def personne(role):
        return UserFactory(
            first_name=f"{tok.capitalize()}{role}",
            last_name=f"{tok.capitalize()}{role}nom",
            email=f"{role}@{tok}.example",
        )

    programme = garder(
        ProgrammeFactory(
            nom=f"{tok} programme",
            slug=f"{tok}-programme",
            porteur=f"{tok} porteur",
            structure=structure,
            offre_immersion=True,
            offre_ponctuelle=True,
        )
    )
    garder(EtapeFactory(programme=programme, nom=f"{tok} étape"))
    modele = garder(ModeleCharteFactory(programme=programme, titre=f"{tok} charte"))
    garder(CritereEvaluationFactory(programme=programme, libelle=f"{tok} critère"))

    parrain = garder(
        ParrainFactory(user=personne("parrain"), entreprise=f"{tok} SA", commune=commune)
    )
    parrain.programmes.add(programme)
    filleul = garder(FilleulFactory(user=personne("filleul"), commune=commune))
    filleul2 = garder(FilleulFactory(user=personne("attente"), commune=commune))
    mineur = garder(MineurFactory(user=personne("mineur"), commune=commune))
    garder(*mineur.representants_legaux.all())
    mineur.representants_legaux.update(nom=f"{tok}parent", email=f"parent@{tok}.example")
    garder(CandidatureFactory(filleul=filleul, programme=programme, retenue=True))
    garder(CandidatureFactory(filleul=filleul2, programme=programme, en_etude=True))
    autorisation = garder(
        AutorisationParentaleFactory(candidature__filleul=mineur, candidature__programme=programme)
    )
    garder(autorisation.candidature)
    sortie = garder(
        SortieCandidatureFactory(
            candidature__filleul=FilleulFactory(user=personne("sorti"), commune=commune),
            candidature__programme=programme,
            employeur=f"{tok} employeur",
        )
    )
    garder(sortie.candidature, sortie.candidature.filleul)

    paire = garder(
        ParrainageFactory(programme=programme, parrain=parrain, filleul=filleul, actif=True)
    )
    garder(
        ParrainageFactory(
            programme=programme,
            parrain=garder(
                ParrainFactory(user=personne("parrain2"), entreprise=f"{tok} SARL", commune=commune)
            ),
            filleul=filleul2,
        )
    )
    # The follow-up page's: a pair without a meeting for a month, an ended one without its
    # outcome, the messages sent to the people.
    parrain2 = lignes[type(parrain)][-1]
    garder(
        ParrainageFactory(
            programme=programme,
            parrain=parrain2,
            filleul=garder(FilleulFactory(user=personne("panne"), commune=commune)),
            actif=True,
        ),
        ParrainageFactory(
            programme=programme,
            parrain=parrain2,
            filleul=garder(FilleulFactory(user=personne("fini"), commune=commune)),
            termine=True,
        ),
        EnvoiFactory(destinataire=filleul.user, sujet=f"{tok} rappel", envoye=True),
        EnvoiFactory(destinataire=parrain.user, sujet=f"{tok} rappel échoué", echec=True),
    )
    garder(RencontreFactory(parrainage=paire, sujet=f"{tok} sujet", tenue=True))
    garder(CharteFactory(parrainage=paire, modele=modele, texte=f"Charte {tok}."))
    immersion = garder(
        ImmersionFactory(parrainage=paire, entreprise_nom=f"{tok} immersion", terminee=True)
    )
    garder(BilanImmersionFactory(immersion=immersion, rempli_par=f"{tok} tuteur"))
    garder(SortieFactory(parrainage=paire, employeur=f"{tok} employeur"))

    evenement = garder(
        EvenementFactory(programme=programme, titre=f"{tok} visite", commune=commune)
    )
    garder(InscriptionFactory(evenement=evenement, filleul=filleul))

    # Runs launched by the structure (a territorial team sees its own structures' runs only:
    # parrainages/admin.py MatchingRunAdmin.get_queryset).
    garder(
        MatchingRunFactory(
            programme=programme,
            structure=structure,
            non_apparies=[[filleul2.pk, f"{tok} raison"]],
        )
    )
    garder(MatchingRunFactory(programme=programme, structure=structure, echoue=True))
    coordinateur = gestionnaire(
        structure=structure,
        first_name=f"{tok.capitalize()}coord",
        last_name=f"{tok.capitalize()}coordnom",
        email=f"coord@{tok}.example",
    )
    garder(
        ImportParrainsFactory(programme=programme, nom_fichier=f"{tok}.csv", lance_par=coordinateur)
    )
    session = garder(
        session_selection(programme=programme, titre=f"{tok} semaine", commune=commune)
    )
    participation = candidature_invitee(
        session, filleul__user=personne("invite"), filleul__commune=commune
    )
    garder(participation, participation.candidature, participation.candidature.filleul)

    partenaire = garder(PartenaireFactory(nom=f"{tok} partenaire", commune=commune))
    garder(MembreFactory(partenaire=partenaire, user=personne("membre")))
    convention = garder(
        ConventionFactory(
            partenaire=partenaire,
            reference=f"{tok.upper()}-CONV",
            titre=f"{tok} convention",
            active=True,
        )
    )
    convention.programmes.add(programme)
    garder(ObjectifFactory(convention=convention))
    garder(RapportFactory(convention=convention, echec=True))
    rapport = garder(RapportFactory(convention=convention, pret=True))
    rapport.csv.save(f"{tok}.csv", ContentFile(f"{tok};1\r\n".encode()))
    garder(
        PrescriptionFactory(
            partenaire=partenaire,
            programme=programme,
            prenom=f"{tok}presc",
            nom=f"{tok}prescnom",
            email=f"presc@{tok}.example",
            conseiller=personne("conseiller"),
        )
    )
    garder(ParrainApporteFactory(partenaire=partenaire, parrain=parrain))
    # A mentor attached to no programme yet: the operator structure's, in its territory (the
    # Administrateur's only, where the structure does not run the platform).
    orphelin = ParrainFactory(user=personne("orphelin"), entreprise=f"{tok} SNC", commune=commune)
    if structure.operateur:
        garder(orphelin)
    return programme, coordinateur, lignes


@pytest.fixture
def monde():
    clermont = CommuneFactory(code_insee="63113", nom="Clermont-Ferrand", code_postal="63000")
    strasbourg = CommuneFactory(code_insee="67482", nom="Strasbourg", code_postal="67000")
    structure_a = StructureFactory(
        nom="Mission locale Akwaa", type="mission_locale", departements=["63"]
    )
    structure_b = StructureFactory(
        nom="Service emploi Bzorg", type="ville", departements=["67"], operateur=True
    )
    pa, coord_a, lignes_a = _monde(MARQUE_A, structure_a, clermont)
    pb, coord_b, lignes_b = _monde(MARQUE, structure_b, strasbourg)
    # A person of PA living in the Bas-Rhin: outside A's territory, B's mark.
    hors = FilleulFactory(
        user=UserFactory(
            first_name="Bzorghors", last_name="Bzorghorsnom", email="hors@bzorg.example"
        ),
        commune=strasbourg,
    )
    candidature_hors = CandidatureFactory(filleul=hors, programme=pa, en_etude=True)
    lignes_b[Filleul].append(hors)
    lignes_b[type(candidature_hors)].append(candidature_hors)
    # PA's run names them among the mentees left without a mentor.
    from parrainages.models import MatchingRun

    run_a = next(r for r in lignes_a[MatchingRun] if r.statut == MatchingRun.Statut.TERMINE)
    run_a.non_apparies = [*run_a.non_apparies, [hors.pk, "aucun parrain dans le département"]]
    run_a.save(update_fields=["non_apparies"])
    lecteur_a = gestionnaire(structure=structure_a, email="lecture@akwaa.example")
    affecter(lecteur_a, structure_a, "lecture")
    lignes_b[type(coord_b)].append(coord_b)
    return {
        "pa": pa,
        "pb": pb,
        "coord_a": coord_a,
        "coord_b": coord_b,
        "lecteur_a": lecteur_a,
        "administrateur": administrateur(),
        "b": lignes_b,
        "a": lignes_a,
        "structure_b": structure_b,
    }


# --- The crawl ----------------------------------------------------------------------------------

STANDARD = {"changelist", "add", "change", "history", "delete"}
ADMIN_CODES_REFUSES = (403, 404)


class Crawl:
    """Every request of a crawl and every leak it finds."""

    def __init__(self, client, user, monde):
        self.client = client
        self.user = user
        self.monde = monde
        self.fuites = []
        self.requetes = 0
        connecter(client, user)

    def _texte(self, reponse) -> str:
        if getattr(reponse, "streaming", False):
            contenu = b"".join(reponse.streaming_content)
        else:
            contenu = reponse.content
        return contenu.decode("utf-8", "replace").lower()

    def lire(self, url, *, attendus=(200,), post=None, suivre=False, echo=False):
        """GET (or POST ``post``) ``url``: a leak if the mark shows or the status is not one
        of ``attendus`` (``None``: any). ``echo``: the URL searches for the mark, which the
        page repeats (the search box, its links), not a leak."""
        self.requetes += 1
        if post is None:
            reponse = self.client.get(url, follow=suivre)
        else:
            reponse = self.client.post(url, post, follow=suivre)
        # A CSRF token is 64 random letters and digits: one may hold the mark by chance
        # (« …rbzorguhl… » seen once in 1,324 requests), which is no leak.
        texte = JETON_CSRF.sub('""', self._texte(reponse))
        if echo:
            texte = re.sub(rf'value="{MARQUE}"|q(=|%3d){MARQUE}|&quot;{MARQUE}&quot;', "", texte)
        if MARQUE in texte:
            i = texte.index(MARQUE)
            self.fuites.append(
                f"{'POST' if post is not None else 'GET'} {url} montre « "
                f"{texte[max(0, i - 60) : i + 40]!r} »"
            )
        if attendus is not None and reponse.status_code not in attendus:
            self.fuites.append(
                f"{'POST' if post is not None else 'GET'} {url} : {reponse.status_code}, "
                f"attendu {attendus}"
            )
        return reponse, texte


def _admins():
    return sorted(admin.site._registry.items(), key=lambda kv: kv[0]._meta.label)


def _nom_url(model, vue):
    return f"admin:{model._meta.app_label}_{model._meta.model_name}_{vue}"


def _lignes_b(monde, model):
    return [o for o in monde["b"].get(model, []) if o.pk is not None]


def _ids_b(monde, model):
    ids = {o.pk for o in _lignes_b(monde, model)}
    # Subclasses' rows (a user is a user, whatever the factory).
    for autre, objets in monde["b"].items():
        if autre is not model and issubclass(autre, model):
            ids |= {o.pk for o in objets}
    if model._meta.label == "mentorat.User":
        for objets in monde["b"].values():
            for obj in objets:
                user = getattr(obj, "user", None)
                if user is not None:
                    ids.add(user.pk)
    return sorted(ids)


def _chemins_filtres(model_admin, request):
    """(path, target model) of every related filter of the changelist."""
    chemins = []
    for filtre in model_admin.get_list_filter(request):
        if isinstance(filtre, str):
            chemin = filtre
        elif isinstance(filtre, tuple | list):
            chemin = filtre[0]
        elif isinstance(filtre, type) and issubclass(filtre, SimpleListFilter):
            nom = filtre.parameter_name or ""
            chemin = re.sub(r"(__id)?__exact$", "", nom)
        else:
            continue
        try:
            champ = get_fields_from_path(model_admin.model, chemin)[-1]
        except (FieldDoesNotExist, Exception):
            continue
        if champ.is_relation and champ.related_model is not None:
            chemins.append((chemin, champ.related_model))
    return chemins


def _requete(user):
    request = RequestFactory().get("/admin/")
    request.user = user
    return request


def _instantane_b(monde):
    """B's rows as they are (every field), and how many rows each of B's programmes has per
    model: nothing of it may change in A's crawl."""
    etat = {}
    for model, objets in monde["b"].items():
        ids = sorted({o.pk for o in objets if o.pk})
        etat[model._meta.label] = list(
            model._default_manager.filter(pk__in=ids).order_by("pk").values()
        )
    coord_b = _requete(monde["coord_b"])
    for model, model_admin in _admins():
        if model_admin.portee == RESERVE_ADMINISTRATEURS:
            continue
        etat[f"nombre {model._meta.label}"] = model_admin.get_queryset(coord_b).count()
    return etat


def _remplir(route, model, monde, valeurs_b):
    """The URLs of a custom admin route for B's rows (None: a parameter the crawl cannot
    fill)."""
    parametres = re.findall(r"<(?:\w+:)?(\w+)>", route)
    if not parametres:
        return [route]
    urls = [route]
    for parametre in parametres:
        if parametre in ("pk", "object_id", "id"):
            choix = [str(i) for i in valeurs_b(model)]
        elif parametre == "participation":
            choix = [str(i) for i in valeurs_b(ParticipationSelection)]
        elif parametre == "extension":
            choix = ["pdf", "csv", "xlsx"]
        else:
            return None
        urls = [
            re.sub(rf"<(?:\w+:)?{parametre}>", valeur, url, count=1)
            for url in urls
            for valeur in choix
        ]
    return urls


def _routes_personnalisees():
    """(route, name, model) of every admin URL beyond the standard ones, the ModelAdmins'
    included."""
    sortie = []
    for model, model_admin in _admins():
        prefixe = f"{model._meta.app_label}/{model._meta.model_name}/"
        standard = {f"{model._meta.app_label}_{model._meta.model_name}_{v}" for v in STANDARD}

        def walk(motifs, avant=""):
            for motif in motifs:
                if isinstance(motif, URLResolver):
                    yield from walk(motif.url_patterns, avant + str(motif.pattern))
                elif isinstance(motif, URLPattern):
                    yield avant + str(motif.pattern), motif.name

        for route, nom in walk(model_admin.get_urls()):
            if nom in standard or nom is None:
                continue
            sortie.append(("/admin/" + prefixe + route, nom, model))
    return sortie


def crawler(client, user, monde, *, lecture=False):
    """The whole crawl as ``user`` (A's staff): returns the Crawl with its leaks."""
    c = Crawl(client, user, monde)
    request = _requete(user)
    avant = _instantane_b(monde)

    def valeurs_b(model):
        return _ids_b(monde, model)

    c.lire(reverse("admin:index"))
    for app_label in sorted({m._meta.app_label for m in admin.site._registry}):
        c.lire(reverse("admin:app_list", args=[app_label]), attendus=(200, 404))

    for model, model_admin in _admins():
        reserve = model_admin.portee == RESERVE_ADMINISTRATEURS
        liste = reverse(_nom_url(model, "changelist"))
        reponse, texte = c.lire(liste, attendus=ADMIN_CODES_REFUSES if reserve else (200,))
        if reponse.status_code == 200:
            # Every link of the page that stays on the list: filters, date hierarchy, sorts.
            for lien in sorted(set(re.findall(r'href="(\?[^"]*)"', texte)))[:80]:
                c.lire(liste + lien.replace("&amp;", "&"), attendus=(200, 302), suivre=False)
            # B's ids forced into every related filter.
            for chemin, cible in _chemins_filtres(model_admin, request):
                for pk in valeurs_b(cible):
                    for cle in (f"{chemin}__id__exact", f"{chemin}__exact", f"{chemin}"):
                        r, _t = c.lire(f"{liste}?{cle}={pk}", attendus=None, suivre=True)
            # A search with B's names.
            c.lire(f"{liste}?q={MARQUE}", attendus=(200, 302), suivre=True, echo=True)
        # The add page: its choices.
        c.lire(
            reverse(_nom_url(model, "add")),
            attendus=(200, 403) if not lecture and not reserve else (403,),
        )
        # Autocompletes: the fields of the ModelAdmin and of its inlines.
        sources = [model_admin, *model_admin.get_inline_instances(request)]
        for source in sources:
            for champ in source.get_autocomplete_fields(request):
                for terme in (MARQUE, ""):
                    c.lire(
                        reverse("admin:autocomplete")
                        + f"?term={terme}&app_label={source.model._meta.app_label}"
                        f"&model_name={source.model._meta.model_name}&field_name={champ}",
                        attendus=(200, 403),
                    )
        # B's rows: 404 (403 for the Administrateur's own models).
        for pk in valeurs_b(model):
            for vue in ("change", "history", "delete"):
                c.lire(
                    reverse(_nom_url(model, vue), args=[pk]),
                    attendus=ADMIN_CODES_REFUSES if reserve else (404,),
                )
            c.lire(
                reverse(_nom_url(model, "change"), args=[pk]),
                post={"decision": "", "_save": "Enregistrer"},
                attendus=ADMIN_CODES_REFUSES if reserve else (404,),
            )
        # A's own rows: their pages show nothing of B (a run naming people of B's territory,
        # a mentor of both structures' programmes…).
        for obj in monde["a"].get(model, []):
            c.lire(
                reverse(_nom_url(model, "change"), args=[obj.pk]),
                attendus=ADMIN_CODES_REFUSES if reserve else (200,),
            )
        # Every action, posted with B's ids (and one of A's, so that the list is not empty).
        ids_a = [o.pk for o in monde["a"].get(model, [])][:1]
        if not reserve and valeurs_b(model):
            actions = model_admin.get_actions(_requete_admin(user))
            for nom in actions:
                if nom == "delete_selected":
                    continue
                c.lire(
                    liste,
                    post={
                        "action": nom,
                        "_selected_action": [*map(str, valeurs_b(model))],
                        "index": 0,
                    },
                    attendus=(200, 302, 403),
                    suivre=True,
                )
                c.lire(
                    liste,
                    post={
                        "action": nom,
                        "_selected_action": [*map(str, valeurs_b(model)), *map(str, ids_a)],
                        "index": 0,
                        "appliquer": "1",
                        "debut": "2026-01-01",
                        "fin": "2026-03-31",
                    },
                    attendus=(200, 302, 403),
                    suivre=True,
                )

    # Every other URL of the admin: the ModelAdmins' own views with B's rows.
    for route, nom, model in _routes_personnalisees():
        urls = _remplir(route, model, monde, valeurs_b)
        if urls is None:
            c.fuites.append(f"URL {nom} ({route}) : paramètre inconnu du crawl, à lui apprendre")
            continue
        sans_parametre = "<" not in route
        for url in urls:
            c.lire(url, attendus=(200, 403) if sans_parametre else (404,))
            if sans_parametre:
                continue
            c.lire(url, post={"action": "inviter", "candidatures": []}, attendus=(404,))

    # Objects of B opened from the admin's "view on site" shortcut: never to an admin page.
    for model, objets in monde["b"].items():
        for obj in objets[:1]:
            from django.contrib.contenttypes.models import ContentType

            ct = ContentType.objects.get_for_model(model)
            r = client.get(reverse("admin:view_on_site", args=[ct.pk, obj.pk]))
            if r.status_code == 302 and r["Location"].startswith("/admin/"):
                c.fuites.append(f"view_on_site {model._meta.label} {obj.pk} → {r['Location']}")

    apres = _instantane_b(monde)
    for cle in avant:
        if avant[cle] != apres[cle]:
            c.fuites.append(f"Le crawl a changé des lignes de B : {cle}")
    return c


def _requete_admin(user):
    request = _requete(user)
    request.method = "POST"
    return request


def _rapport(c):
    return f"{len(c.fuites)} fuite(s) en {c.requetes} requêtes :\n" + "\n".join(
        f[:300] for f in c.fuites[:150]
    )


# --- The tests ----------------------------------------------------------------------------------


def test_le_coordinateur_d_une_structure_ne_voit_rien_d_une_autre(client, monde):
    crawl = crawler(client, monde["coord_a"], monde)
    assert crawl.requetes > 500
    assert not crawl.fuites, _rapport(crawl)


def test_un_membre_en_lecture_ne_voit_ni_ne_change_rien_d_une_autre(client, monde):
    crawl = crawler(client, monde["lecteur_a"], monde, lecture=True)
    assert not crawl.fuites, _rapport(crawl)


def test_un_membre_en_lecture_n_ajoute_ne_change_ni_n_agit_nulle_part(client, monde):
    """On A's own rows: the change pages have no save button, every action is refused."""
    user = monde["lecteur_a"]
    connecter(client, user)
    request = _requete_admin(user)
    ecritures = []
    for model, model_admin in _admins():
        if model_admin.portee == RESERVE_ADMINISTRATEURS:
            continue
        for action in model_admin.get_actions(request):
            ecritures.append(f"action {action} sur {model._meta.label}")
        for obj in monde["a"].get(model, [])[:1]:
            reponse = client.get(reverse(_nom_url(model, "change"), args=[obj.pk]))
            assert reponse.status_code == 200, (model, reponse.status_code)
            if 'name="_save"' in reponse.content.decode():
                ecritures.append(f"enregistrer {model._meta.label} {obj.pk}")
            if client.get(reverse(_nom_url(model, "delete"), args=[obj.pk])).status_code != 403:
                ecritures.append(f"supprimer {model._meta.label} {obj.pk}")
    assert not ecritures, ecritures


def test_l_administrateur_voit_les_deux_structures(client, monde):
    connecter(client, monde["administrateur"])
    vus = defaultdict(set)
    for model, _model_admin in _admins():
        texte = client.get(reverse(_nom_url(model, "changelist"))).content.decode().lower()
        for marque in (MARQUE, MARQUE_A):
            if marque in texte:
                vus[marque].add(model._meta.label)
        for obj in monde["b"].get(model, [])[:1]:
            assert client.get(reverse(_nom_url(model, "change"), args=[obj.pk])).status_code == 200
    # Both worlds on the lists of people, pairs, conventions, programmes…
    for label in (
        "programmes.Programme",
        "parrainages.Parrain",
        "parrainages.Filleul",
        "parrainages.Parrainage",
        "partenaires.Convention",
        "parrainages.SessionSelection",
    ):
        assert label in vus[MARQUE] and label in vus[MARQUE_A], label
    for page in (
        "admin:index",
        "admin:parrainages_parrainage_suivi",
        "admin:partenaires_indicateurs",
    ):
        texte = client.get(reverse(page)).content.decode().lower()
        assert MARQUE in texte and MARQUE_A in texte, page


def test_le_monde_de_b_est_vu_par_son_coordinateur(client, monde):
    """The crawl can fail: B's own coordinator sees the mark everywhere A must not."""
    connecter(client, monde["coord_b"])
    for page in (
        "admin:index",
        "admin:parrainages_parrainage_changelist",
        "admin:parrainages_parrainage_suivi",
        "admin:partenaires_indicateurs",
    ):
        texte = client.get(reverse(page)).content.decode().lower()
        assert MARQUE in texte and MARQUE_A not in texte, page


# --- Writes within the perimeter ---------------------------------------------------------------


def test_un_programme_cree_par_un_coordinateur_rejoint_ses_structures(client, monde):
    """Without it, the coordinator would lose the programme as soon as it is saved."""
    from programmes.models import Programme, Structure

    coord_a = monde["coord_a"]
    structure_a = Structure.objects.get(nom="Mission locale Akwaa")
    connecter(client, coord_a)
    page = reverse("admin:programmes_programme_add")
    data = form_data(client.get(page))
    data.update(
        nom="Akwaa nouveau programme",
        slug="akwaa-nouveau",
        porteur="Mission locale",
        accroche="Un parrain pour trouver un emploi.",
        description="Des professionnels accompagnent des jeunes.",
        public_vise="Jeunes de 16 à 25 ans.",
        date_debut="2026-09-01",
        offre_reguliere="on",
    )
    reponse = client.post(page, data)
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors
    programme = Programme.objects.get(slug="akwaa-nouveau")
    assert list(programme.structures.all()) == [structure_a]
    assert (
        client.get(reverse("admin:programmes_programme_change", args=[programme.pk])).status_code
        == 200
    )
    # B's staff do not see it.
    connecter(client, monde["coord_b"])
    assert (
        client.get(reverse("admin:programmes_programme_change", args=[programme.pk])).status_code
        == 404
    )


def test_un_programme_cree_par_l_administrateur_ne_rejoint_aucune_structure(monde):
    from programmes.services import programme_rattacher

    programme = ProgrammeFactory(structure=False)
    assert programme_rattacher(programme=programme, par=monde["administrateur"]) == []
    assert not programme.structures.exists()


def test_un_appariement_ne_se_lance_que_sur_les_programmes_coordonnes(client, monde):
    from parrainages.models import MatchingRun
    from programmes.models import Structure

    structure_a = Structure.objects.get(nom="Mission locale Akwaa")
    conseiller = gestionnaire(structure=structure_a, email="conseil@akwaa.example")
    affecter(conseiller, structure_a, "conseiller")
    programmes_admin = admin.site._registry[type(monde["pa"])]
    assert "lancer_appariement" not in programmes_admin.get_actions(_requete_admin(conseiller))
    assert "lancer_appariement" not in programmes_admin.get_actions(
        _requete_admin(monde["lecteur_a"])
    )

    avant = {p: MatchingRun.objects.filter(programme=monde[p]).count() for p in ("pa", "pb")}
    connecter(client, monde["coord_a"])
    client.post(
        reverse("admin:programmes_programme_changelist"),
        {
            "action": "lancer_appariement",
            "_selected_action": [monde["pa"].pk, monde["pb"].pk],
            "index": 0,
        },
    )
    assert MatchingRun.objects.filter(programme=monde["pa"]).count() == avant["pa"] + 1
    assert MatchingRun.objects.filter(programme=monde["pb"]).count() == avant["pb"]


# --- Staff pages outside the admin ------------------------------------------------------------


def test_les_pages_du_personnel_hors_administration_suivent_le_perimetre(client, monde):
    from parrainages.models import Charte, Immersion

    charte_b = monde["b"][Charte][0]
    charte_a = monde["a"][Charte][0]
    immersion_b = monde["b"][Immersion][0]
    immersion_a = monde["a"][Immersion][0]
    connecter(client, monde["coord_a"])
    assert client.get(reverse("charte_detail", args=[charte_b.uuid])).status_code == 404
    assert client.get(reverse("charte_pdf", args=[charte_b.uuid])).status_code == 404
    assert client.get(reverse("charte_detail", args=[charte_a.uuid])).status_code == 200
    assert client.get(reverse("immersion_ouvrir", args=[immersion_b.uuid])).status_code == 404
    assert client.get(reverse("immersion_ouvrir", args=[immersion_a.uuid]))["Location"] == (
        reverse("admin:parrainages_immersion_change", args=[immersion_a.pk])
    )
    connecter(client, monde["administrateur"])
    assert client.get(reverse("charte_detail", args=[charte_b.uuid])).status_code == 200


def test_les_valeurs_hors_perimetre_d_un_champ_multiple_restent(client, monde):
    """A mentor of PA and PB, in A's territory: A's coordinator saves their page, which offers
    only PA; PB stays (it is not A's to remove) and never shows."""
    from parrainages.models import Parrain

    parrain = monde["a"][Parrain][0]
    parrain.programmes.add(monde["pb"])
    connecter(client, monde["coord_a"])
    page = reverse("admin:parrainages_parrain_change", args=[parrain.pk])
    reponse = client.get(page)
    assert MARQUE not in reponse.content.decode().lower()
    data = form_data(reponse)
    data["fonction"] = "Responsable du recrutement"
    # What the browser posts: the options the page showed (PA only).
    data["programmes"] = [str(monde["pa"].pk)]
    reponse = client.post(page, data)
    assert reponse.status_code == 302, reponse.context["adminform"].form.errors
    parrain.refresh_from_db()
    assert parrain.fonction == "Responsable du recrutement"
    assert set(parrain.programmes.all()) == {monde["pa"], monde["pb"]}


def test_la_page_d_un_appariement_ne_nomme_que_les_filleuls_du_perimetre(client, monde):
    """PA's run names a mentee of PA who lives in the Bas-Rhin: A's staff read that one more
    mentee was left without a mentor, not who."""
    from parrainages.models import MatchingRun

    run = next(r for r in monde["a"][MatchingRun] if r.statut == MatchingRun.Statut.TERMINE)
    page = reverse("admin:parrainages_matchingrun_change", args=[run.pk])
    connecter(client, monde["coord_a"])
    texte = client.get(page).content.decode()
    assert MARQUE not in texte.lower()
    assert "Akwaaattente" in texte and "1 autre(s) hors de votre périmètre" in texte
    connecter(client, monde["administrateur"])
    assert "Bzorghors" in client.get(page).content.decode()
