# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The end of a site's day: the tickets left open are closed

A ticket still waiting, called or suspended when its day is over will not
be attended any more: it is cancelled for the reason "end of day", with a
step of its own (close_day) so that reports tell it from a cancellation
asked by the citizen or the desk. A ticket in attendance whose protocol
has ended is finished (the desk forgot the last click). A ticket in
attendance whose protocol is still open is left as it is: the protocol is
the record of what the citizen asked and only the agent who attended can
complete it; the desk stays busy with it, which the supervisor sees, until
the agent ends the protocol and finishes the ticket."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import ModelView, Workflow
from trytond.modules.see_atendimento.protocol import ENDED_STATES
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import SiteClosedError

# The states of a ticket that the end of its day cancels
CANCELLED_AT_DAY_END = {'waiting', 'called', 'suspended'}


class Site(metaclass=PoolMeta):
    __name__ = 'see.site'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._buttons.update({
                'close_day': {
                    'invisible': ~Eval('active', True),
                    'icon': 'tryton-close',
                    'depends': ['active'],
                    },
                })

    @classmethod
    @ModelView.button
    def close_day(cls, sites):
        """Close today's tickets left open at each site, once the site has
        closed (at any time for a site without calendar)"""
        pool = Pool()
        Ticket = pool.get('see.ticket')
        now = dt.datetime.now()
        for site in sites:
            closes = site.closing_time(now)
            if closes:
                raise SiteClosedError(gettext(
                        'see_presencial.msg_site_close_day_open',
                        site=site.rec_name,
                        closes=site.format_local(closes)))
        for site in sites:
            Ticket.close_day(site, site.today())


class Ticket(metaclass=PoolMeta):
    __name__ = 'see.ticket'

    @classmethod
    def close_past_days(cls):
        "Close the tickets of the days before today left open at every site"
        pool = Pool()
        Site = pool.get('see.site')
        with Transaction().set_context(active_test=False):
            sites = Site.search([])
        for site in sites:
            cls.close_day(site, site.today() - dt.timedelta(days=1))

    @classmethod
    def close_day(cls, site, last_day):
        """Close the tickets of site of last_day and before left open

        Returns the tickets left in attendance with their protocol open.
        Running it again changes nothing."""
        pool = Pool()
        Configuration = pool.get('ir.configuration')
        tickets = cls.search([
                ('site', '=', site.id),
                ('day', '<=', last_day),
                ('state', 'in', list(CANCELLED_AT_DAY_END | {'attending'})),
                ], order=[('id', 'ASC')])
        to_cancel = [t for t in tickets if t.state in CANCELLED_AT_DAY_END]
        to_finish, left = [], []
        for ticket in tickets:
            if ticket.state == 'attending':
                if ticket.protocol and ticket.protocol.state in ENDED_STATES:
                    to_finish.append(ticket)
                else:
                    left.append(ticket)
        if to_cancel:
            # A stored reason: in the database's language, not the user's
            with Transaction().set_context(
                    language=Configuration.get_language()):
                reason = gettext('see_presencial.msg_ticket_close_day_reason')
            cls._close_day_cancel(to_cancel, reason)
        if to_finish:
            cls._close_day_finish(to_finish)
        return left

    @classmethod
    @Workflow.transition('cancelled')
    def _close_day_cancel(cls, tickets, reason):
        cls._save_step(tickets, 'cancelled', 'close_day', reason,
            cancel_reason=reason, end_date=dt.datetime.now())

    @classmethod
    @Workflow.transition('finished')
    def _close_day_finish(cls, tickets):
        now = dt.datetime.now()
        for ticket in tickets:
            # The attendance ended with its protocol
            ticket.end_date = ticket.protocol.end_date or now
        cls._save_step(tickets, 'finished', 'close_day')


class TicketEvent(metaclass=PoolMeta):
    __name__ = 'see.ticket.event'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.action.selection.append(('close_day', "Closed at Day End"))


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('see.ticket|close_past_days',
                "Close the Tickets of Past Days Left Open"))
