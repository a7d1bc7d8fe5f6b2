# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The citizen's acceptance of the privacy notice (LGPD art. 8, 9)

The citizens' pages (webchat, booking, documents) show the LGPD notice with
a required checkbox; the record the page creates keeps the version of the
notice accepted, ``see.configuration.privacy_notice_version`` (one setting
for every page), and when. A model takes ``NoticeConsent`` in its bases
and its page calls ``accept_notice`` with what the citizen checked."""
import datetime as dt

from sql import Literal

from trytond.i18n import gettext
from trytond.model import fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from .anonymisation import forget_cached
from .exceptions import ConsentError


def notice_version():
    "The version of the privacy notice the pages show"
    return Pool().get('see.configuration')(1).privacy_notice_version


class NoticeConsent:
    "The privacy notice accepted on a citizen's page"
    __slots__ = ()

    consent_version = fields.Char("Privacy Notice Version", readonly=True,
        help="The version of the LGPD notice the citizen accepted.")
    consent_date = fields.DateTime("Notice Accepted", readonly=True,
        help="When the citizen accepted the LGPD notice.")

    @classmethod
    def accept_notice(cls, records, consent):
        """Record that the citizen accepted the notice for records; refuse
        when consent is not True (the box was not checked)"""
        if consent is not True:
            raise ConsentError(
                gettext('see_atendimento.msg_notice_consent_required'))
        if not records:
            return
        # Written by the page's process only, as the workflow's dates are
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.update(
                [table.consent_version, table.consent_date],
                [Literal(notice_version()), Literal(dt.datetime.now())],
                where=table.id.in_([r.id for r in records])))
        forget_cached(cls, [r.id for r in records])
