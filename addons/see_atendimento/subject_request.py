# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""A citizen's request for the data held about them (LGPD art. 18, 19)

Given the CPF of the citizen and the protocol of the request, the answer
gathers every record about that person, as a PDF for them and as JSON for
machines, within the legal deadline of 15 days (art. 19, II). Each module
adds its records by extending ``subject_sections``; the person is found by
the CPF: the parties with that CPF, the protocols with that CPF or those
parties, and the phones of both."""
import datetime as dt
import json

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import without_check_access

from .exceptions import InvalidCPF
from .integrity import ServerReadonly
from .party import normalize_cpf
from .tabular import render_pdf

# Days to answer a request in full (LGPD art. 19, II)
DEADLINE_DAYS = 15


def json_value(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, ModelSQL):
        return value.rec_name
    if value is not None and not isinstance(
            value, (str, int, float, bool, list, dict)):
        return str(value)
    return value


def selection_text(record, name):
    "The translated text of the selection field name of record"
    value = getattr(record, name)
    selection = record.__class__.fields_get([name])[name]['selection']
    if isinstance(selection, list):
        return dict(selection).get(value, value)
    return value


class SubjectIdentity:
    "Who the request is about: their CPF, parties, protocols and phones"

    def __init__(self, cpf, parties, protocols, phones):
        self.cpf = cpf
        self.parties = parties
        self.protocols = protocols
        self.phones = phones


class DataSubjectRequest(ServerReadonly, Workflow, ModelSQL, ModelView):
    __string__ = "Data Subject Request"
    __name__ = 'see.data.subject.request'
    _rec_name = 'cpf'

    _states = {'readonly': Eval('state') != 'draft'}

    protocol = fields.Many2One('see.protocol', "Request Protocol",
        required=True, states=_states,
        help="The protocol that registered the citizen's request.")
    cpf = fields.Char("CPF", required=True, states=_states)
    kind = fields.Selection([
            ('access', "Access to the data"),
            ('anonymisation', "Anonymisation"),
            ], "Request", required=True, states=_states,
        help="Anonymisation: the answer lists what was held, then the "
        "person's data is removed from every record; the records and "
        "their figures stay.")
    request_date = fields.Date("Request Date", required=True, states=_states)
    deadline = fields.Function(fields.Date("Legal Deadline",
            help="15 days after the request (LGPD art. 19, II)."),
        'get_deadline')
    answer_date = fields.Date("Answer Date", readonly=True)
    answer_pdf = fields.Binary("Answer (PDF)", readonly=True,
        filename='answer_pdf_name')
    answer_pdf_name = fields.Function(fields.Char("PDF File Name"),
        'get_answer_name')
    answer_json = fields.Binary("Answer (JSON)", readonly=True,
        filename='answer_json_name')
    answer_json_name = fields.Function(fields.Char("JSON File Name"),
        'get_answer_name')
    record_count = fields.Integer("Records", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('answered', "Answered"),
            ], "State", readonly=True, required=True)

    del _states

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order.insert(0, ('request_date', 'DESC'))
        cls._transitions |= {('draft', 'answered')}
        cls._buttons.update({
                'answer': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-print',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_kind(cls):
        return 'access'

    @classmethod
    def default_request_date(cls):
        return dt.date.today()

    def get_deadline(self, name):
        if self.request_date:
            return self.request_date + dt.timedelta(days=DEADLINE_DAYS)

    def get_answer_name(self, name):
        ext = 'pdf' if name == 'answer_pdf_name' else 'json'
        return 'dados-titular-%s.%s' % (self.id, ext)

    @classmethod
    def create(cls, vlist):
        vlist = [v.copy() for v in vlist]
        for values in vlist:
            if values.get('cpf'):
                values['cpf'] = normalize_cpf(values['cpf']) or values['cpf']
        return super().create(vlist)

    @classmethod
    def validate_fields(cls, requests, field_names):
        super().validate_fields(requests, field_names)
        for request in requests:
            if not normalize_cpf(request.cpf):
                raise InvalidCPF(gettext('see_atendimento.msg_invalid_cpf',
                        cpf=request.cpf))

    @classmethod
    def identity(cls, cpf):
        "The SubjectIdentity of the person of cpf"
        pool = Pool()
        Party = pool.get('party.party')
        Protocol = pool.get('see.protocol')
        Identifier = pool.get('party.identifier')
        # The party module stores the code formatted, its digits compact
        identifiers = Identifier.search([
                ('type', '=', 'br_cpf'),
                ('code_compact', '=', normalize_cpf(cpf) or cpf),
                ])
        parties = Party.browse(sorted({i.party.id for i in identifiers}))
        protocols = Protocol.search(['OR',
                ('requester_cpf', '=', cpf),
                ('requester', 'in', [p.id for p in parties]),
                ], order=[('start_date', 'ASC'), ('id', 'ASC')])
        phones = {p.requester_phone for p in protocols if p.requester_phone}
        for party in parties:
            for mechanism in party.contact_mechanisms:
                if mechanism.type in {'phone', 'mobile'}:
                    phones.add(mechanism.value_compact or mechanism.value)
        return SubjectIdentity(cpf, parties, protocols, sorted(phones))

    @classmethod
    def subject_sections(cls, identity):
        """(key, title, [(column, label)], rows) of every kind of record
        held about the person; modules extend the list"""
        columns = [
            ('number', gettext('see_atendimento.msg_subject_number')),
            ('channel', gettext('see_atendimento.msg_subject_channel')),
            ('start', gettext('see_atendimento.msg_subject_start')),
            ('name', gettext('see_atendimento.msg_subject_name')),
            ('phone', gettext('see_atendimento.msg_subject_phone')),
            ('cpf', 'CPF'),
            ('service', gettext('see_atendimento.msg_subject_service')),
            ('description',
                gettext('see_atendimento.msg_subject_description')),
            ('answer', gettext('see_atendimento.msg_subject_answer')),
            ('state', gettext('see_atendimento.msg_subject_state')),
            ]
        rows = [[p.number, selection_text(p, 'channel'), p.start_date,
                p.requester_name, p.requester_phone, p.requester_cpf,
                p.service.rec_name if p.service else None, p.description,
                p.answer, selection_text(p, 'state')] for p in identity.protocols]
        parties = [[p.name, ', '.join(i.code for i in p.identifiers),
                ', '.join(m.value for m in p.contact_mechanisms)]
            for p in identity.parties]
        return [
            ('registration', gettext('see_atendimento.msg_subject_parties'),
                [('name', gettext('see_atendimento.msg_subject_name')),
                    ('identifiers', 'CPF'),
                    ('contacts', gettext(
                            'see_atendimento.msg_subject_contacts'))],
                parties),
            ('protocols', gettext('see_atendimento.msg_subject_protocols'),
                columns, rows),
            ]

    def answer_documents(self):
        "The JSON and the PDF document of the answer, and the record count"
        with without_check_access():
            identity = self.identity(self.cpf)
            sections = self.subject_sections(identity)
        data = {
            'cpf': self.cpf,
            'request_protocol': self.protocol.number,
            'request_date': self.request_date.isoformat(),
            'answer_date': dt.date.today().isoformat(),
            }
        tables = []
        count = 0
        for key, title, columns, rows in sections:
            data[key] = [{c: json_value(v) for (c, _), v in zip(columns, row)}
                for row in rows]
            tables.append((title, [label for _, label in columns],
                    [[json_value(v) for v in row] for row in rows]))
            count += len(rows)
        document = {
            'title': gettext('see_atendimento.msg_subject_title'),
            'summary': [
                ('CPF', self.cpf),
                (gettext('see_atendimento.msg_subject_request_protocol'),
                    self.protocol.number),
                (gettext('see_atendimento.msg_subject_request_date'),
                    self.request_date.strftime('%d/%m/%Y')),
                (gettext('see_atendimento.msg_subject_answer_date'),
                    dt.date.today().strftime('%d/%m/%Y')),
                ],
            'tables': tables,
            }
        return (json.dumps(data, ensure_ascii=False, indent=1).encode(),
            render_pdf(document), count)

    @classmethod
    @ModelView.button
    @Workflow.transition('answered')
    def answer(cls, requests):
        for request in requests:
            answer_json, answer_pdf, count = request.answer_documents()
            request.answer_json = answer_json
            request.answer_pdf = answer_pdf
            request.record_count = count
            request.answer_date = dt.date.today()
        cls.save(requests)
        for request in requests:
            if request.kind == 'anonymisation':
                request.anonymise_subject(request.identity(request.cpf))

    @classmethod
    def anonymise_subject(cls, identity):
        """Remove the person's data from every record held about them;
        modules extend it for the records not linked to the parties"""
        pool = Pool()
        Party = pool.get('party.party')
        Protocol = pool.get('see.protocol')
        Protocol.anonymise(identity.protocols)
        Party.anonymise_requesters(identity.parties)
