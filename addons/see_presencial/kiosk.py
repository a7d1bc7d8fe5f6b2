# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"Tickets issued by the kiosk of a site, and the waiting estimate"
import math

from trytond import config
from trytond.i18n import gettext
from trytond.model import fields
from trytond.modules.see_atendimento.exceptions import DeviceRateError
from trytond.modules.see_atendimento.party import normalize_cpf
from trytond.pool import Pool, PoolMeta

from .exceptions import DevicePageError, TicketValidationError

NAME_SIZE = 100


def kiosk_rate():
    "Tickets a kiosk may issue per minute"
    return config.getint('see_presencial', 'kiosk_tickets', default=20)


def _id(value):
    "The integer id of a JSON value, or None"
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return None
    try:
        value = int(value)
    except ValueError:
        return None
    return value if 0 < value < 2 ** 31 else None


def _text(value):
    if value is None:
        return ''
    return value.strip() if isinstance(value, str) else str(value).strip()


class Ticket(metaclass=PoolMeta):
    __name__ = 'see.ticket'

    issued_device = fields.Many2One(
        'see.device', "Issued by Device", readonly=True,
        ondelete='RESTRICT', help="The kiosk that issued the ticket.")

    @classmethod
    def copy(cls, tickets, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('issued_device', None)
        return super().copy(tickets, default=default)

    @classmethod
    def issue_from_device(cls, device, service, priority=None, cpf=None,
            name=None):
        """Issue at the kiosk device a ticket of service (an id), with the
        priority (an id or None), the CPF and the name given (optional)

        Everything is checked before the ticket is created; an error
        leaves nothing stored (the caller's transaction is rolled back)."""
        pool = Pool()
        Priority = pool.get('see.ticket.priority')
        Rate = pool.get('see.device.rate')
        if device.kind != 'kiosk' or not device.site:
            raise DevicePageError(gettext(
                    'see_presencial.msg_device_not_kiosk'))
        site = device.site
        offered = {line.service.id for line in site.services}
        service_id = _id(service)
        if service_id not in offered:
            raise TicketValidationError(gettext(
                    'see_presencial.msg_kiosk_service', site=site.rec_name))
        priority_id = None
        if priority not in (None, '', 0, False):
            priority_id = _id(priority)
            if not priority_id or not Priority.search(
                    [('id', '=', priority_id)], limit=1):
                raise TicketValidationError(gettext(
                        'see_presencial.msg_kiosk_priority'))
        cpf = _text(cpf)
        if cpf:
            if not normalize_cpf(cpf):
                raise TicketValidationError(gettext(
                        'see_presencial.msg_ticket_invalid_cpf', cpf=cpf))
            cpf = normalize_cpf(cpf)
        name = _text(name)
        if len(name) > NAME_SIZE:
            raise TicketValidationError(gettext(
                    'see_presencial.msg_kiosk_name_size', size=NAME_SIZE))
        # Counted with the ticket: a refusal is rolled back with it
        if not Rate.hit(f'kiosk:{device.id}', kiosk_rate()):
            raise DeviceRateError(gettext('see_presencial.msg_kiosk_rate'))
        ticket, = cls.create([{
                    'site': site.id,
                    'service': service_id,
                    'priority': priority_id,
                    'requester_cpf': cpf or None,
                    'requester_name': name or None,
                    'issued_device': device.id,
                    }])
        return ticket

    @classmethod
    def kiosk_options(cls, device):
        """What the kiosk page of device offers: the site's services and
        the priority categories (other modules add their own)"""
        Priority = Pool().get('see.ticket.priority')
        site = device.site
        return {
            'site': site.rec_name,
            'services': [{
                    'id': line.service.id,
                    'name': line.service.rec_name,
                    'prefix': line.prefix,
                    } for line in site.services],
            'priorities': [{
                    'id': p.id,
                    'name': p.name,
                    'legal_basis': p.legal_basis or '',
                    } for p in Priority.search([])],
            }

    def waiting_ahead(self):
        """The tickets of the same service waiting to be called before this
        one: for a normal ticket those that arrived before it; for a
        priority ticket those of a higher weight and those of its weight
        that arrived before it"""
        weight = self.priority.weight if self.priority else 0
        domain = [
            ('site', '=', self.site.id),
            ('day', '=', self.day),
            ('service', '=', self.service.id),
            ('state', '=', 'waiting'),
            ('id', '!=', self.id),
            ]
        if weight:
            domain.append(['OR',
                    ('priority.weight', '>', weight),
                    [('priority.weight', '=', weight),
                        ('arrival', '<', self.arrival)],
                    ])
        else:
            domain.append(('arrival', '<', self.arrival))
        return self.search(domain, count=True)

    def waiting_estimate(self, ahead=None):
        """The minutes the ticket may wait, or None when nothing tells

        The one rule of the estimate: the tickets ahead (waiting_ahead)
        times the average attendance time (start to finish) of the
        service's tickets finished today at the site, divided by the desks
        of the site serving the service with an agent on duty, rounded
        up. No estimate before the first attendance of the day is finished
        or without a desk on duty."""
        pool = Pool()
        Desk = pool.get('see.site.desk')
        if ahead is None:
            ahead = self.waiting_ahead()
        finished = self.search([
                ('site', '=', self.site.id),
                ('day', '=', self.day),
                ('service', '=', self.service.id),
                ('state', '=', 'finished'),
                ('start_date', '!=', None),
                ('end_date', '!=', None),
                ])
        desks = Desk.search([
                ('site', '=', self.site.id),
                ('services', '=', self.service.id),
                ('agents', '!=', None),
                ], count=True)
        if not finished or not desks:
            return None
        average = sum((t.end_date - t.start_date).total_seconds()
            for t in finished) / len(finished)
        return math.ceil(ahead * average / desks / 60)

    def receipt(self):
        "What the kiosk prints on the citizen's receipt"
        ahead = self.waiting_ahead()
        return {
            'number': self.number,
            'service': self.service.rec_name,
            'priority': self.priority.name if self.priority else None,
            'site': self.site.rec_name,
            'issue_date': self.issue_date.isoformat(),
            'ahead': ahead,
            'estimate': self.waiting_estimate(ahead),
            }
