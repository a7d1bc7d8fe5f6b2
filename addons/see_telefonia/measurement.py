# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""IAR, INS and IAC of see_sla's measurement, from see.call"""
from trytond.i18n import gettext
from trytond.pool import Pool, PoolMeta

from .call import ABANDONED, ANSWERED


class Measurement(metaclass=PoolMeta):
    __name__ = 'see.sla.measurement'

    def _call_ranges(self, kinds):
        periods = self.get_periods()
        return self.utc_ranges([s for k in kinds for s in periods[k]])

    def _call_counts(self, indicator, kinds):
        pool = Pool()
        Call = pool.get('see.call')
        totals = {}
        ranges = self._call_ranges(kinds)
        # IAR, INS and IAC of one computation often ask for the same
        # counts: each is scanned once a run (see_sla's Counting)
        run = getattr(self, '_counting', None)
        known = run.__dict__.setdefault('call_counts', {}) if run else {}
        for start, end in ranges:
            arguments = (start, end, indicator.wait_seconds or 60,
                indicator.short_abandon_seconds or 0,
                bool(indicator.exclude_short_abandons))
            if arguments not in known:
                known[arguments] = Call.counts(start, end,
                    wait_seconds=arguments[2],
                    short_abandon_seconds=arguments[3],
                    exclude_short_abandons=arguments[4])
            counts = known[arguments]
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
        return totals, ranges

    def _call_domain(self, ranges, *extra):
        domain = [self._domain_ranges('arrival_date', ranges),
            ('direction', '=', 'inbound'),
            ('disposition', '!=', 'in_progress')]
        return domain + list(extra)

    def _no_calls(self, totals):
        return not totals.get('received')

    def count_iar(self, indicator, kinds):
        Counts = _counts_type()
        totals, ranges = self._call_counts(indicator, kinds)
        if self._no_calls(totals):
            return super().count_iar(indicator, kinds)
        answered = ('disposition', 'in', list(ANSWERED))
        human = [answered]
        if not indicator.exclude_short_abandons:
            # Abandons after the short limit count as received by a human
            human = [['OR', answered, [
                        ('disposition', 'in', list(ABANDONED)),
                        ('wait_seconds', '>=',
                            indicator.short_abandon_seconds or 0),
                        ]]]
        return Counts(totals['registered'], totals['human'], 'see.call',
            self._call_domain(ranges, answered, ('protocol', '!=', None)),
            self._call_domain(ranges, *human),
            gettext('see_telefonia.msg_explanation_iar'))

    def count_ins(self, indicator, kinds):
        Counts = _counts_type()
        totals, ranges = self._call_counts(indicator, kinds)
        if self._no_calls(totals):
            return super().count_ins(indicator, kinds)
        wait = indicator.wait_seconds or 60
        answered = [('disposition', 'in', list(ANSWERED)),
            ('queue_date', '!=', None)]
        numerator = self._call_domain(ranges, *answered,
            ('wait_seconds', '<=', wait))
        if indicator.ins_denominator == 'offered':
            denominator = totals['offered_counted']
            domain = self._offered_domain(indicator, ranges)
        else:
            denominator = totals['answered']
            domain = self._call_domain(ranges,
                ('disposition', 'in', list(ANSWERED)))
        return Counts(totals['answered_in_time'], denominator, 'see.call',
            numerator, domain)

    def count_iac(self, indicator, kinds):
        Counts = _counts_type()
        totals, ranges = self._call_counts(indicator, kinds)
        if self._no_calls(totals):
            return super().count_iac(indicator, kinds)
        wait = indicator.wait_seconds or 60
        abandoned = [('disposition', 'in', list(ABANDONED))]
        if indicator.iac_abandoned == 'all':
            # Only the abandons that the denominator counts
            numerator = totals['abandoned']
            domain = self._offered_domain(indicator, ranges) + abandoned
        else:
            numerator = totals['abandoned_after']
            domain = self._call_domain(ranges, *abandoned,
                ('wait_seconds', '>', wait))
        return Counts(numerator, totals['offered_counted'], 'see.call',
            domain, self._offered_domain(indicator, ranges))

    def _offered_domain(self, indicator, ranges):
        "Calls that entered a queue, without the short abandons if excluded"
        offered = [('queue_date', '!=', None)]
        if indicator.exclude_short_abandons:
            offered.append(['OR',
                    ('disposition', 'not in', list(ABANDONED)),
                    ('wait_seconds', '>=',
                        indicator.short_abandon_seconds or 0),
                    ])
        return self._call_domain(ranges, *offered)


def _counts_type():
    from trytond.modules.see_sla.measurement import Counts
    return Counts
