"""Hand-built data for the indicator tests: two partners on one programme, every edge case.

Partner A (a Mission locale) and partner B (an association) both have a convention on
programme P1; P2 is outside both conventions. Each row below says whether it counts for A over
the first quarter of 2026 (``Q1``) and why. The expected figures are written out by hand in
``ATTENDU_A_Q1`` and friends, not computed.
"""

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from parrainages.models import (
    Avancement,
    BilanImmersion,
    Candidature,
    ObjectifBinome,
    Parrainage,
    PointEtape,
    Rencontre,
    Sortie,
)
from partenaires.models import Objectif, ParrainApporte
from programmes.models import Evenement, Inscription
from tests.parrainages.factories import (
    BilanImmersionFactory,
    CandidatureFactory,
    FilleulFactory,
    ImmersionFactory,
    ParrainageFactory,
    ParrainFactory,
    RencontreFactory,
    SortieFactory,
)
from tests.partenaires.factories import ConventionFactory, MembreFactory, ObjectifFactory
from tests.programmes.factories import EvenementFactory, InscriptionFactory, ProgrammeFactory

IND = Objectif.Indicateur
Q1 = (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
Q2 = (dt.date(2026, 4, 1), dt.date(2026, 6, 30))

ATTENDU_A_Q1 = {
    IND.FILLEULS_ORIENTES: 2,  # f1, f2 (f3 after, f4 before, f5 other programme, f6 B's)
    IND.PARRAINS_APPORTES: 1,  # m1 (m2 other programme, m4 before, m3 B's)
    IND.BINOMES_FORMES: 3,  # b1, b2 (ended early), b3 (A's mentor, B's mentee)
    IND.RENCONTRES_TENUES: 3,  # r1, r4 (pair ended since), r5
    IND.SORTIES_POSITIVES_6_MOIS: 2,  # s2, s4 (s3 after the period, s5 not A's)
    IND.EVENEMENTS_ORGANISES: 2,  # e1 (team event), e2 (A's mentor)
    IND.PARTICIPATION: 4,  # e1·f1, e2·f6, e2·f7, e3·f1
    IND.IMMERSIONS_REALISEES: 3,  # i1, i2, i7 (i3: no day there, i6: no assessment yet)
    IND.IMMERSIONS_EMBAUCHE: 1,  # i1 (i4: B's prescription on nobody's pair)
    # Shares in percent: (5 + 3 + 2) / 3 = 3.33 out of 5 (b1's two answers, b3's; b4's is
    # nobody's, b1's second round after Q1).
    IND.SATISFACTION: 67,
    IND.OBJECTIFS_ATTEINTS: 67,  # 2 of 3: b1's two goals (one reached), b3's (reached)
}
# Since the convention's start (1 October 2025) to the end of Q1.
ATTENDU_A_CUMUL_Q1 = {
    **ATTENDU_A_Q1,
    IND.FILLEULS_ORIENTES: 3,  # + f4 (December 2025)
    IND.PARRAINS_APPORTES: 2,  # + m4 (November 2025)
}
ATTENDU_A_Q2 = {
    IND.FILLEULS_ORIENTES: 1,  # f3
    IND.PARRAINS_APPORTES: 0,
    IND.BINOMES_FORMES: 1,  # b6
    IND.RENCONTRES_TENUES: 1,  # r7
    IND.SORTIES_POSITIVES_6_MOIS: 1,  # s3, recorded after Q1
    IND.EVENEMENTS_ORGANISES: 1,  # e7
    IND.PARTICIPATION: 0,
    IND.IMMERSIONS_REALISEES: 1,  # i5
    IND.IMMERSIONS_EMBAUCHE: 0,
    IND.SATISFACTION: 80,  # b1's second round: 4
    IND.OBJECTIFS_ATTEINTS: 0,  # b6's goal, in progress
}
ATTENDU_B_Q1 = {
    IND.FILLEULS_ORIENTES: 1,  # f6
    IND.PARRAINS_APPORTES: 1,  # m3
    IND.BINOMES_FORMES: 1,  # b3 (its mentee)
    IND.RENCONTRES_TENUES: 1,  # r5
    IND.SORTIES_POSITIVES_6_MOIS: 1,  # s4
    IND.EVENEMENTS_ORGANISES: 2,  # e1 (team event), e3 (B's mentor)
    IND.PARTICIPATION: 4,  # e1·f6, e2·f6, e3·f1, e3·f7
    IND.IMMERSIONS_REALISEES: 2,  # i4 (B prescribed it), i7 (its mentee)
    IND.IMMERSIONS_EMBAUCHE: 1,  # i4
    IND.SATISFACTION: 40,  # b3's: 2
    IND.OBJECTIFS_ATTEINTS: 100,  # b3's
}


def midi(annee, mois, jour):
    return timezone.make_aware(dt.datetime(annee, mois, jour, 12, 0))


def jour(annee, mois, jour_):
    return dt.date(annee, mois, jour_)


def construire():
    s = SimpleNamespace()
    s.p1 = ProgrammeFactory(nom="Programme de la convention", slug="p1")
    s.p2 = ProgrammeFactory(nom="Autre programme", slug="p2")
    s.membre_a = MembreFactory(
        partenaire__nom="Mission locale A",
        user__email="membre.a@exemple.fr",
        user__first_name="Alice",
    )
    s.membre_b = MembreFactory(partenaire__nom="Association B", user__email="membre.b@exemple.fr")
    s.a, s.b = s.membre_a.partenaire, s.membre_b.partenaire
    s.convention_a = ConventionFactory(
        partenaire=s.a,
        reference="CONV-A",
        titre="Convention de la Mission locale A",
        date_debut=jour(2025, 10, 1),
        date_fin=jour(2026, 9, 30),
        active=True,
        signataires="Pour la ville : la directrice\nPour la Mission locale A : le président",
    )
    s.convention_a.programmes.set([s.p1])
    s.objectif_orientes = ObjectifFactory(
        convention=s.convention_a,
        indicateur=IND.FILLEULS_ORIENTES,
        valeur_cible=10,
        periode=Objectif.Periode.ANNEE,
    )
    s.objectif_binomes = ObjectifFactory(
        convention=s.convention_a,
        indicateur=IND.BINOMES_FORMES,
        valeur_cible=4,
        periode=Objectif.Periode.CONVENTION,
    )
    s.objectif_sorties = ObjectifFactory(
        convention=s.convention_a,
        indicateur=IND.SORTIES_POSITIVES_6_MOIS,
        valeur_cible=1,
        periode=Objectif.Periode.TRIMESTRE,
    )
    s.convention_b = ConventionFactory(
        partenaire=s.b,
        reference="CONV-B",
        date_debut=jour(2026, 1, 1),
        date_fin=jour(2026, 12, 31),
        active=True,
    )
    s.convention_b.programmes.set([s.p1])
    ObjectifFactory(convention=s.convention_b, indicateur=IND.PARTICIPATION, valeur_cible=30)

    def filleul(prenom, nom):
        return FilleulFactory(user__first_name=prenom, user__last_name=nom)

    def candidature(f, programme, prescripteur, cree, **kwargs):
        return CandidatureFactory(
            filleul=f,
            programme=programme,
            prescripteur=prescripteur,
            source=Candidature.Source.PRESCRIPTION if prescripteur else "en_ligne",
            created_at=cree,
            **kwargs,
        )

    s.f1, s.f2, s.f3 = filleul("Inès", "Un"), filleul("Bilal", "Deux"), filleul("Chloé", "Trois")
    s.f4, s.f5 = filleul("David", "Quatre"), filleul("Emma", "Cinq")
    s.f6, s.f7 = filleul("Farid", "Six"), filleul("Gaëlle", "Sept")
    candidature(s.f1, s.p1, s.a, midi(2026, 1, 10), statut=Candidature.Statut.RETENUE)
    candidature(s.f2, s.p1, s.a, midi(2026, 2, 15), statut=Candidature.Statut.RETENUE)
    candidature(s.f3, s.p1, s.a, midi(2026, 4, 2))
    candidature(s.f4, s.p1, s.a, midi(2025, 12, 20), statut=Candidature.Statut.EN_ETUDE)
    candidature(s.f5, s.p2, s.a, midi(2026, 1, 20))
    candidature(s.f6, s.p1, s.b, midi(2026, 1, 5))
    candidature(s.f7, s.p1, None, midi(2026, 1, 6))

    def parrain(nom, valide_le, programmes, partenaire=None):
        p = ParrainFactory(user__last_name=nom, valide_le=valide_le)
        p.programmes.set(programmes)
        if partenaire:
            ParrainApporte.objects.create(partenaire=partenaire, parrain=p)
        return p

    s.m1 = parrain("Mentor-A", midi(2026, 2, 1), [s.p1], s.a)
    s.m2 = parrain("Mentor-A-P2", midi(2026, 2, 1), [s.p2], s.a)
    s.m3 = parrain("Mentor-B", midi(2026, 3, 1), [s.p1], s.b)
    s.m4 = parrain("Mentor-A-ancien", midi(2025, 11, 1), [s.p1], s.a)
    s.m5 = parrain("Mentor-libre", midi(2025, 9, 1), [s.p1])

    def binome(f, m, statut, debut=None, fin=None, propose=None):
        return ParrainageFactory(
            programme=s.p1,
            filleul=f,
            parrain=m,
            statut=statut,
            date_debut=debut,
            date_fin=fin,
            propose_le=propose or midi(2025, 12, 1),
        )

    S = Parrainage.Statut
    s.b1 = binome(s.f1, s.m5, S.ACTIF, jour(2026, 1, 20))
    s.b2 = binome(s.f2, s.m5, S.INTERROMPU, jour(2026, 2, 20), jour(2026, 3, 5))
    s.b3 = binome(s.f6, s.m1, S.ACTIF, jour(2026, 3, 1))
    s.b4 = binome(s.f7, s.m5, S.ACTIF, jour(2026, 1, 15))
    s.b5 = binome(s.f4, s.m5, S.PROPOSITION, propose=midi(2026, 1, 5))
    s.b6 = binome(s.f3, s.m5, S.ACTIF, jour(2026, 4, 10), propose=midi(2026, 4, 5))

    R = Rencontre.Statut
    for pair, statut, quand in [
        (s.b1, R.TENUE, midi(2026, 2, 1)),  # r1
        (s.b1, R.PREVUE, midi(2026, 3, 1)),  # r2: not held
        (s.b1, R.ANNULEE, midi(2026, 3, 2)),  # r3: cancelled
        (s.b2, R.TENUE, midi(2026, 2, 25)),  # r4: its pair was interrupted since
        (s.b3, R.TENUE, midi(2026, 3, 15)),  # r5: A's mentor
        (s.b4, R.TENUE, midi(2026, 3, 16)),  # r6: nobody's
        (s.b1, R.TENUE, midi(2026, 4, 5)),  # r7: after Q1
    ]:
        RencontreFactory(parrainage=pair, statut=statut, debut=quand)

    # Check-ins: satisfaction 1 to 5, dated by the answer.
    for pair, role, tour, note, quand in [
        (s.b1, "filleul", 1, 5, midi(2026, 2, 20)),
        (s.b1, "parrain", 1, 3, midi(2026, 2, 21)),
        (s.b3, "filleul", 1, 2, midi(2026, 3, 31)),  # A's mentor, B's mentee
        (s.b4, "filleul", 1, 1, midi(2026, 2, 14)),  # nobody's
        (s.b1, "filleul", 2, 4, midi(2026, 4, 20)),  # after Q1
    ]:
        PointEtape.objects.create(
            parrainage=pair,
            role=role,
            tour=tour,
            satisfaction=note,
            utile=PointEtape.Utilite.OUI,
            repondu_le=quand,
        )
    # Goals, dated when written; their latest progress.
    for pair, avancement, quand in [
        (s.b1, Avancement.ATTEINT, midi(2026, 2, 1)),
        (s.b1, Avancement.EN_COURS, midi(2026, 2, 1)),
        (s.b3, Avancement.ATTEINT, midi(2026, 3, 15)),
        (s.b4, Avancement.PAS_COMMENCE, midi(2026, 2, 1)),  # nobody's
        (s.b6, Avancement.EN_COURS, midi(2026, 4, 12)),  # after Q1
    ]:
        ObjectifBinome.objects.create(
            parrainage=pair,
            libelle=f"Objectif {avancement}",
            ecrit_par=ObjectifBinome.Auteur.FILLEUL,
            avancement=avancement,
            created_at=quand,
        )

    T, M = Sortie.Type, Sortie.Moment
    for pair, moment, type_, date in [
        (s.b2, M.FIN, T.CDD_COURT, jour(2026, 3, 5)),  # s1: not positive
        (s.b2, M.SIX_MOIS, T.CDI, jour(2026, 3, 25)),  # s2
        (s.b1, M.SIX_MOIS, T.FORMATION, jour(2026, 4, 15)),  # s3: after Q1
        (s.b3, M.SIX_MOIS, T.ALTERNANCE, jour(2026, 3, 30)),  # s4
        (s.b4, M.SIX_MOIS, T.CDI, jour(2026, 2, 1)),  # s5: nobody's
        (s.b3, M.FIN, T.AUCUNE, jour(2026, 3, 10)),  # s6: not positive
    ]:
        SortieFactory(parrainage=pair, moment=moment, type=type_, date=date)

    def immersion(pair, fin, presence, issue=None, prescripteur=None):
        immersion = ImmersionFactory(
            parrainage=pair,
            terminee=issue is not None,
            validee=issue is None,
            date_debut=fin - dt.timedelta(days=11),
            date_fin=fin,
            **({"prescripteur": prescripteur} if prescripteur else {}),
        )
        if issue is not None:
            BilanImmersionFactory(immersion=immersion, jours_presence=presence, issue=issue)
        return immersion

    IS = BilanImmersion.Issue
    s.i1 = immersion(s.b1, jour(2026, 2, 13), 10, IS.EMBAUCHE)  # A's mentee
    s.i2 = immersion(s.b2, jour(2026, 3, 6), 5, IS.AUCUNE)  # A's (pair interrupted since)
    s.i3 = immersion(s.b1, jour(2026, 3, 20), 0, IS.AUCUNE)  # did not come: not done
    s.i4 = immersion(s.b4, jour(2026, 3, 27), 8, IS.EMBAUCHE, prescripteur=s.b)  # B prescribed
    s.i5 = immersion(s.b1, jour(2026, 4, 24), 10, IS.FORMATION)  # after Q1
    s.i6 = immersion(s.b3, jour(2026, 3, 13), 0)  # validated, no assessment yet
    s.i7 = immersion(s.b3, jour(2026, 3, 27), 9, IS.AUTRE)  # A's mentor and B's mentee

    E, INS = Evenement.Statut, Inscription.Statut

    def evenement(titre, quand, statut=E.TERMINE, organisateur=None, programme=None):
        return EvenementFactory(
            programme=programme or s.p1,
            titre=titre,
            debut=quand,
            fin=quand + dt.timedelta(hours=2),
            statut=statut,
            organisateur=organisateur,
        )

    s.e1 = evenement("Réunion d'information", midi(2026, 2, 10))
    s.e2 = evenement("Visite chez le parrain de A", midi(2026, 3, 12), organisateur=s.m1)
    s.e3 = evenement("Visite chez le parrain de B", midi(2026, 3, 13), organisateur=s.m3)
    s.e4 = evenement("Atelier annulé", midi(2026, 2, 20), statut=E.ANNULE)
    s.e5 = evenement("Job dating à venir", midi(2026, 3, 30), statut=E.PUBLIE)
    s.e6 = evenement("Événement de l'autre programme", midi(2026, 2, 11), programme=s.p2)
    s.e7 = evenement("Table ronde de mai", midi(2026, 5, 1))
    for e, f, statut in [
        (s.e1, s.f1, INS.PRESENT),
        (s.e1, s.f7, INS.PRESENT),
        (s.e1, s.f2, INS.ABSENT),
        (s.e1, s.f6, INS.PRESENT),
        (s.e2, s.f7, INS.PRESENT),
        (s.e2, s.f6, INS.PRESENT),
        (s.e3, s.f1, INS.PRESENT),
        (s.e3, s.f7, INS.PRESENT),
        (s.e4, s.f1, INS.PRESENT),
        (s.e6, s.f5, INS.PRESENT),
    ]:
        InscriptionFactory(evenement=e, filleul=f, statut=statut)
    return s
