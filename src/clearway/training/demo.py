"""The training demo: a cohort's training world, a closed targeting exercise, and one handed-in and one
unfinished attempt of each newer kind (documentary check, rule writing, release), so a newcomer finds every
kind of exercise on the training pages with its score.

Targeting (closed): the officer caught four of the five planted frauds, named three of them, raised one false
alarm, and handed in after about twenty minutes; its report and answer key are what an instructor sees.
Documentary check and release (officer) and rule writing (analyst) are open: level 1 handed in and scored, with
the slips a trainee makes (a discrepancy overlooked and an agreeing value marked, held goods released once; the
analyst's rule reads the pattern off the frauds), level 2 started fourteen hours ago and not handed in yet (half
the queue decided, or a rule drafted too wide), to be finished on the page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from clearway.auth.schemas import Principal
from clearway.training import selectors, service
from clearway.training.models import Exercise, ExerciseItem, TrainingCase
from clearway.training.schemas import DecisionCreate, ExerciseCreate, ItemRead, RuleWrite

COHORT = "demo"
INSTRUCTOR = Principal(user_id=0, username="admin", role="admin", organisation_id=0, organisation_code="KRCUSTOMS")
TRAINEE = Principal(user_id=0, username="officer", role="officer", organisation_id=0, organisation_code="KRCUSTOMS",
                    office="KR0101")
ANALYST = Principal(user_id=0, username="analyst", role="analyst", organisation_id=0, organisation_code="KRCUSTOMS")
RULE_DRAFT = "declaration.item_count >= 2"  # the analyst's first try: wide, as first tries often are


def training_demo_seed(*, db: Session, now: datetime) -> Exercise:
    """Seed the demo cohort's world, the closed targeting exercise and the attempts of the newer kinds; the
    targeting exercise."""
    service.world_seed(db=db, cohort=COHORT, seed=7, days=14, per_day=30, now=now)
    exercise = _targeting(db, now)
    for kind, title, trainee, work in (
            ("documentary", {"en": "Documentary check: find the slips between declaration and papers",
                             "es": "Control documental: encuentre los errores entre la declaración y los documentos",
                             "fr": "Contrôle documentaire : trouvez les écarts entre la déclaration et les documents"},
             TRAINEE, _papers),
            ("release", {"en": "Release: hold the goods that something still holds",
                         "es": "Levante: retenga las mercancías que algo aún retiene",
                         "fr": "Mainlevée : retenez les marchandises que quelque chose retient encore"},
             TRAINEE, _releases),
            ("rule", {"en": "Rule writing: catch the planted frauds of a day",
                      "es": "Redacción de reglas: detecte los fraudes introducidos de un día",
                      "fr": "Rédaction de règles : détectez les fraudes introduites d'une journée"},
             ANALYST, _rule)):
        for level, finished in ((1, True), (2, False)):
            started = now - (timedelta(days=1, hours=3) if finished else timedelta(hours=14))
            made = service.exercise_create(db=db, actor=INSTRUCTOR, now=started - timedelta(hours=1),
                                           body=ExerciseCreate.model_validate({
                                               "cohort": COHORT, "title": f"{title['en']} (level {level})",
                                               "titles": {"es": f"{title['es']} (nivel {level})",
                                                          "fr": f"{title['fr']} (niveau {level})"}, "budget": 0,
                                               "size": 8 + 2 * (level - 1), "frauds": 1 + level, "level": level,
                                               "kind": kind}))
            items = selectors.exercise_read(db, made, instructor=True).items
            service.attempt_start(db=db, actor=trainee, exercise=made, now=started)
            at = work(db, made, trainee, items, started, finished)
            if finished:
                service.attempt_finish(db=db, actor=trainee, exercise=made, now=at + timedelta(minutes=1))
    return exercise


def _targeting(db: Session, now: datetime) -> Exercise:
    """The closed targeting exercise the officer worked two days ago."""
    started = now - timedelta(days=2)
    exercise = service.exercise_create(db=db, actor=INSTRUCTOR, now=started, body=ExerciseCreate(
        cohort=COHORT, title="Targeting: find the planted frauds in a day's declarations",
        titles={"es": "Selección: encuentre los fraudes introducidos en las declaraciones de un día",
                "fr": "Ciblage : trouvez les fraudes introduites dans les déclarations d'une journée"},
        budget=6, size=20,
        frauds=5, cases=None))
    items = selectors.exercise_read(db, exercise, instructor=True).items
    frauds = [i.id for i in items if i.truth and i.truth.fraud]
    caught, named = set(frauds[:4]), set(frauds[:3])
    false_alarm = next(i.id for i in items if i.truth and not i.truth.fraud)
    at = started + timedelta(minutes=1)
    service.attempt_start(db=db, actor=TRAINEE, exercise=exercise, now=started)
    for item in items:
        service.item_open(db=db, actor=TRAINEE, exercise=exercise, item_id=item.id, now=at)
        flag = item.id in caught or item.id == false_alarm
        # A named fraud is the planted one; the others are flagged on a wrong guess.
        suspected = (item.truth.fraud_kind if item.truth and item.id in named else "quantity") if flag else None
        at += timedelta(seconds=45 if flag else 30)
        service.decision_record(db=db, actor=TRAINEE, exercise=exercise, item_id=item.id, now=at,
                                body=DecisionCreate.model_validate({"decision": "flag" if flag else "clear",
                                                                    "suspected": suspected}))
        at += timedelta(seconds=15)
    service.attempt_finish(db=db, actor=TRAINEE, exercise=exercise, now=at + timedelta(minutes=1))
    service.exercise_close(db=db, actor=INSTRUCTOR, exercise=exercise, now=now - timedelta(days=1))
    return exercise


def _papers(db: Session, exercise: Exercise, trainee: Principal, items: list[ItemRead], at: datetime,
            finished: bool) -> datetime:
    """Mark the papers' discrepancies: every one but the first, and one value that agrees; unfinished, the
    first half of the queue only."""
    overlooked, falsely_marked = False, False
    for item in items if finished else items[:len(items) // 2]:
        row = db.get(ExerciseItem, item.id)
        case = db.get(TrainingCase, row.case_id) if row is not None else None
        assert row is not None and case is not None  # the item was read from the exercise a moment ago
        points = selectors.points_of(exercise, row, case)
        marks = sorted(p.key for p in points if p.discrepant)
        if marks and not overlooked:
            marks, overlooked = marks[1:], True
        agreeing = [p.key for p in points if not p.discrepant]
        if agreeing and not falsely_marked and len(marks) > 0:
            marks, falsely_marked = [*marks, agreeing[0]], True
        service.item_open(db=db, actor=trainee, exercise=exercise, item_id=item.id, now=at)
        at += timedelta(minutes=3)
        service.decision_record(db=db, actor=trainee, exercise=exercise, item_id=item.id, now=at,
                                body=DecisionCreate(marks=marks))
        at += timedelta(seconds=20)
    return at


def _releases(db: Session, exercise: Exercise, trainee: Principal, items: list[ItemRead], at: datetime,
              finished: bool) -> datetime:
    """Hold the goods something holds and release the others, but release the first held goods (the costly
    slip); unfinished, the first half of the queue only."""
    slipped = False
    for item in items if finished else items[:len(items) // 2]:
        hold = bool(item.truth and item.truth.holding)
        if hold and not slipped:
            hold, slipped = False, True
        service.item_open(db=db, actor=trainee, exercise=exercise, item_id=item.id, now=at)
        at += timedelta(seconds=50)
        service.decision_record(db=db, actor=trainee, exercise=exercise, item_id=item.id, now=at,
                                body=DecisionCreate(decision="flag" if hold else "clear"))
        at += timedelta(seconds=10)
    return at


def _rule(db: Session, exercise: Exercise, trainee: Principal, items: list[ItemRead], at: datetime,
          finished: bool) -> datetime:
    """Write the rule after reading the queue: handed in, the goods and origins the planted frauds declare (the
    pattern an analyst would read off a day's findings); unfinished, a wide first draft still to narrow."""
    at += timedelta(minutes=12)
    service.rule_write(db=db, actor=trainee, exercise=exercise, now=at,
                       body=RuleWrite(expression=_pattern(db, items) if finished else RULE_DRAFT))
    return at


def _pattern(db: Session, items: list[ItemRead]) -> str:
    """A rule selecting the headings and origins the frauds among the items declare."""
    headings, origins = set(), set()
    for item in items:
        row = db.get(ExerciseItem, item.id)
        case = db.get(TrainingCase, row.case_id) if row is not None and item.truth and item.truth.fraud else None
        for line in case.document.get("items", []) if case is not None else []:
            headings.add(str(line.get("hs_code", ""))[:4])
            origins.add(str(line.get("origin_country", "")))
    quoted = {name: ", ".join(f'"{v}"' for v in sorted(values if values else {"none"}))
              for name, values in (("hs4", headings), ("origin", origins))}
    return f"item.hs4 in [{quoted['hs4']}] and item.origin in [{quoted['origin']}]"
