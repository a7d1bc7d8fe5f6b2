# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""LGPD: the log of the reads of a submission's citizen data and of the
downloads of the documents"""
from trytond.i18n import gettext
from trytond.modules.see_atendimento.access_log import PersonalDataAccess
from trytond.modules.see_atendimento.subject_request import selection_text
from trytond.pool import Pool, PoolMeta


class Submission(PersonalDataAccess, metaclass=PoolMeta):
    __name__ = 'see.document.submission'
    _personal_fields = {'email'}


class Document(PersonalDataAccess, metaclass=PoolMeta):
    __name__ = 'see.document'
    _personal_downloads = {'file'}


class DataSubjectRequest(metaclass=PoolMeta):
    __name__ = 'see.data.subject.request'

    @classmethod
    def subject_sections(cls, identity):
        "The submissions of the person's protocols and their documents"
        Submission = Pool().get('see.document.submission')
        submissions = Submission.search([
                ('protocol', 'in', [p.id for p in identity.protocols]),
                ], order=[('id', 'ASC')])
        columns = [
            ('protocol', gettext('see_atendimento.msg_subject_number')),
            ('email', gettext('see_atendimento.msg_subject_email')),
            ('state', gettext('see_atendimento.msg_subject_state')),
            ('documents', gettext('see_atendimento.msg_subject_documents')),
            ]
        rows = [[s.protocol.number if s.protocol else None, s.email,
                selection_text(s, 'state'),
                ', '.join('%s (%s)' % (d.filename or '', selection_text(d, 'state'))
                    for d in s.documents)]
            for s in submissions]
        return super().subject_sections(identity) + [
            ('document_submissions',
                gettext('see_documentos.msg_subject_submissions'), columns,
                rows)]
