# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"Helpers of the appointments' tests: a real SMTP server, a real race"
import datetime as dt
import socket
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from trytond import backend, config
from trytond.exceptions import UserError
from trytond.pool import Pool
from trytond.transaction import Transaction


class _Inbox:
    "The aiosmtpd handler that keeps the messages it receives"

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            message_from_bytes(envelope.content, policy=policy.default))
        return '250 Message accepted'


def start_smtp(sender='agendamento@see.pe.gov.br'):
    """Start an SMTP server on loopback and point trytond's [email] at it;
    return the server (stop() it) and the list of messages it received"""
    inbox = _Inbox()
    # aiosmtpd checks its server by connecting to the port it was given
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname='127.0.0.1', port=port)
    controller.start()
    config.set('email', 'uri', 'smtp://127.0.0.1:%s' % port)
    config.set('email', 'from', sender)
    return controller, inbox.messages


def body(message):
    return message.get_body(preferencelist=('plain',)).get_content()


def race_for_slot(database, user, booking_type, channel, start, requesters,
        retries=5):
    """Book the slot at start for each requester at once, each in its own
    transaction and thread, as two RPC calls would, and return the outcome
    of each: the booked appointment's id or the message refusing it

    Every racer reads the database before the first one commits, so that
    none would see the others' bookings without the slot's lock. A racer
    failing to serialize is retried as trytond's dispatcher does."""
    count = len(requesters)
    snapshots = threading.Barrier(count)
    outcomes = [None] * count

    def run(index, requester):
        first = True
        for _ in range(retries + 1):
            with Transaction().start(database, user) as transaction, \
                    transaction.set_context(
                        Pool().get('res.user').get_preferences(
                            context_only=True)):
                pool = Pool()
                Appointment = pool.get('see.appointment')
                try:
                    # Take the transaction's snapshot, then wait for all
                    Appointment.search([], limit=1)
                    if first:
                        first = False
                        snapshots.wait(timeout=30)
                    appointment = Appointment.book(
                        booking_type, channel, start, requester)
                    Appointment.confirm([appointment])
                    outcomes[index] = appointment.id
                    transaction.commit()
                    return
                except backend.DatabaseOperationalError:
                    transaction.rollback()
                    continue
                except UserError as error:
                    transaction.rollback()
                    outcomes[index] = error.message
                    return
        outcomes[index] = 'not serialized after %s retries' % retries

    threads = [threading.Thread(target=run, args=(i, r))
        for i, r in enumerate(requesters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def run_process(database, method, **kwargs):
    """Run a process of the appointments as its cron does, in a
    transaction of its own; now, when given, is the time of the run"""
    with Transaction().start(database, 0) as transaction:
        pool = Pool()
        Appointment = pool.get('see.appointment')
        getattr(Appointment, method)(**kwargs)
        transaction.commit()


def always_open_site(admin, service, name, code, **booking):
    """Create, through the proteus connection admin, a unit open every day
    all day (a test or a load runs at any hour) offering service with the
    given prefix-less line, and its booking type of values booking; return
    the booking type and the site"""
    Calendar = admin.get('see.sla.calendar')
    Service = admin.get('see.service')
    Site = admin.get('see.site')
    BookingType = admin.get('see.booking.type')
    calendar = Calendar(name="Sempre aberto (%s)" % code,
        start_time=dt.time(0, 0), end_time=dt.time(23, 59, 59),
        holiday_country=None, holiday_subdivision=None)
    for day in ['monday', 'tuesday', 'wednesday', 'thursday', 'friday',
            'saturday', 'sunday']:
        setattr(calendar, day, True)
    calendar.save()
    site = Site(name=name, code=code, calendar=calendar)
    line = site.services.new()
    line.service = Service(service)
    line.prefix = 'MAT'
    site.save()
    booking_type = BookingType(name="Matrícula", service=Service(service),
        site=site, buffer=0, minimum_notice=0, **booking)
    booking_type.save()
    return booking_type, site
