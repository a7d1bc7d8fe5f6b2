# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Pure functions of the SLA rules of Annex A.

Nothing here touches the database: the measurement gathers counts with SQL
and hands them to these functions, which the tests check against cases
computed by hand.
"""
import datetime as dt
from collections import namedtuple
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

CENT = Decimal('0.01')
HUNDRED = Fraction(100)

Band = namedtuple('Band', ['threshold', 'strict', 'points', 'name'])


def ratio(numerator, denominator):
    """Return numerator / denominator × 100 as an exact Fraction

    None when there is nothing to divide by (no records)."""
    if numerator is None or denominator is None or not denominator:
        return None
    return Fraction(numerator) * HUNDRED / Fraction(denominator)


def to_decimal(value, digits=2):
    "Round an exact value half up to digits decimals"
    if value is None:
        return None
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    exp = Decimal(1).scaleb(-digits)
    return Decimal(value).quantize(exp, rounding=ROUND_HALF_UP)


def find_band(value, bands, higher_is_better=True):
    """Return the band of value (an exact Fraction)

    bands are ordered from the best (no glosa) to the worst. Each band
    holds only the limit that separates it from the next worse band: its
    lower limit when higher is better, its upper limit when lower is
    better; a band without limit takes every value left. The value is
    compared with the limits from the best band to the worst and the first
    band reached is returned. So a value in a gap of the seed's table (IAR
    86.5 % between "94 % a 87 %" and "86 % a 80 %") falls in the worse of
    the two bands and a value on a limit shared by two overlapping bands
    (INS 77 % in "84 % a 77 %" and "77 % a 70 %") in the better one.
    The comparison uses the exact value, never a rounded one."""
    if value is None:
        return None
    for band in bands:
        if band.threshold is None:
            return band
        limit = Fraction(Decimal(band.threshold))
        if higher_is_better:
            reached = value > limit if band.strict else value >= limit
        else:
            reached = value < limit if band.strict else value <= limit
        if reached:
            return band
    return None


def glosa_percentage(points, rows, beyond='last'):
    """Return the glosa percentage of a total of points

    rows are (points, percentage) of the glosa table. A total takes the
    percentage of the highest row that it reaches (a total between two
    rows takes the lower row: 119 points -> 5 %), a total below the first
    row has no glosa. Above the last row, 'last' keeps the last row's
    percentage (the seed's table stops at 300 points) and 'extend'
    continues with the step between the last two rows (330 -> 45 %)."""
    rows = sorted((int(p), Decimal(v)) for p, v in rows)
    result = Decimal(0)
    for row_points, percentage in rows:
        if points >= row_points:
            result = percentage
    if beyond == 'extend' and len(rows) >= 2 and points > rows[-1][0]:
        (p1, v1), (p2, v2) = rows[-2], rows[-1]
        step = p2 - p1
        if step > 0:
            result = v2 + (v2 - v1) * ((points - p2) // step)
    return result


def paid_quantity(basis, billable, ordered):
    """Return the quantity of an item paid in the month by the contract's
    billing basis: the billable attendances limited to the service orders'
    estimate (capped), all of them (realized) or the estimate (ordered)"""
    if basis == 'ordered':
        return ordered
    if basis == 'capped':
        return min(billable, ordered)
    if basis == 'realized':
        return billable
    raise ValueError("unknown billing basis %r" % basis)


def round_cents(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def amounts(lines, glosa_percent):
    """Return (gross, glosa, net) to the cent

    lines are (quantity, unit price); each line's amount is rounded to the
    cent before being summed, the glosa is rounded once on the gross."""
    gross = sum(
        (round_cents(Decimal(q) * Decimal(p)) for q, p in lines),
        Decimal('0.00'))
    glosa = round_cents(gross * Decimal(glosa_percent) / 100)
    return gross, glosa, gross - glosa


def add_months(date, months):
    "Return date moved by months, clamped to the end of the month"
    month = date.month - 1 + months
    year = date.year + month // 12
    month = month % 12 + 1
    day = min(date.day, month_end(dt.date(year, month, 1)).day)
    return dt.date(year, month, day)


def month_start(date):
    return date.replace(day=1)


def month_end(date):
    return add_months_first(date, 1) - dt.timedelta(days=1)


def add_months_first(date, months):
    month = date.month - 1 + months
    return dt.date(date.year + month // 12, month % 12 + 1, 1)


def month_index(operation_start, month):
    "Return the number of month in the operation (1 = month of the start)"
    return ((month.year - operation_start.year) * 12
        + month.month - operation_start.month + 1)


def in_force(operation_start, month, months_after):
    """Tell if an indicator that starts "after the first N months of
    operation" counts in month: the whole month must begin on or after
    the operation start plus N months"""
    if not months_after:
        return month_end(month) >= operation_start
    return month_start(month) >= add_months(operation_start, months_after)


def evaluation_window(operation_start, month, periodicity, mode='closing'):
    """Return (first month, last month, evaluated) of the counting window

    A monthly indicator counts the month itself. For a periodicity of N
    months, 'closing' evaluates only the month that closes each period of
    N months counted from the start of operation, over those N months;
    other months are shown but not evaluated. 'rolling' evaluates every
    month over the last N months (never before the start of operation)."""
    month = month_start(month)
    if not periodicity or periodicity <= 1:
        return month, month, True
    index = month_index(operation_start, month)
    first = add_months_first(month, -(periodicity - 1))
    start = month_start(operation_start)
    if first < start:
        first = start
    if mode == 'rolling':
        return first, month, True
    if index < 1:
        return month, month, False
    evaluated = index % periodicity == 0
    if not evaluated:
        first = add_months_first(
            month, -((index - 1) % periodicity))
    return first, month, evaluated


def add_working_days(date, days, is_working_day):
    "Return the date days working days after date"
    count = 0
    while count < days:
        date += dt.timedelta(days=1)
        if is_working_day(date):
            count += 1
    return date


def merge_intervals(intervals):
    "Merge overlapping (start, end) intervals"
    result = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def overlap_seconds(intervals, others):
    "Return the seconds of intervals covered by others (both merged)"
    total = 0
    for start, end in merge_intervals(intervals):
        for o_start, o_end in merge_intervals(others):
            low, high = max(start, o_start), min(end, o_end)
            if high > low:
                total += (high - low).total_seconds()
    return int(total)


def availability(service, outages):
    """Return (available seconds, service seconds) of the service
    intervals minus the outages that fall inside them"""
    service = merge_intervals(service)
    total = int(sum((e - s).total_seconds() for s, e in service))
    return total - overlap_seconds(service, outages), total
