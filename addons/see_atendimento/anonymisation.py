# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Anonymisation of citizens' data (LGPD art. 12, 16)

The record and every figure counted from it stay: a protocol keeps its
dates, service, classification, state and its link to the (anonymised)
requester party, so reincidences, billable quantities and every past
measurement recompute the same; what identifies the person goes: name,
CPF, phone, e-mail and the CPFs, phones and e-mails found in the free
texts, and the attachments. The history table is scrubbed as well, or the
old versions would keep what was removed."""
import datetime as dt
import re

import phonenumbers
from sql import Literal, Null
from stdnum.br import cpf as stdnum_cpf

from trytond import backend
from trytond.filestore import filestore
from trytond.model import fields
from trytond.pool import Pool, PoolMeta
from trytond.tools import grouped_slice
from trytond.transaction import Transaction, without_check_access

# What replaces a value: the billable registry (item 3.1.1.6) needs a
# requester's name and phone to be present, so they are replaced, not
# emptied
ANONYMOUS_NAME = 'Anonimizado'
ANONYMOUS_PHONE = 'anonimizado'
CPF_MARK = '[CPF removido]'
PHONE_MARK = '[telefone removido]'
EMAIL_MARK = '[e-mail removido]'
NAME_MARK = '[nome removido]'
ATTACHMENT_MARK = '[anexo removido]'

_NAME_PARTICLES = {'das', 'dos', 'del', 'von', 'van'}
_EMAIL = re.compile(r'[\w.+-]+@[\w-]+(?:\.[\w-]+)+')
_CPF = re.compile(r'(?<!\d)\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?!\d)')


def scrub_text(text, names=()):
    """text without the e-mails, valid CPFs, Brazilian phones and the given
    names it contains"""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL_MARK, text)
    text = _CPF.sub(
        lambda m: CPF_MARK if stdnum_cpf.is_valid(m.group()) else m.group(),
        text)
    # Phones after the CPFs: a CPF's eleven digits also read as a phone
    matches = list(phonenumbers.PhoneNumberMatcher(
            text, 'BR', leniency=phonenumbers.Leniency.VALID))
    for match in reversed(matches):
        text = text[:match.start] + PHONE_MARK + text[match.end:]
    # The whole name, then each of its words: people are called by their
    # first name ("do João") and a word too many removed is harmless
    words = set()
    for name in filter(None, names):
        words.add(name.strip())
        words.update(w for w in name.split()
            if len(w) >= 3 and w.lower() not in _NAME_PARTICLES)
    for word in sorted(words, key=len, reverse=True):
        if len(word) < 3:
            continue
        text = re.sub(r'\b%s\b' % re.escape(word), NAME_MARK, text,
            flags=re.IGNORECASE)
    return text


def scrub_columns(Model, ids, columns, values=None, texts=(), names=None):
    """Write values (column → value) and the scrubbed texts of the records
    ids of Model in its table and, when it has one, its history table.
    names: record id → names of the person to remove from the texts"""
    if not ids:
        return
    cursor = Transaction().connection.cursor()
    values = values or {}
    tables = [Model.__table__()]
    if getattr(Model, '_history', False):
        tables.append(Model.__table_history__())
    for table in tables:
        if texts:
            cursor.execute(*table.select(table.id,
                    *[getattr(table, c) for c in texts],
                    where=table.id.in_(list(ids))))
            rows = cursor.fetchall()
        else:
            rows = [(i,) for i in ids]
        for row in rows:
            record_id, old = row[0], row[1:]
            person = (names or {}).get(record_id, ())
            new = dict(values)
            for column, text in zip(texts, old):
                scrubbed = scrub_text(text, person)
                if scrubbed != text:
                    new[column] = scrubbed
            if not new:
                continue
            columns_ = [getattr(table, c) for c in new]
            cursor.execute(*table.update(columns_,
                    [Literal(v) if v is not None else None
                        for v in new.values()],
                    where=table.id == record_id))
    forget_cached(Model, ids)


def forget_cached(Model, ids):
    "Forget the records ids of Model cached in the transaction"
    # They would still show the values before an update by SQL
    transaction = Transaction()
    transaction.counter += 1
    for cache in transaction.cache.values():
        if Model.__name__ in cache:
            for record_id in ids:
                cache[Model.__name__].pop(record_id, None)


def archive_records(Model, ids):
    """Mark the records ids of Model archived now: hidden from the default
    lists, still counted by every measurement (no active flag, which every
    search would filter)"""
    if not ids:
        return
    table = Model.__table__()
    cursor = Transaction().connection.cursor()
    for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
        cursor.execute(*table.update([table.archived_date],
                [dt.datetime.now()], where=table.id.in_(list(sub_ids))))
    forget_cached(Model, ids)


def remove_stored_files(Model, field_name, ids, values=None):
    """Delete from the file store the files of the Binary field field_name
    (with a file_id) of the records ids of Model, forget their ids in the
    table and its history and write values (column → value); return the
    number of files deleted"""
    if not ids:
        return 0
    transaction = Transaction()
    field = Model._fields[field_name]
    table = Model.__table__()
    column = getattr(table, field.file_id)
    cursor = transaction.connection.cursor()
    file_ids = []
    for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
        cursor.execute(*table.select(column,
                where=table.id.in_(list(sub_ids)) & (column != Null)))
        file_ids.extend(r[0] for r in cursor if r[0])
    values = dict(values or {}, **{field.file_id: None})
    scrub_columns(Model, ids, list(values), values)
    prefix = field.store_prefix
    if prefix is None:
        prefix = transaction.database.name
    # Last: nothing else can fail once the files are gone
    filestore.delete_many(file_ids, prefix=prefix)
    return len(file_ids)


def remove_attachments(records):
    "Delete the attachments of records"
    Attachment = Pool().get('ir.attachment')
    if not records:
        return
    with without_check_access():
        attachments = Attachment.search([
                ('resource', 'in', [str(r) for r in records]),
                ])
        Attachment.delete(attachments)


class Protocol(metaclass=PoolMeta):
    __name__ = 'see.protocol'

    anonymised_date = fields.DateTime("Anonymised", readonly=True,
        help="When the requester's personal data was removed.")

    @classmethod
    def anonymise(cls, protocols):
        """Remove the requester's personal data from protocols, keeping
        what is counted"""
        names = {}
        for protocol in protocols:
            names[protocol.id] = [protocol.requester_name] + (
                [protocol.requester.name] if protocol.requester else [])
        ids = [p.id for p in protocols]
        scrub_columns(cls, [p.id for p in protocols if p.requester_phone],
            ['requester_phone'], {'requester_phone': ANONYMOUS_PHONE})
        scrub_columns(cls, ids, ['requester_name', 'requester_cpf'],
            values={
                'requester_name': ANONYMOUS_NAME,
                'requester_cpf': None,
                'anonymised_date': dt.datetime.now(),
                },
            texts=('description', 'answer'), names=names)
        remove_attachments(protocols)
        cls.anonymise_copies(protocols, names)

    @classmethod
    def anonymise_copies(cls, protocols, names):
        """Scrub the texts that copy the protocols' personal data: the
        escalations' questions and answers and the events' descriptions
        (which copy them); the rows stay. names: protocol id → names"""
        pool = Pool()
        Escalation = pool.get('see.protocol.escalation')
        Event = pool.get('see.protocol.event')
        ids = [p.id for p in protocols]
        for Model, texts in [
                (Escalation, ('question', 'answer')),
                (Event, ('description',))]:
            table = Model.__table__()
            cursor = Transaction().connection.cursor()
            rows = []
            for sub_ids in grouped_slice(ids, backend.MAX_QUERY_PARAMS):
                cursor.execute(*table.select(table.id, table.protocol,
                        where=table.protocol.in_(list(sub_ids))))
                rows.extend(cursor)
            scrub_columns(Model, [r[0] for r in rows], [], texts=texts,
                names={r[0]: names.get(r[1], ()) for r in rows})

    archived_date = fields.DateTime("Archived", readonly=True,
        help="When a retention rule archived the ended attendance: it is "
        "hidden from the lists but for their Archived tab, and counted by "
        "the measurements as before.")

    @classmethod
    def anonymise_by_rule(cls, protocols, action):
        if action == 'archive':
            archive_records(cls, [p.id for p in protocols])
        else:
            assert action == 'anonymise'
            cls.anonymise(protocols)


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'

    @classmethod
    def anonymise_requesters(cls, parties):
        """Anonymise the citizens parties and every record held about them;
        modules extend anonymise_records for their own data"""
        cls.anonymise_records(parties)
        pool = Pool()
        Identifier = pool.get('party.identifier')
        Mechanism = pool.get('party.contact_mechanism')
        with without_check_access():
            Identifier.delete(Identifier.search(
                    [('party', 'in', [p.id for p in parties])]))
            Mechanism.delete(Mechanism.search(
                    [('party', 'in', [p.id for p in parties])]))
        scrub_columns(cls, [p.id for p in parties], ['name'],
            {'name': ANONYMOUS_NAME})
        remove_attachments(parties)

    @classmethod
    def anonymise_records(cls, parties):
        "Anonymise the records of parties: the protocols here"
        Protocol = Pool().get('see.protocol')
        with without_check_access():
            protocols = Protocol.search([
                    ('requester', 'in', [p.id for p in parties]),
                    ])
        Protocol.anonymise(protocols)
