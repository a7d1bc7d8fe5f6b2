# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The queue-ordering rule of a service site: one rule, in one place

Which waiting ticket a desk calls next:

1. A scheduled ticket whose time has come goes first, the earliest
   scheduled time first (then arrival). Before its time a scheduled ticket
   queues like any other, by its priority and arrival.
2. Otherwise, when both priority tickets (category of weight above 0) and
   normal tickets wait, the site's ratio decides the class: after
   `priority_ratio` priority calls in a row a normal ticket is called, and
   after `normal_ratio` normal calls in a row a priority ticket again
   (2:1 calls P, P, N, P, P, N…). The calls counted are the site's latest
   first calls of the day, scheduled ones left out; without any, priority
   goes first. When only one class waits, it is called.
3. Within the priority class the highest weight goes first (80+ before
   60+), then the earliest arrival; within the normal class, the earliest
   arrival. Ties are broken by the ticket's id (issue order).

A transferred or resumed ticket keeps its arrival (and priority): in its
new queue it goes ahead of every ticket that arrived after it.
"""
from typing import NamedTuple, Optional
import datetime as dt

SCHEDULED = 'scheduled'
PRIORITY = 'priority'
NORMAL = 'normal'


class Candidate(NamedTuple):
    "A waiting ticket as the rule sees it"
    id: int
    arrival: dt.datetime
    weight: int = 0
    scheduled: Optional[dt.datetime] = None


def queue_class(candidate, now):
    "The class of a waiting ticket at now: scheduled, priority or normal"
    if candidate.scheduled is not None and candidate.scheduled <= now:
        return SCHEDULED
    return PRIORITY if (candidate.weight or 0) > 0 else NORMAL


def due_class(recent, priority_ratio, normal_ratio):
    """The class (priority or normal) to call when both wait, from recent:
    the classes of the latest calls, the latest last"""
    streak_class, streak = None, 0
    for class_ in reversed(recent):
        if class_ not in {PRIORITY, NORMAL}:
            continue
        if streak_class is None:
            streak_class = class_
        elif class_ != streak_class:
            break
        streak += 1
    if streak_class == PRIORITY and streak >= priority_ratio:
        return NORMAL
    if streak_class == NORMAL and streak < normal_ratio:
        return NORMAL
    return PRIORITY


def pick_next(candidates, now, recent=(), priority_ratio=2, normal_ratio=1):
    """Return the candidate to call next and its class, or (None, None)

    recent: the classes of the site's latest calls, the latest last."""
    classes = {c.id: queue_class(c, now) for c in candidates}
    due = [c for c in candidates if classes[c.id] == SCHEDULED]
    if due:
        return min(due, key=lambda c: (c.scheduled, c.arrival, c.id)), (
            SCHEDULED)
    priority = [c for c in candidates if classes[c.id] == PRIORITY]
    normal = [c for c in candidates if classes[c.id] == NORMAL]
    if priority and normal:
        class_ = due_class(recent, priority_ratio, normal_ratio)
    elif priority:
        class_ = PRIORITY
    elif normal:
        class_ = NORMAL
    else:
        return None, None
    if class_ == PRIORITY:
        return min(priority, key=lambda c: (-c.weight, c.arrival, c.id)), (
            PRIORITY)
    return min(normal, key=lambda c: (c.arrival, c.id)), NORMAL


def order_queue(candidates, now, recent=(), priority_ratio=2,
        normal_ratio=1):
    """The order in which the candidates would be called from now, if
    nobody else arrived: the rule of pick_next applied again and again"""
    remaining = list(candidates)
    recent = list(recent)
    order = []
    while remaining:
        candidate, class_ = pick_next(
            remaining, now, recent, priority_ratio, normal_ratio)
        order.append(candidate.id)
        recent.append(class_)
        remaining.remove(candidate)
    return order
