# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"Helpers of the document scenarios: staff, the citizen's page, an SMTP server"
import socket
from email import message_from_bytes, policy

from proteus import Model
from proteus.config import get_config

ROLE_GROUPS = {
    'reviewer': ["Document Reviewer"],
    'review_supervisor': ["Document Review Supervisor"],
    'agent': ["Attendance Agent"],
    'unit': ["SEE-PE Managing Unit"],
    'auditor': ["SEE-PE Auditor"],
    }


def create_staff(login, role, config=None):
    "Create a user in the groups of role, with Portuguese as language"
    config = config or get_config()
    User = Model.get('res.user', config=config)
    Group = Model.get('res.group', config=config)
    Lang = Model.get('ir.lang', config=config)
    user = User(login=login, name=login.title())
    user.language, = Lang.find([('code', '=', 'pt')])
    with config.set_context(language='en'):
        for name in ROLE_GROUPS[role]:
            group, = Group.find([('name', '=', name)])
            user.groups.append(Group(group.id))
    user.save()
    return user


def _as_citizen_page(config, function):
    """Run function(Submission) in a transaction of its own, as the public
    page does: no user, the citizen known only by the token"""
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    config = config or get_config()
    # Leaving the transaction commits it, or rolls it back on an error
    with Transaction().start(config.database_name, 0):
        Submission = Pool(config.database_name).get(
            'see.document.submission')
        return function(Submission)


def citizen_upload(token, item_name, filename, data, config=None):
    "The citizen sends a file for the item named item_name"
    def upload(Submission):
        submission = Submission.from_token(token)
        item, = [i for i in submission.checklist.items
            if i.name == item_name]
        document = submission.upload(item, filename, data)
        return document.state, document.format, document.pages
    return _as_citizen_page(config, upload)


def citizen_submit(token, config=None):
    "The citizen accepts the privacy notice and sends the files to review"
    def submit(Submission):
        submission = Submission.from_token(token)
        Submission.accept_notice([submission], True)
        Submission.submit([submission])
        return Submission(submission.id).state
    return _as_citizen_page(config, submit)


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class SMTPServer:
    "A real SMTP server on loopback that keeps the messages it receives"

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(
                envelope.content, policy=policy.default))
        return '250 Message accepted for delivery'

    def start(self):
        from aiosmtpd.controller import Controller
        self.port = free_port()
        self.controller = Controller(
            self, hostname='127.0.0.1', port=self.port)
        self.controller.start()
        return 'smtp://127.0.0.1:%s' % self.port

    def stop(self):
        self.controller.stop()

    def pop(self):
        "The oldest message not read yet"
        return self.messages.pop(0)
