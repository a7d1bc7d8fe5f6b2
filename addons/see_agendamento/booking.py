# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""What a citizen can book and when it is free

The free slots are computed on each request from the site's calendar and
holidays, the booking type's rules and the appointments already made; only
the appointments are stored."""
import datetime as dt

from sql import Conflict, Literal
from sql.conditionals import Coalesce
from sql.functions import CurrentTimestamp

from trytond import backend
from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields)
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.pool import Pool
from trytond.rpc import RPC
from trytond.transaction import Transaction

from .exceptions import BookingTypeValidationError

CHANNELS = [
    ('in_person', "In Person"),
    ('video', "Video"),
    ('both', "In Person or Video"),
    ]
# The states of the appointments that take their slot
TAKING_STATES = ['draft', 'confirmed', 'checked_in', 'done']
# The fields that draw the slots
GRID_FIELDS = {'site', 'duration', 'buffer'}
# The most days a request of the free slots covers
MAX_RANGE_DAYS = 31


class BookingType(ServerReadonly, DeactivableMixin, ModelSQL, ModelView):
    "What a citizen can book: a service at a site, in person or by video"
    __string__ = "Booking Type"
    __name__ = 'see.booking.type'

    name = fields.Char("Name", required=True, translate=True)
    service = fields.Many2One(
        'see.service', "Service", required=True, ondelete='RESTRICT')
    site = fields.Many2One(
        'see.site', "Site", required=True, ondelete='RESTRICT',
        help="The unit that serves the appointments: its calendar and "
        "holidays give the bookable hours, also for video.")
    channel = fields.Selection(CHANNELS, "Channel", required=True)
    duration = fields.Integer(
        "Duration", required=True, domain=[('duration', '>', 0)],
        help="The minutes of one appointment.")
    buffer = fields.Integer(
        "Buffer", required=True, domain=[('buffer', '>=', 0)],
        help="The minutes left free after each appointment.")
    minimum_notice = fields.Integer(
        "Minimum Notice", required=True,
        domain=[('minimum_notice', '>=', 0)],
        help="The minutes between the booking and the appointment at "
        "least.")
    maximum_horizon = fields.Integer(
        "Maximum Horizon", required=True,
        domain=[('maximum_horizon', '>', 0)],
        help="The days ahead a citizen may book.")
    capacity = fields.Integer(
        "Capacity", required=True, domain=[('capacity', '>', 0)],
        help="How many appointments of the same time the site serves at "
        "once (desks or agents).")
    hold_minutes = fields.Integer(
        "Hold", required=True, domain=[('hold_minutes', '>', 0)],
        help="The minutes a slot is kept for a citizen who is confirming "
        "it.")
    late_tolerance = fields.Integer(
        "Late Tolerance", required=True,
        domain=[('late_tolerance', '>=', 0)],
        help="The minutes after the time of the appointment the citizen "
        "may still check in; after them the appointment is a no-show.")
    reminder_hours = fields.Integer(
        "Reminder", required=True, domain=[('reminder_hours', '>=', 0)],
        help="The hours before the appointment the reminder is sent; 0 "
        "for none.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('name', 'ASC'))
        cls.__rpc__.update({
                'slots': RPC(),
                })

    @classmethod
    def default_channel(cls):
        return 'in_person'

    @classmethod
    def default_duration(cls):
        return 30

    @classmethod
    def default_buffer(cls):
        return 0

    @classmethod
    def default_minimum_notice(cls):
        return 60

    @classmethod
    def default_maximum_horizon(cls):
        return 30

    @classmethod
    def default_capacity(cls):
        return 1

    @classmethod
    def default_hold_minutes(cls):
        return 10

    @classmethod
    def default_late_tolerance(cls):
        return 15

    @classmethod
    def default_reminder_hours(cls):
        return 24

    @classmethod
    def validate_fields(cls, types, field_names):
        super().validate_fields(types, field_names)
        for type_ in types:
            if not type_.site.calendar:
                raise BookingTypeValidationError(gettext(
                        'see_agendamento.msg_booking_type_no_calendar',
                        type=type_.rec_name, site=type_.site.rec_name))
            if not type_.site.prefix(type_.service):
                raise BookingTypeValidationError(gettext(
                        'see_agendamento.msg_booking_type_service',
                        type=type_.rec_name, service=type_.service.rec_name,
                        site=type_.site.rec_name))

    @classmethod
    def check_modification(cls, mode, types, values=None, external=False):
        pool = Pool()
        Appointment = pool.get('see.appointment')
        super().check_modification(
            mode, types, values=values, external=external)
        # The slots of the booked appointments must stay slots of the grid
        # (each slot's lock is keyed by its start)
        if mode == 'write' and GRID_FIELDS & set(values or {}):
            booked = Appointment.search([
                    ('booking_type', 'in', [t.id for t in types]),
                    ('state', 'in', ['draft', 'confirmed']),
                    ('start', '>', dt.datetime.now()),
                    ], limit=1)
            if booked:
                raise BookingTypeValidationError(gettext(
                        'see_agendamento.msg_booking_type_booked',
                        type=booked[0].booking_type.rec_name))

    @property
    def channels(self):
        "The channels a citizen may choose for this type"
        if self.channel == 'both':
            return ['in_person', 'video']
        return [self.channel]

    @property
    def step(self):
        return dt.timedelta(minutes=self.duration + self.buffer)

    def bookable_window(self, now=None):
        "The UTC naive earliest and latest start a citizen may book now"
        now = now or dt.datetime.now()
        return (now + dt.timedelta(minutes=self.minimum_notice),
            now + dt.timedelta(days=self.maximum_horizon))

    def grid(self, start_date, end_date):
        """The (start, end) UTC naive times of every slot of the days from
        start_date to end_date (local dates of the site's calendar): each
        opening interval cut in steps of duration and buffer"""
        length = dt.timedelta(minutes=self.duration)
        slots = []
        for opens, closes in self.site.calendar.service_intervals(
                start_date, end_date):
            start = opens
            while start + length <= closes:
                slots.append((start, start + length))
                start += self.step
        return slots

    def is_slot(self, start):
        "Tell if start, UTC naive, begins a slot of the grid"
        day = self.site.calendar.local_date(start)
        return any(s == start for s, _ in self.grid(day, day))

    def taken(self, start, end, exclude=None, now=None):
        """The appointments that take a place between start and end: the
        holds not expired and the bookings, the buffer included"""
        pool = Pool()
        Appointment = pool.get('see.appointment')
        now = now or dt.datetime.now()
        buffer = dt.timedelta(minutes=self.buffer)
        domain = [
            ('booking_type', '=', self.id),
            ('start', '<', end + buffer),
            ('end', '>', start - buffer),
            ('state', 'in', TAKING_STATES),
            ['OR',
                ('state', '!=', 'draft'),
                ('hold_expires', '>', now),
                ],
            ]
        if exclude:
            domain.append(('id', 'not in', [a.id for a in exclude]))
        return Appointment.search(domain)

    def availability(self, start_date, end_date, now=None):
        """The [(start, end, free places)] of the bookable slots of the
        days from start_date to end_date, the full ones left out"""
        pool = Pool()
        Appointment = pool.get('see.appointment')
        now = now or dt.datetime.now()
        earliest, latest = self.bookable_window(now)
        slots = [(s, e) for s, e in self.grid(start_date, end_date)
            if earliest <= s <= latest]
        if not slots:
            return []
        buffer = dt.timedelta(minutes=self.buffer)
        # One query for the appointments of the whole range
        rows = Appointment.search_read([
                ('booking_type', '=', self.id),
                ('start', '<', slots[-1][1] + buffer),
                ('end', '>', slots[0][0] - buffer),
                ('state', 'in', TAKING_STATES),
                ['OR',
                    ('state', '!=', 'draft'),
                    ('hold_expires', '>', now),
                    ],
                ], fields_names=['start', 'end'])
        result = []
        for start, end in slots:
            used = sum(1 for r in rows
                if r['start'] < end + buffer and r['end'] > start - buffer)
            if used < self.capacity:
                result.append((start, end, self.capacity - used))
        return result

    @classmethod
    def slots(cls, booking_type, start_date, end_date):
        """The [start, end, free places] of the bookable slots of
        booking_type (an id) from start_date to end_date, at most a month"""
        if not cls.search([('id', '=', int(booking_type or 0))]):
            return []
        booking_type = cls(int(booking_type))
        if (end_date - start_date).days > MAX_RANGE_DAYS:
            end_date = start_date + dt.timedelta(days=MAX_RANGE_DAYS)
        return [list(s) for s in booking_type.availability(
                start_date, end_date)]

    def lock_slot(self, start):
        """Serialize the bookings of the slot at start

        The slot's lock row is written first: of two transactions racing
        for the same slot the later one waits, then fails to serialize and
        is retried by the dispatcher, when it sees the first's booking."""
        pool = Pool()
        SlotLock = pool.get('see.booking.slot.lock')
        SlotLock.take(self, start)


class SlotLock(ServerReadonly, ModelSQL):
    "A row per booked slot that the bookings of the slot write in turn"
    __string__ = "Booking Slot Lock"
    __name__ = 'see.booking.slot.lock'

    booking_type = fields.Many2One(
        'see.booking.type', "Booking Type", required=True,
        ondelete='CASCADE')
    start = fields.DateTime("Start", required=True)
    bookings = fields.Integer("Bookings", required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('slot_unique', Unique(t, t.booking_type, t.start),
                'see_agendamento.msg_slot_lock_unique'),
            ]

    @classmethod
    def take(cls, booking_type, start):
        table = cls.__table__()
        transaction = Transaction()
        cursor = transaction.connection.cursor()
        user = transaction.user
        if backend.name == 'sqlite':
            # SQLite serializes the writers itself
            return
        cursor.execute(*table.insert(
                [table.create_uid, table.create_date, table.booking_type,
                    table.start, table.bookings],
                [[user, CurrentTimestamp(), booking_type.id, start, 1]],
                on_conflict=Conflict(table,
                    indexed_columns=[table.booking_type, table.start],
                    columns=[table.bookings, table.write_uid,
                        table.write_date],
                    values=[Coalesce(table.bookings, 0) + Literal(1), user,
                        CurrentTimestamp()])))
