# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""A citizen's appointment: held while confirming, booked, then checked in
at the site (a scheduled ticket) or attended by video"""
import datetime as dt
import secrets

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.see_atendimento.integrity import ServerReadonly
from trytond.modules.see_atendimento.party import normalize_cpf
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.rpc import RPC
from trytond.transaction import Transaction, without_check_access

from .exceptions import (
    AppointmentError, AppointmentValidationError, SlotTakenError)
from .notification import notice_language, notify

STATES = [
    ('draft', "Held"),
    ('confirmed', "Confirmed"),
    ('checked_in', "Checked In"),
    ('no_show', "No-Show"),
    ('cancelled', "Cancelled"),
    ('done', "Done"),
    ]
CHANNELS = [
    ('in_person', "In Person"),
    ('video', "Video"),
    ]
# How long before the time of an appointment its citizen may check in
CHECK_IN_EARLY = dt.timedelta(hours=2)


class Appointment(ServerReadonly, Workflow, ModelSQL, ModelView):
    """An appointment of a citizen

    The slot (type, channel, start) is chosen when the hold is made and
    changed only by a reschedule; the number, token and dates are written
    by the workflow."""
    __string__ = "Appointment"
    __name__ = 'see.appointment'
    _rec_name = 'number'
    _history = True

    _open = {'readonly': ~Eval('state').in_(['draft', 'confirmed'])}

    number = fields.Char("Number", readonly=True)
    booking_type = fields.Many2One(
        'see.booking.type', "Booking Type", required=True,
        ondelete='RESTRICT', readonly=True)
    site = fields.Many2One(
        'see.site', "Site", readonly=True, ondelete='RESTRICT')
    service = fields.Many2One(
        'see.service', "Service", readonly=True, ondelete='RESTRICT')
    channel = fields.Selection(
        CHANNELS, "Channel", required=True, readonly=True)
    channel_string = channel.translated('channel')
    start = fields.DateTime("Start", required=True, readonly=True)
    end = fields.DateTime("End", required=True, readonly=True)
    requester_name = fields.Char("Name", states=_open)
    requester_cpf = fields.Char("CPF", states=_open)
    requester_email = fields.Char("E-mail", states=_open)
    requester_phone = fields.Char("Phone", states=_open)
    hold_expires = fields.DateTime(
        "Hold Expires", readonly=True,
        help="The held slot is freed at this time unless confirmed.")
    token = fields.Char("Token", readonly=True)
    room_token = fields.Char(
        "Room Token", readonly=True,
        help="The agent's key to the video room.")
    confirm_date = fields.DateTime("Confirmed", readonly=True)
    check_in_date = fields.DateTime("Checked In", readonly=True)
    reminder_date = fields.DateTime("Reminder Sent", readonly=True)
    reschedule_count = fields.Integer("Reschedules", readonly=True)
    cancel_reason = fields.Text("Cancellation Reason", readonly=True)
    ticket = fields.Many2One(
        'see.ticket', "Ticket", readonly=True, ondelete='RESTRICT')
    protocol = fields.Many2One(
        'see.protocol', "Protocol", readonly=True, ondelete='RESTRICT',
        help="The protocol of the video attendance.")
    recording_consent = fields.Selection([
            (None, "Not Asked"),
            ('granted', "Granted"),
            ('refused', "Refused"),
            ], "Consent to Record", readonly=True,
        help="The citizen's answer, in the video room, to the recording of "
        "the attendance.")
    recording_consent_date = fields.DateTime(
        "Consent to Record Answered", readonly=True)
    chat = fields.One2Many(
        'see.appointment.chat', 'appointment', "Video Chat", readonly=True)
    state = fields.Selection(
        STATES, "State", readonly=True, required=True, sort=False)
    state_string = state.translated('state')

    del _open

    @classmethod
    def __register__(cls, module_name):
        table_h = cls.__table_handler__(module_name)
        # Migration: consent_date was the answer to the recording before
        # it became the acceptance of the privacy notice (with its version)
        if (table_h.column_exist('consent_date')
                and not table_h.column_exist('consent_version')
                and not table_h.column_exist('recording_consent_date')):
            table_h.column_rename('consent_date', 'recording_consent_date')
        super().__register__(module_name)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints = [
            ('token_unique', Unique(t, t.token),
                'see_agendamento.msg_appointment_token_unique'),
            ]
        cls._sql_indexes.update({
                Index(t,
                    (t.booking_type, Index.Equality()),
                    (t.start, Index.Range())),
                Index(t, (t.token, Index.Equality())),
                Index(t, (t.room_token, Index.Equality())),
                Index(t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(['draft', 'confirmed'])),
                })
        cls._order = [('start', 'ASC'), ('id', 'ASC')]
        cls._transitions |= {
            ('draft', 'confirmed'),
            ('draft', 'cancelled'),
            ('confirmed', 'cancelled'),
            ('confirmed', 'checked_in'),
            ('confirmed', 'no_show'),
            ('confirmed', 'done'),
            ('checked_in', 'done'),
            }
        cls._buttons.update({
                'confirm': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'confirmed']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'check_in': {
                    'invisible': ((Eval('state') != 'confirmed')
                        | (Eval('channel') != 'in_person')),
                    'icon': 'tryton-forward',
                    'depends': ['state', 'channel'],
                    },
                'no_show': {
                    'invisible': Eval('state') != 'confirmed',
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                'start_video': {
                    'invisible': ((Eval('state') != 'confirmed')
                        | (Eval('channel') != 'video')),
                    'icon': 'tryton-launch',
                    'depends': ['state', 'channel'],
                    },
                'finish': {
                    'invisible': ~Eval('state').in_(
                        ['confirmed', 'checked_in']),
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                })
        cls.__rpc__.update({
                'book': RPC(readonly=False,
                    result=lambda a: a.id if a else None),
                'reschedule': RPC(readonly=False, instantiate=0),
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_reschedule_count(cls):
        return 0

    @fields.depends('requester_cpf')
    def on_change_requester_cpf(self):
        cpf = normalize_cpf(self.requester_cpf)
        if cpf:
            self.requester_cpf = cpf

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('requester_cpf'):
            cpf = normalize_cpf(values['requester_cpf'])
            if cpf:
                values['requester_cpf'] = cpf
        if values.get('requester_email'):
            values['requester_email'] = values['requester_email'].strip()
        return values

    @classmethod
    def validate_fields(cls, appointments, field_names):
        super().validate_fields(appointments, field_names)
        if not field_names or 'requester_cpf' in field_names:
            for appointment in appointments:
                if (appointment.requester_cpf
                        and not normalize_cpf(appointment.requester_cpf)):
                    raise AppointmentValidationError(gettext(
                            'see_agendamento.msg_appointment_invalid_cpf',
                            cpf=appointment.requester_cpf))
        if not field_names or 'requester_email' in field_names:
            for appointment in appointments:
                email = appointment.requester_email
                if email and ('@' not in email or ' ' in email
                        or '.' not in email.rsplit('@', 1)[-1]):
                    raise AppointmentValidationError(gettext(
                            'see_agendamento.msg_appointment_invalid_email',
                            email=email))

    @classmethod
    def copy(cls, appointments, default=None):
        if appointments:
            raise AppointmentError(
                gettext('see_agendamento.msg_appointment_copy'))
        return []

    @classmethod
    def check_modification(
            cls, mode, appointments, values=None, external=False):
        super().check_modification(
            mode, appointments, values=values, external=external)
        if mode == 'create' and external:
            raise AppointmentError(
                gettext('see_agendamento.msg_appointment_create'))
        if mode == 'delete' and external:
            raise AppointmentError(
                gettext('see_agendamento.msg_appointment_delete'))

    # Booking -------------------------------------------------------------

    @classmethod
    def _check_slot(cls, booking_type, channel, start, exclude=None):
        """Refuse a slot that is not bookable now or is full, saying which
        and what to do; return its end"""
        if channel not in booking_type.channels:
            raise AppointmentError(gettext(
                    'see_agendamento.msg_appointment_channel',
                    type=booking_type.rec_name))
        now = dt.datetime.now()
        earliest, latest = booking_type.bookable_window(now)
        site = booking_type.site
        if start < earliest:
            raise AppointmentError(gettext(
                    'see_agendamento.msg_appointment_notice',
                    start=site.format_local(start),
                    minutes=booking_type.minimum_notice))
        if start > latest:
            raise AppointmentError(gettext(
                    'see_agendamento.msg_appointment_horizon',
                    start=site.format_local(start),
                    days=booking_type.maximum_horizon))
        if not booking_type.is_slot(start):
            raise AppointmentError(gettext(
                    'see_agendamento.msg_appointment_not_slot',
                    start=site.format_local(start),
                    type=booking_type.rec_name))
        end = start + dt.timedelta(minutes=booking_type.duration)
        booking_type.lock_slot(start)
        taken = booking_type.taken(start, end, exclude=exclude, now=now)
        if len(taken) >= booking_type.capacity:
            raise SlotTakenError(gettext(
                    'see_agendamento.msg_appointment_slot_taken',
                    start=site.format_local(start)))
        return end

    @classmethod
    def book(cls, booking_type, channel, start, requester=None):
        """Hold the slot of booking_type at start (UTC naive) for channel
        and return the held appointment; requester, a dict of the
        requester_* fields, may be given at once"""
        pool = Pool()
        BookingType = pool.get('see.booking.type')
        ModelAccess = pool.get('ir.model.access')
        # Who may change appointments may book them
        ModelAccess.check(cls.__name__, 'write')
        if booking_type is None:
            return None
        booking_type = BookingType(int(booking_type))
        if not booking_type.active:
            raise AppointmentError(gettext(
                    'see_agendamento.msg_appointment_type_inactive',
                    type=booking_type.rec_name))
        end = cls._check_slot(booking_type, channel, start)
        values = {
            'booking_type': booking_type.id,
            'site': booking_type.site.id,
            'service': booking_type.service.id,
            'channel': channel,
            'start': start,
            'end': end,
            'hold_expires': dt.datetime.now() + dt.timedelta(
                minutes=booking_type.hold_minutes),
            'token': secrets.token_urlsafe(24),
            }
        for name, value in (requester or {}).items():
            if name in {'requester_name', 'requester_cpf', 'requester_email',
                    'requester_phone'}:
                values[name] = value
        with without_check_access():
            appointment, = cls.create([values])
        return appointment

    @classmethod
    def reschedule(cls, appointments, start, channel=None):
        "Move each appointment to the slot at start (and channel)"
        pool = Pool()
        ModelAccess = pool.get('ir.model.access')
        ModelAccess.check(cls.__name__, 'write')
        for appointment in appointments:
            appointment.reschedule_to(start, channel)

    def reschedule_to(self, start, channel=None):
        """Move the appointment to the slot at start (and channel), if it is
        free; the old slot is freed in the same transaction"""
        if self.state not in {'draft', 'confirmed'}:
            raise AppointmentError(gettext(
                    'see_agendamento.msg_appointment_reschedule_state',
                    appointment=self.rec_name))
        channel = channel or self.channel
        end = self._check_slot(
            self.booking_type, channel, start, exclude=[self])
        old = self.site.format_local(self.start)
        self.start, self.end, self.channel = start, end, channel
        self.reschedule_count = (self.reschedule_count or 0) + 1
        self.reminder_date = None
        self.save()
        if self.state == 'confirmed':
            notify(self, 'rescheduled', old=old)

    # Workflow ------------------------------------------------------------

    @classmethod
    @ModelView.button
    @Workflow.transition('confirmed')
    def confirm(cls, appointments):
        "Book the held slots: the requester must be identified"
        pool = Pool()
        ModelData = pool.get('ir.model.data')
        Sequence = pool.get('ir.sequence')
        now = dt.datetime.now()
        with without_check_access():
            sequence = Sequence(ModelData.get_id(
                    'see_agendamento', 'sequence_appointment'))
        for appointment in appointments:
            for name in ['requester_name', 'requester_cpf']:
                if not getattr(appointment, name):
                    raise AppointmentError(gettext(
                            'see_agendamento.msg_appointment_required',
                            field=cls.__names__(field=name)['field']))
            if not (appointment.requester_email
                    or appointment.requester_phone):
                raise AppointmentError(gettext(
                        'see_agendamento.msg_appointment_contact'))
            if appointment.hold_expires <= now:
                # The hold lapsed: the slot is kept only if still free
                cls._check_slot(appointment.booking_type, appointment.channel,
                    appointment.start, exclude=[appointment])
            appointment.hold_expires = None
            appointment.confirm_date = now
            if not appointment.number:
                with without_check_access():
                    appointment.number = sequence.get()
        cls.save(appointments)
        for appointment in appointments:
            notify(appointment, 'confirmed')

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, appointments, reason=None):
        "Free the slots"
        for appointment in appointments:
            appointment.hold_expires = None
            if reason:
                appointment.cancel_reason = reason
        cls.save(appointments)
        for appointment in appointments:
            if appointment.confirm_date:
                notify(appointment, 'cancelled')

    @classmethod
    @ModelView.button
    @Workflow.transition('checked_in')
    def check_in(cls, appointments):
        """Issue the citizen a ticket of the appointment's service, called
        before the others from the time of the appointment"""
        pool = Pool()
        Ticket = pool.get('see.ticket')
        now = dt.datetime.now()
        for appointment in appointments:
            if appointment.channel != 'in_person':
                raise AppointmentError(gettext(
                        'see_agendamento.msg_appointment_check_in_video',
                        appointment=appointment.rec_name))
            site = appointment.site
            if now < appointment.start - CHECK_IN_EARLY:
                raise AppointmentError(gettext(
                        'see_agendamento.msg_appointment_check_in_early',
                        appointment=appointment.rec_name,
                        start=site.format_local(appointment.start)))
            limit = appointment.start + dt.timedelta(
                minutes=appointment.booking_type.late_tolerance)
            if now > limit:
                raise AppointmentError(gettext(
                        'see_agendamento.msg_appointment_check_in_late',
                        appointment=appointment.rec_name,
                        start=site.format_local(appointment.start),
                        limit=site.format_local(limit)))
        with without_check_access():
            tickets = Ticket.create([{
                        'site': a.site.id,
                        'service': a.service.id,
                        'requester_name': a.requester_name,
                        'requester_cpf': a.requester_cpf,
                        'scheduled_time': a.start,
                        } for a in appointments])
        for appointment, ticket in zip(appointments, tickets):
            appointment.ticket = ticket
            appointment.check_in_date = now
        cls.save(appointments)

    @classmethod
    def check_in_at_kiosk(cls, device, code, now=None):
        """Check in at the kiosk device the citizen of code, the number of
        their appointment or their CPF: their in-person appointment of
        now at the device's site; return the ticket. Too early, too late
        and not found are told apart (of the appointments of a day either
        side)."""
        given = (code or '').strip()[:20]
        if not given:
            raise AppointmentValidationError(gettext(
                    'see_agendamento.msg_kiosk_code_required'))
        digits = ''.join(c for c in given if c.isdigit())
        if given.upper().startswith('AG'):
            criterion = ('number', '=', given.upper().replace(' ', ''))
        elif len(digits) == 11 and not normalize_cpf(given):
            raise AppointmentValidationError(gettext(
                    'see_agendamento.msg_appointment_invalid_cpf',
                    cpf=given))
        else:
            criterion = ('requester_cpf', '=', normalize_cpf(given) or '-')
        site = device.site
        now = now or dt.datetime.now()
        appointments = cls.search([
                ('site', '=', site.id),
                ('channel', '=', 'in_person'),
                ('state', '=', 'confirmed'),
                criterion,
                ('start', '>=', now - dt.timedelta(days=1)),
                ('start', '<=', now + dt.timedelta(days=1)),
                ], order=[('start', 'ASC')])
        if not appointments:
            raise AppointmentError(gettext(
                    'see_agendamento.msg_kiosk_not_found',
                    site=site.rec_name))

        def when(at):
            "The time at the site, with the date when not today"
            text = site.format_local(at)
            today = site.format_local(now)
            return text[-5:] if text[:-5] == today[:-5] else text
        for appointment in appointments:
            limit = appointment.start + dt.timedelta(
                minutes=appointment.booking_type.late_tolerance)
            if appointment.start - CHECK_IN_EARLY <= now <= limit:
                cls.check_in([appointment])
                return appointment.ticket
        ahead = [a for a in appointments if a.start > now]
        if ahead:
            raise AppointmentError(gettext(
                    'see_agendamento.msg_kiosk_too_early',
                    start=when(ahead[0].start),
                    opens=when(ahead[0].start - CHECK_IN_EARLY)))
        last = appointments[-1]
        raise AppointmentError(gettext(
                'see_agendamento.msg_kiosk_too_late',
                start=when(last.start),
                limit=when(last.start + dt.timedelta(
                        minutes=last.booking_type.late_tolerance))))

    @classmethod
    @ModelView.button
    def no_show(cls, appointments):
        "Mark the citizens who did not come once their tolerance passed"
        now = dt.datetime.now()
        for appointment in appointments:
            if appointment.state != 'confirmed':
                continue
            limit = appointment.start + dt.timedelta(
                minutes=appointment.booking_type.late_tolerance)
            if now <= limit:
                raise AppointmentError(gettext(
                        'see_agendamento.msg_appointment_no_show_early',
                        appointment=appointment.rec_name,
                        limit=appointment.site.format_local(limit)))
        cls._mark_no_show(appointments)

    @classmethod
    @Workflow.transition('no_show')
    def _mark_no_show(cls, appointments):
        pass

    @classmethod
    @ModelView.button
    def start_video(cls, appointments):
        """Open the protocol of channel video of each appointment, which
        keeps the chat of its room"""
        pool = Pool()
        Protocol = pool.get('see.protocol')
        to_open = [a for a in appointments
            if a.channel == 'video' and a.state == 'confirmed'
            and not a.protocol]
        if to_open:
            with without_check_access():
                protocols = Protocol.create([{
                            'channel': 'video',
                            'service': a.service.id,
                            'state': 'attending',
                            'requester_name': a.requester_name,
                            'requester_cpf': a.requester_cpf,
                            } for a in to_open])
            for appointment, protocol in zip(to_open, protocols):
                appointment.protocol = protocol
                appointment.room_token = secrets.token_urlsafe(24)
            cls.save(to_open)
        rooms = [a for a in appointments if a.room_token]
        if len(rooms) == 1:
            # Open the agent's side of the room in the browser
            return {
                'type': 'ir.action.url',
                'url': rooms[0].room_url(),
                }

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def finish(cls, appointments):
        pass

    # Processes -----------------------------------------------------------

    @classmethod
    def expire_holds(cls, now=None):
        "Cancel the holds whose time passed (cron)"
        now = now or dt.datetime.now()
        holds = cls.search([
                ('state', '=', 'draft'),
                ('hold_expires', '<=', now),
                ])
        if holds:
            # Stored for the staff and the citizen, in their language
            with Transaction().set_context(language=notice_language()):
                reason = gettext(
                    'see_agendamento.msg_appointment_hold_expired')
            cls.cancel(holds, reason=reason)

    @classmethod
    def mark_no_shows(cls, now=None):
        """Mark as no-shows the in-person appointments not checked in past
        their tolerance (cron)"""
        now = now or dt.datetime.now()
        late = [a for a in cls.search([
                    ('state', '=', 'confirmed'),
                    ('channel', '=', 'in_person'),
                    ('start', '<', now),
                    ])
            if a.start + dt.timedelta(
                minutes=a.booking_type.late_tolerance) < now]
        if late:
            # The tolerance is checked here against now, not the clock
            cls._mark_no_show(late)

    @classmethod
    def send_reminders(cls, now=None):
        "Remind the citizens of their appointments ahead (cron)"
        now = now or dt.datetime.now()
        for appointment in cls.search([
                    ('state', '=', 'confirmed'),
                    ('reminder_date', '=', None),
                    ('start', '>', now),
                    ]):
            hours = appointment.booking_type.reminder_hours
            if not hours:
                continue
            if appointment.start - dt.timedelta(hours=hours) <= now:
                notify(appointment, 'reminder')
                appointment.reminder_date = now
                appointment.save()

    @classmethod
    def by_token(cls, token):
        "The appointment of the citizen's private token, or None"
        if not token or len(token) > 64:
            return None
        appointments = cls.search([('token', '=', token)], limit=1)
        return appointments[0] if appointments else None

    @property
    def local_start(self):
        return self.site.format_local(self.start)

    def answer_consent(self, granted):
        "Store the citizen's answer to the recording of the video room"
        self.recording_consent = 'granted' if granted else 'refused'
        self.recording_consent_date = dt.datetime.now()
        self.save()

    def room_url(self):
        "The agent's link to the video room, relative to the server"
        return '/%s/see_agendamento/video/%s' % (
            Transaction().database.name, self.room_token)

    def required_documents(self):
        """The names of the documents the citizen brings or sends for the
        appointment (see_documentos fills them from the booking type's
        checklist)"""
        return []

    def public_url(self, base=None):
        "The citizen's private link to the appointment"
        base = base or Transaction().context.get('see_public_url') or ''
        return '%s/%s/see_agendamento/appointment/%s' % (
            base.rstrip('/'), Transaction().database.name, self.token)


class Protocol(metaclass=PoolMeta):
    __name__ = 'see.protocol'

    appointments = fields.One2Many(
        'see.appointment', 'protocol', "Appointments", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        if ('video', "Video") not in cls.channel.selection:
            cls.channel.selection.append(('video', "Video"))


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('see.appointment|expire_holds', "Expire Appointment Holds"),
                ('see.appointment|mark_no_shows',
                    "Mark Appointment No-Shows"),
                ('see.appointment|send_reminders',
                    "Send Appointment Reminders"),
                ('see.appointment.signal|clean',
                    "Forget Video Room Signals"),
                ])
