# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""What the agent does with a conversation from the console: accept, send,
transfer, escalate to SEE-PE and close"""
import datetime as dt

from sql.aggregate import Count

from trytond.i18n import gettext
from trytond.model import ModelView
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction, without_check_access

from . import notify
from .agent import check_agent
from .chat import _config
from .exceptions import (
    ChatAccessError, ChatError, ChatValidationError, MessageSizeError)


class Session(metaclass=PoolMeta):
    __name__ = 'see.chat.session'

    # Agent ------------------------------------------------------------

    @classmethod
    def _lock_fresh(cls, sessions):
        "Lock the rows and return the sessions read again"
        with without_check_access():
            cls.lock(sessions)
            return cls.browse([s.id for s in sessions])

    @classmethod
    def _check_own(cls, sessions, states=('active',)):
        user = Transaction().user
        for session in sessions:
            if user and session.agent and session.agent.id != user:
                raise ChatAccessError(gettext(
                        'see_webchat.msg_not_your_session',
                        session=session.rec_name))
            if session.state not in states:
                raise ChatError(gettext(
                        'see_webchat.msg_session_not_active',
                        session=session.rec_name))

    @classmethod
    def active_count(cls, user_id):
        table = cls.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(Count(table.id),
                where=(table.agent == user_id) & (table.state == 'active')))
        return cursor.fetchone()[0]

    @classmethod
    def _check_limit(cls, user_id, adding=1):
        pool = Pool()
        Agent = pool.get('see.chat.agent')
        User = pool.get('res.user')
        limit = Agent.limit_of(user_id)
        if cls.active_count(user_id) + adding > limit:
            with without_check_access():
                user = User(user_id)
            if user_id == Transaction().user:
                raise ChatError(gettext(
                        'see_webchat.msg_agent_limit', limit=limit))
            raise ChatError(gettext(
                    'see_webchat.msg_agent_limit_other', limit=limit,
                    agent=user.rec_name))

    @classmethod
    def _check_waiting(cls, sessions):
        for session in sessions:
            if session.state != 'waiting':
                raise ChatError(gettext(
                        'see_webchat.msg_session_taken',
                        session=session.rec_name))
            if session.expire_date <= dt.datetime.now():
                raise ChatError(gettext(
                        'see_webchat.msg_session_expired',
                        session=session.rec_name))

    @classmethod
    @ModelView.button_action('see_webchat.act_console')
    def accept(cls, sessions):
        """Accept from the web client's list of conversations, as the
        console does, and open the console where they are attended"""
        cls.agent_accept(sessions)

    @classmethod
    def agent_accept(cls, sessions):
        """The agent takes the conversations; each gets its protocol

        Refused at once, before waiting for a lock, when another agent
        took them already."""
        pool = Pool()
        Message = pool.get('see.chat.message')
        User = pool.get('res.user')
        check_agent()
        user_id = Transaction().user
        cls._check_waiting(sessions)
        sessions = cls._lock_fresh(sessions)
        cls._check_waiting(sessions)
        cls._check_limit(user_id, len(sessions))
        with without_check_access():
            agent_name = User(user_id).rec_name if user_id else ''
            cls.activate(sessions, user_id)
            for session in sessions:
                Message.post(session, 'system', 'notice', gettext(
                        'see_webchat.msg_accepted', agent=agent_name,
                        number=session.protocol.number))
        # The agent's own channel too: its console shows the conversation
        # at once instead of after the queue's burst delay
        notify.publish(notify.QUEUE_CHANNEL, notify.POSITION_CHANNEL,
            notify.agent_channel(user_id))
        return [s.id for s in sessions]

    @classmethod
    def agent_send(cls, sessions, text, article=None, client_id=None):
        """The agent's answer, or a knowledge-base article, to the citizen;
        sent again with the same client_id (a retry after a lost answer),
        the messages stored the first time"""
        pool = Pool()
        Message = pool.get('see.chat.message')
        Article = pool.get('see.kb.article')
        Protocol = pool.get('see.protocol')
        check_agent()
        cls._check_own(sessions)
        if client_id:
            client_id = str(client_id)[:64]
            existing = Message.search([
                    ('session', 'in', [s.id for s in sessions]),
                    ('client_id', '=', client_id),
                    ('author_type', '=', 'agent'),
                    ], order=[('id', 'ASC')])
            if existing:
                return [m.id for m in existing]
        config = _config()
        text = (text or '').strip()
        kb = None
        if article:
            try:
                article = int(article)
            except (TypeError, ValueError):
                raise ChatError(gettext('see_webchat.msg_article_unknown'))
            articles = Article.search([
                    ('id', '=', article),
                    ('state', '=', 'published'),
                    ], limit=1)
            if not articles:
                raise ChatError(gettext('see_webchat.msg_article_unknown'))
            kb, = articles
            if not text:
                text = f'{kb.title}\n\n{kb.body}'
        if not text:
            raise ChatValidationError(gettext('see_webchat.msg_empty'))
        if len(text) > max(config.message_size, 20000):
            raise MessageSizeError(gettext(
                    'see_webchat.msg_message_size',
                    size=max(config.message_size, 20000), length=len(text)))
        messages = []
        for session in sessions:
            messages.append(Message.post(session, 'agent',
                    'article' if kb else 'text', text, article=kb,
                    client_id=client_id or None))
            if kb and session.protocol and kb not in (
                    session.protocol.kb_articles):
                with without_check_access():
                    Protocol.write([session.protocol], {
                            'kb_articles': [('add', [kb.id])],
                            })
        return [m.id for m in messages]

    @classmethod
    def agent_transfer(cls, sessions, user_id):
        "Pass the conversations to another agent"
        pool = Pool()
        Protocol = pool.get('see.protocol')
        Message = pool.get('see.chat.message')
        User = pool.get('res.user')
        check_agent()
        sessions = cls._lock_fresh(sessions)
        cls._check_own(sessions)
        try:
            user_id = int(user_id)
        except (TypeError, ValueError):
            user_id = None
        with without_check_access():
            users = User.search([('id', '=', user_id)]) if user_id else []
        if not users or user_id == Transaction().user:
            raise ChatError(gettext('see_webchat.msg_transfer_target'))
        target, = users
        check_agent(target.id)
        cls._check_limit(target.id, len(sessions))
        previous = {s.id: s.agent for s in sessions}
        with without_check_access():
            for session in sessions:
                session.agent = target
            cls.save(sessions)
            protocols = [s.protocol for s in sessions if s.protocol]
            if protocols:
                Protocol.write(protocols, {'agent': target.id})
            for session in sessions:
                Message.post(session, 'system', 'notice', gettext(
                        'see_webchat.msg_transferred',
                        agent=target.rec_name))
        channels = [notify.agent_channel(p.id) for p in previous.values()
            if p]
        notify.publish(*channels)
        return [s.id for s in sessions]

    @classmethod
    def _classification(cls, classification):
        pool = Pool()
        Classification = pool.get('see.classification')
        try:
            classification = int(classification)
        except (TypeError, ValueError):
            classification = None
        classifications = Classification.search([
                ('id', '=', classification),
                ], limit=1) if classification else []
        if not classifications:
            raise ChatValidationError(
                gettext('see_webchat.msg_classification_required'))
        return classifications[0]

    def _transcript(self, author_type):
        return '\n'.join(m.text for m in self.messages
            if m.author_type == author_type and m.kind in {'text', 'article'}
            and m.text)

    @classmethod
    def agent_escalate(cls, sessions, question, classification):
        """Send the question to SEE-PE's second level: the protocol awaits
        its answer and the citizen is told"""
        pool = Pool()
        Protocol = pool.get('see.protocol')
        Message = pool.get('see.chat.message')
        check_agent()
        sessions = cls._lock_fresh(sessions)
        cls._check_own(sessions)
        classification = cls._classification(classification)
        question = (question or '').strip()
        if not question:
            raise ChatValidationError(
                gettext('see_webchat.msg_question_required'))
        with without_check_access():
            for session in sessions:
                protocol = session.protocol
                Protocol.write([protocol], {
                        'classification': classification.id,
                        'description': (session._transcript('citizen')
                            or question),
                        })
                Protocol.escalate_to_see([protocol], question)
                Message.post(session, 'system', 'escalation', gettext(
                        'see_webchat.msg_escalated_citizen',
                        number=protocol.number))
                Protocol.log_event([protocol], 'escalate',
                    gettext('see_webchat.msg_escalated_told'))
            cls.conclude(sessions, awaiting_see=True)
        return [s.id for s in sessions]

    @classmethod
    def agent_close(cls, sessions, classification, answer=None):
        "End the conversations with a classification; ask the quality"
        pool = Pool()
        Protocol = pool.get('see.protocol')
        check_agent()
        sessions = cls._lock_fresh(sessions)
        cls._check_own(sessions)
        classification = cls._classification(classification)
        with without_check_access():
            for session in sessions:
                protocol = session.protocol
                Protocol.write([protocol], {
                        'classification': classification.id,
                        'description': session._transcript('citizen'),
                        'answer': ((answer or '').strip()
                            or session._transcript('agent')
                            or classification.rec_name),
                        })
                Protocol.resolve([protocol])
            cls.conclude(sessions)
        return [s.id for s in sessions]
