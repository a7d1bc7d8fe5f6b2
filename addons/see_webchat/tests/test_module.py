# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
import re

from sql import Column
from sql.conditionals import Coalesce

from trytond.exceptions import UserError
from trytond.model.exceptions import AccessError, ValidationError
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


def M(msg_id):
    "A regular expression matching the text of message msg_id"
    pool = Pool()
    ModelData = pool.get('ir.model.data')
    Message = pool.get('ir.message')
    text = Message(ModelData.get_id('see_webchat', msg_id)).text
    return '.*'.join(re.escape(p) for p in re.split(r'%\(\w+\)s', text))


def _group(xml_id):
    ModelData = Pool().get('ir.model.data')
    return ModelData.get_id(*xml_id.split('.'))


def _user(login, *groups):
    User = Pool().get('res.user')
    user, = User.create([{
                'login': login, 'name': login.title(),
                'groups': [('add', [_group(g) for g in groups])],
                }])
    return user


def _catalog():
    pool = Pool()
    Unit = pool.get('see.unit')
    Service = pool.get('see.service')
    Article = pool.get('see.kb.article')
    Classification = pool.get('see.classification')
    unit, = Unit.create([{'name': "Gerência de Matrícula", 'code': 'GEMAT'}])
    service, = Service.create([{
                'name': "Matrícula", 'code': 'MAT', 'unit': unit.id,
                'kind': 'rotineiro'}])
    article, = Article.create([{
                'title': "Documentos da matrícula",
                'body': "Leve RG, CPF e comprovante de residência.",
                'services': [('add', [service.id])],
                }])
    Article.publish([article])
    classifications = {c.code: c for c in Classification.search([])}
    return unit, service, article, classifications


def _as(user, check=True):
    transaction = Transaction()
    return transaction.set_user(user.id), transaction.set_context(
        _check_access=check)


class SeeWebchatTestCase(ModuleTestCase):
    "Test See Webchat module"
    module = 'see_webchat'
    # The status of Annex A 5 on the conversations is the contract's rule
    extras = ['see_sla']

    def _open(self, service, name="Maria da Silva", phone="(81) 99876-5432",
            address='10.0.0.1', **values):
        Session = Pool().get('see.chat.session')
        data = {'name': name, 'phone': phone, 'service': service.id,
            'consent': True}
        data.update(values)
        return Session.open(data, address=address)

    @with_transaction()
    def test_open_refusals_store_nothing(self):
        "Identification is validated and a refusal stores nothing"
        pool = Pool()
        Session = pool.get('see.chat.session')
        _, service, _, _ = _catalog()
        for values, error in [
                ({'phone': '123'}, ValidationError),
                ({'phone': ''}, ValidationError),
                ({'name': '  '}, ValidationError),
                ({'cpf': '111.111.111-12'}, ValidationError),
                ({'consent': False}, ValidationError),
                ({'service': None}, ValidationError),
                ]:
            with self.subTest(values=values):
                data = {'name': "Maria", 'phone': '81998765432',
                    'service': service.id, 'consent': True}
                data.update(values)
                with self.assertRaises(error):
                    Session.open(data, address='10.0.0.9')
        self.assertEqual(Session.search([], count=True), 0)

        session, token = self._open(service, cpf='529.982.247-25')
        self.assertEqual(session.requester_phone, '+5581998765432')
        self.assertEqual(session.requester_cpf, '52998224725')
        # The forms and the console show them as people read them
        self.assertEqual(
            (session.requester_phone_shown, session.requester_cpf_shown),
            ('(81) 99876-5432', '529.982.247-25'))
        self.assertNotIn(token, session.token_hash)
        self.assertGreaterEqual(len(token), 40)
        # Welcome and service: two interactions already
        self.assertEqual(Session(session.id).interaction_count, 2)

    @with_transaction()
    def test_token(self):
        "Forged, another session's and expired tokens are refused"
        pool = Pool()
        Session = pool.get('see.chat.session')
        _, service, _, _ = _catalog()
        first, first_token = self._open(service)
        second, second_token = self._open(service, name="José")
        self.assertEqual(Session.from_token(first.id, first_token), first)
        with self.assertRaisesRegex(UserError, M('msg_token_invalid')):
            Session.from_token(first.id, 'forged' + first_token[6:])
        with self.assertRaisesRegex(UserError, M('msg_token_other')):
            Session.from_token(first.id, second_token)
        with self.assertRaisesRegex(UserError, M('msg_token_invalid')):
            Session.from_token(first.id, '')
        Session.write([first], {
                'expire_date': dt.datetime.now() - dt.timedelta(seconds=1)})
        with self.assertRaisesRegex(UserError, M('msg_token_expired')):
            Session.from_token(first.id, first_token)

    @with_transaction()
    def test_limits(self):
        "Message size, session and address rates"
        pool = Pool()
        Message = pool.get('see.chat.message')
        Configuration = pool.get('see.chat.configuration')
        _, service, _, _ = _catalog()
        Configuration.create([{
                    'message_size': 10, 'session_message_rate': 2,
                    'address_session_rate': 2}])
        session, _ = self._open(service, address='10.1.1.1')
        count = Message.search([], count=True)
        with self.assertRaisesRegex(UserError, M('msg_message_size')):
            session.citizen_send('x' * 11)
        with self.assertRaisesRegex(UserError, M('msg_empty')):
            session.citizen_send('   ')
        session.citizen_send('oi', client_id='a')
        # The same client id is the same message (a retry)
        session.citizen_send('oi', client_id='a')
        session.citizen_send('tudo bem?', client_id='b')
        with self.assertRaisesRegex(UserError, M('msg_session_rate')):
            session.citizen_send('mais uma', client_id='c')
        self.assertEqual(Message.search([], count=True), count + 2)

        self._open(service, address='10.1.1.1')
        with self.assertRaisesRegex(UserError, M('msg_address_rate')):
            self._open(service, address='10.1.1.1')
        self._open(service, address='10.1.1.2')

    @with_transaction()
    def test_attachments(self):
        "Attachments: type allow-list, size and content"
        import base64
        pool = Pool()
        Configuration = pool.get('see.chat.configuration')
        _, service, _, _ = _catalog()
        Configuration.create([{'attachment_size': 100}])
        session, _ = self._open(service)
        png = b'\x89PNG\r\n\x1a\n' + b'0' * 20
        message = session.citizen_send('', attachment={
                'name': 'a.png', 'type': 'image/png',
                'data': base64.b64encode(png).decode()})
        self.assertEqual(message.attachment, png)
        self.assertEqual(message.attachment_size, len(png))
        for attachment, error in [
                ({'name': 'a.html', 'type': 'text/html',
                        'data': base64.b64encode(b'<b>').decode()},
                    'msg_attachment_type'),
                ({'name': 'a.png', 'type': 'image/png',
                        'data': base64.b64encode(png * 10).decode()},
                    'msg_attachment_size'),
                ({'name': 'a.png', 'type': 'image/png',
                        'data': base64.b64encode(b'<script>').decode()},
                    'msg_attachment_content'),
                ({'name': 'a.png', 'type': 'image/png', 'data': '%%%'},
                    'msg_attachment_invalid'),
                ]:
            with self.subTest(error=error):
                with self.assertRaisesRegex(UserError, M(error)):
                    session.citizen_send('', attachment=attachment)

    @with_transaction()
    def test_flow(self):
        "A whole conversation: protocol, transcript, survey and Annex A"
        pool = Pool()
        Session = pool.get('see.chat.session')
        Protocol = pool.get('see.protocol')
        Agent = pool.get('see.chat.agent')
        Figures = pool.get('see.chat.figures')
        _, service, article, classifications = _catalog()
        ana = _user('ana', 'see_atendimento.group_agent')
        bruno = _user('bruno', 'see_atendimento.group_agent')
        auditor = _user('auditor', 'see_atendimento.group_auditor')
        Agent.create([{'user': ana.id, 'max_sessions': 1}])
        session, token = self._open(service)
        other, _ = self._open(service, name="José", phone='81998765433')
        session.citizen_send("Quais documentos levo para a matrícula?")

        with Transaction().set_user(auditor.id), \
                Transaction().set_context(_check_access=True):
            with self.assertRaisesRegex(AccessError, M('msg_not_agent')):
                Session.agent_accept(Session.browse([session.id]))

        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            # The queue is visible to agents
            self.assertEqual(len(Session.search([('state', '=', 'waiting')])),
                2)
            Session.agent_accept(Session.browse([session.id]))
            with self.assertRaisesRegex(UserError, M('msg_agent_limit')):
                Session.agent_accept(Session.browse([other.id]))
            session = Session(session.id)
            self.assertEqual(session.state, 'active')
            protocol = session.protocol
            self.assertEqual(protocol.channel, 'webchat')
            self.assertEqual(protocol.agent, ana)
            self.assertEqual(protocol.state, 'attending')
            Session.agent_send([session], None, article=article.id)
            Session.agent_send([session], "Algo mais?")

        with Transaction().set_user(bruno.id), \
                Transaction().set_context(_check_access=True):
            # Another agent sees the queue but not Ana's conversation
            self.assertEqual(
                [s.id for s in Session.search([])], [other.id])
            with self.assertRaises(UserError):
                Session.agent_send(Session.browse([session.id]), "intruso")

        session = Session(session.id)
        session.citizen_send("Não, obrigada.")
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            with self.assertRaisesRegex(UserError, M('msg_classification_required')):
                Session.agent_close([Session(session.id)], None)
            Session.agent_close([Session(session.id)],
                classifications['PADRAO'].id)
        session = Session(session.id)
        self.assertEqual(session.state, 'survey')
        with self.assertRaisesRegex(UserError, M('msg_session_not_open')):
            session.citizen_send("depois do fim")
        with self.assertRaisesRegex(ValidationError, M('msg_survey_score')):
            session.answer_survey(11)
        session.answer_survey(9)
        session = Session(session.id)
        protocol = Protocol(session.protocol.id)
        self.assertEqual(session.state, 'closed')
        self.assertEqual(protocol.state, 'closed')
        self.assertEqual(protocol.survey_score, 9)
        self.assertEqual(protocol.classification, classifications['PADRAO'])
        self.assertEqual(protocol.kb_articles, (article,))
        self.assertTrue(protocol.answer)
        self.assertTrue(protocol.billable)
        # welcome, service, request, article, answer, reply, quality, score
        self.assertEqual(session.interaction_count, 8)
        self.assertTrue(session.concluded_in_time)
        self.assertTrue(session.realized)
        self.assertTrue(session.attended)
        self.assertTrue(session.billable)
        self.assertTrue(session.first_contact)
        self.assertEqual(
            Session.search([('billable', '=', True)]), [session])
        kinds = [m.kind for m in session.messages]
        self.assertEqual(kinds, ['welcome', 'service', 'text', 'notice',
                'article', 'text', 'text', 'quality', 'score'])
        answer = [m for m in session.messages if m.author_type == 'agent']
        # Only an answer to a pending request has a response time
        self.assertIsNotNone(answer[0].response_time)
        self.assertIsNone(answer[1].response_time)

        now = dt.datetime.now()
        start = now - dt.timedelta(days=1)
        end = now + dt.timedelta(days=1)
        counts = Session.annex_a_counts(start, end)
        self.assertEqual(counts, {
                'sessions': 2, 'concluded_in_time': 1, 'awaiting_see': 0,
                'realized': 1, 'not_realized': 1, 'attended': 1,
                'billable': 1, 'first_contact': 1})
        figures = Figures.totals(start, end)
        self.assertEqual(figures['received'], 2)
        self.assertEqual(figures['responses'], 2)
        self.assertEqual(figures['sessions'], 2)
        self.assertEqual(figures['concluded'], 1)
        self.assertIsNotNone(figures['response_time'])
        with Transaction().set_context(
                from_date=start.date(), to_date=end.date()):
            rows = Figures.search([])
            self.assertEqual(sum(r.received for r in rows), 2)
            self.assertEqual(sum(r.responses for r in rows), 2)

        # The transcript cannot be changed
        with self.assertRaises(AccessError):
            pool.get('see.chat.message').write(
                list(session.messages[:1]), {'text': "alterado"})

    @with_transaction()
    def test_transfer_and_escalate(self):
        "Transfer to another agent, then escalate to SEE-PE"
        pool = Pool()
        Session = pool.get('see.chat.session')
        Protocol = pool.get('see.protocol')
        _, service, _, classifications = _catalog()
        ana = _user('ana', 'see_atendimento.group_agent')
        bruno = _user('bruno', 'see_atendimento.group_agent')
        supervisor = _user('sup', 'see_atendimento.group_supervisor')
        session, _ = self._open(service)
        session.citizen_send("Minha matrícula sumiu do sistema.")
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            Session.agent_accept([session])
            with self.assertRaisesRegex(UserError, M('msg_not_agent')):
                Session.agent_transfer([Session(session.id)], supervisor.id)
            Session.agent_transfer([Session(session.id)], bruno.id)
            self.assertEqual(Session.search([('id', '=', session.id)]), [])
        session = Session(session.id)
        self.assertEqual(session.agent, bruno)
        self.assertEqual(session.protocol.agent, bruno)
        with Transaction().set_user(bruno.id), \
                Transaction().set_context(_check_access=True):
            with self.assertRaisesRegex(UserError, M('msg_question_required')):
                Session.agent_escalate([Session(session.id)], ' ',
                    classifications['SEEPE'].id)
            Session.agent_escalate([Session(session.id)],
                "Matrícula 123 não aparece no SIEPE.",
                classifications['SEEPE'].id)
        session = Session(session.id)
        protocol = Protocol(session.protocol.id)
        self.assertEqual(protocol.state, 'escalated')
        self.assertTrue(protocol.awaiting_see)
        self.assertEqual(len(protocol.escalations), 1)
        self.assertTrue(session.awaiting_see)
        self.assertTrue(session.realized)
        self.assertFalse(session.first_contact)
        self.assertIn('escalation', [m.kind for m in session.messages])
        session.answer_survey(6)
        self.assertEqual(Protocol(protocol.id).state, 'escalated')
        self.assertEqual(Protocol(protocol.id).survey_score, 6)

    @with_transaction()
    def test_address_rate(self):
        "Requests per address in a sliding minute, counted in the database"
        pool = Pool()
        Rate = pool.get('see.chat.address.rate')
        # 30 s into a minute
        now = 28000000 * 60 + 30
        for i in range(3):
            self.assertTrue(Rate.hit('10.0.0.1', 3, now=now))
        self.assertFalse(Rate.hit('10.0.0.1', 3, now=now))
        # Another address has its own count
        self.assertTrue(Rate.hit('10.0.0.2', 3, now=now))
        # 45 s into the next minute the 4 requests of the previous one
        # weigh a quarter: 1 + 1
        self.assertTrue(Rate.hit('10.0.0.1', 3, now=now + 75))
        self.assertTrue(Rate.hit('10.0.0.1', 3, now=now + 75))
        self.assertFalse(Rate.hit('10.0.0.1', 3, now=now + 75))
        # Only a hash of the address is kept
        rates = Rate.search([])
        self.assertEqual(
            sorted((r.minute - 28000000, r.hits) for r in rates),
            [(0, 1), (0, 4), (1, 3)])
        self.assertNotIn('10.0.0.1', {r.address_hash for r in rates})
        Rate.clean()
        self.assertEqual(Rate.search([], count=True), 0)

    @with_transaction()
    def test_abandon_stale(self):
        """The scheduled task marks abandoned the conversations waiting too
        long, whose citizen vanished or whose access expired"""
        pool = Pool()
        Session = pool.get('see.chat.session')
        Configuration = pool.get('see.chat.configuration')
        Cron = pool.get('ir.cron')
        _, service, _, _ = _catalog()
        ana = _user('ana', 'see_atendimento.group_agent')
        Configuration.create([{
                    'max_wait': dt.timedelta(hours=1),
                    'citizen_timeout': dt.timedelta(minutes=10)}])
        now = dt.datetime.now()
        present, _ = self._open(service, name="Presente")
        long_waiting, _ = self._open(service, name="Esperou demais")
        vanished, _ = self._open(service, name="Sumiu")
        expired, _ = self._open(service, name="Expirou")
        attended, _ = self._open(service, name="Atendido")
        Session.write([long_waiting], {
                'start_date': now - dt.timedelta(hours=2),
                'citizen_seen': now})
        Session.write([vanished, attended], {
                'citizen_seen': now - dt.timedelta(minutes=11)})
        Session.write([expired], {
                'expire_date': now - dt.timedelta(seconds=1)})
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            Session.agent_accept(Session.browse([attended.id]))
        # A page asking for news keeps the conversation
        Session.citizen_seen_now(present.id)
        self.assertFalse(Session(present.id).citizen_seen_stale())

        cron, = Cron.search([
                ('method', '=', 'see.chat.session|abandon_stale')])
        self.assertTrue(cron.active)
        Cron.run_once([cron])

        states = {s.requester_name: s.state for s in Session.search([])}
        self.assertEqual(states, {
                "Presente": 'waiting', "Esperou demais": 'abandoned',
                "Sumiu": 'abandoned', "Expirou": 'abandoned',
                "Atendido": 'active'})
        for session in Session.browse([long_waiting, vanished, expired]):
            self.assertTrue(session.end_date)
            self.assertEqual(session.messages[-1].kind, 'notice')
            self.assertRegex(session.messages[-1].text, M('msg_abandoned'))
        # Nothing more to do the next time
        self.assertEqual(Session.abandon_stale(), [])
        # Abandoned conversations count for nothing in Annex A
        counts = Session.annex_a_counts(
            now - dt.timedelta(days=1), now + dt.timedelta(days=1))
        self.assertEqual(counts['sessions'], 2)

    @with_transaction()
    def test_close_unanswered(self):
        """The scheduled task closes the concluded conversations whose
        quality question went unanswered, so that they leave the agent's
        console; the attendance and its figures stay as they were"""
        pool = Pool()
        Session = pool.get('see.chat.session')
        Protocol = pool.get('see.protocol')
        Configuration = pool.get('see.chat.configuration')
        Cron = pool.get('ir.cron')
        _, service, _, classifications = _catalog()
        ana = _user('ana', 'see_atendimento.group_agent')
        Configuration.create([{
                    'survey_wait': dt.timedelta(minutes=30),
                    'agent_limit': 5}])
        now = dt.datetime.now()
        names = ["Sem resposta", "Acabou de concluir", "Acesso expirou",
            "Respondeu", "Em atendimento"]
        sessions = {name: self._open(service, name=name)[0]
            for name in names}
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            Session.agent_accept(Session.browse(
                    [s.id for s in sessions.values()]))
            for name in names[:4]:
                Session.agent_send([Session(sessions[name].id)], "Pronto.")
                Session.agent_close([Session(sessions[name].id)],
                    classifications['PADRAO'].id)
        Session(sessions["Respondeu"].id).answer_survey(10)
        Session.write([Session(sessions["Sem resposta"].id)], {
                'end_date': now - dt.timedelta(minutes=31)})
        Session.write([Session(sessions["Acesso expirou"].id)], {
                'expire_date': now - dt.timedelta(seconds=1)})
        before = {s.id: s.interaction_count for s in Session.search([])}

        def console():
            "The conversations of Ana's console, as its route finds them"
            return {s.requester_name for s in Session.search([
                        ('agent', '=', ana.id),
                        ('state', 'in', ['active', 'survey']),
                        ])}
        self.assertEqual(console(), set(names) - {"Respondeu"})

        cron, = Cron.search([
                ('method', '=', 'see.chat.session|close_unanswered')])
        self.assertTrue(cron.active)
        Cron.run_once([cron])

        states = {s.requester_name: s.state for s in Session.search([])}
        self.assertEqual(states, {
                "Sem resposta": 'closed', "Acabou de concluir": 'survey',
                "Acesso expirou": 'closed', "Respondeu": 'closed',
                "Em atendimento": 'active'})
        self.assertEqual(console(), {"Acabou de concluir", "Em atendimento"})
        for name in ["Sem resposta", "Acesso expirou"]:
            session = Session(sessions[name].id)
            self.assertEqual(session.messages[-1].kind, 'notice')
            self.assertRegex(
                session.messages[-1].text, M('msg_survey_unanswered'))
            # The notice is no interaction, the conclusion stays
            self.assertEqual(
                session.interaction_count, before[session.id])
            self.assertTrue(session.concluded_in_time)
            self.assertIsNone(session.survey_score)
            self.assertEqual(
                Protocol(session.protocol.id).state, 'resolved')
        with self.assertRaisesRegex(UserError, M('msg_survey_not_open')):
            Session(sessions["Sem resposta"].id).answer_survey(8)
        self.assertEqual(Session.close_unanswered(), [])

    @with_transaction()
    def test_access_per_role(self):
        "Who reads conversations and who changes them"
        pool = Pool()
        Session = pool.get('see.chat.session')
        Message = pool.get('see.chat.message')
        Reply = pool.get('see.chat.reply')
        ModelAccess = pool.get('ir.model.access')
        Figures = pool.get('see.chat.figures')
        _, service, _, _ = _catalog()
        session, _ = self._open(service)
        users = {role: _user(f'wc_{role}', f'see_atendimento.group_{role}')
            for role in ['agent', 'supervisor', 'auditor', 'admin',
                'contract_manager', 'fiscal', 'unit']}
        nobody = _user('nobody')
        for role, user in [*users.items(), ('nobody', nobody)]:
            with self.subTest(role=role), \
                    Transaction().set_user(user.id), \
                    Transaction().set_context(_check_access=True):
                if role == 'nobody':
                    with self.assertRaises(AccessError):
                        Session.search([])
                    continue
                found = Session.search([])
                self.assertEqual(len(found), 0 if role == 'unit' else 1)
                if found:
                    self.assertTrue(Message.search([]))
                    with self.assertRaises(AccessError):
                        Session.write(found, {'requester_name': "X"})
                    with self.assertRaises(AccessError):
                        Session.delete(found)
                self.assertEqual(ModelAccess.check(
                        'see.chat.configuration', 'write',
                        raise_exception=False), role == 'admin')
                self.assertEqual(ModelAccess.check(
                        'see.chat.agent', 'write',
                        raise_exception=False), role == 'admin')
                if role in {'admin', 'supervisor'}:
                    Reply.create([{'name': role, 'text': "Bom dia!"}])
                else:
                    with self.assertRaises(AccessError):
                        Reply.create([{'name': role, 'text': "Oi"}])
                if role in {'agent', 'unit'}:
                    with self.assertRaises(AccessError):
                        Figures.search([])
                else:
                    Figures.search([])

    @with_transaction()
    def test_workflow(self):
        """The state moves only through the transitions; every field is
        refused on a direct write, even with write access granted"""
        pool = Pool()
        Session = pool.get('see.chat.session')
        Message = pool.get('see.chat.message')
        ModelAccess = pool.get('ir.model.access')
        _, service, _, _ = _catalog()
        ana = _user('ana', 'see_atendimento.group_agent')
        auditor = _user('auditor', 'see_atendimento.group_auditor')
        session, _ = self._open(service)
        self.assertEqual(Session._transitions, {
                ('waiting', 'active'), ('waiting', 'abandoned'),
                ('active', 'survey'), ('survey', 'closed')})
        # A transition from another state does nothing
        Session.conclude([session])
        self.assertEqual(Session(session.id).state, 'waiting')

        # Write access granted by mistake: the fields stay read-only
        ModelAccess.create([{
                    'model': 'see.chat.session', 'group': _group(
                        'see_atendimento.group_agent'),
                    'perm_read': True, 'perm_write': True}])
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            for name, value in [
                    ('state', 'closed'),
                    ('end_date', dt.datetime(2020, 1, 1)),
                    ('start_date', dt.datetime(2020, 1, 1)),
                    ('interaction_count', 99),
                    ('awaiting_see', True),
                    ('concluded_in_time', True),
                    ('agent', ana.id),
                    ]:
                with self.subTest(field=name):
                    with self.assertRaisesRegex(AccessError, re.escape(
                                Session.__names__(field=name)['field'])):
                        Session.write([Session(session.id)], {name: value})
            with self.assertRaises(AccessError):
                Message.create([{'session': session.id,
                            'author_type': 'agent', 'kind': 'text',
                            'text': "forjada"}])
        session = Session(session.id)
        self.assertEqual(session.state, 'waiting')
        self.assertEqual(session.interaction_count, 2)
        self.assertFalse(session.awaiting_see)

        # The button of the web client: agents only, then the console
        with Transaction().set_user(auditor.id), \
                Transaction().set_context(_check_access=True):
            with self.assertRaises(UserError):
                Session.accept([Session(session.id)])
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            action = Session.accept([Session(session.id)])
        self.assertEqual(action, pool.get('ir.action').get_action_id(
                _group('see_webchat.act_console')))
        session = Session(session.id)
        self.assertEqual(session.state, 'active')
        self.assertEqual(session.agent, ana)

    @with_transaction()
    def test_history(self):
        "Each change of a conversation is kept with who made it"
        pool = Pool()
        Session = pool.get('see.chat.session')
        _, service, _, classifications = _catalog()
        ana = _user('ana', 'see_atendimento.group_agent')
        session, _ = self._open(service)
        with Transaction().set_user(ana.id), \
                Transaction().set_context(_check_access=True):
            Session.agent_accept([session])
            Session.agent_close([Session(session.id)],
                classifications['PADRAO'].id)
        table = Session.__table_history__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*table.select(table.state,
                Coalesce(table.write_uid, table.create_uid),
                where=table.id == session.id,
                order_by=[Column(table, '__id').asc]))
        self.assertEqual(list(cursor), [
                ('waiting', Transaction().user), ('active', ana.id),
                ('survey', ana.id)])

    def test_content_disposition(self):
        "A file name out of Latin-1 downloads with its UTF-8 name"
        from trytond.modules.see_webchat.routes import content_disposition
        self.assertEqual(content_disposition('declaração çã 😀.pdf'),
            'attachment; filename="declaracao ca _.pdf"; '
            "filename*=UTF-8''declara%C3%A7%C3%A3o%20%C3%A7%C3%A3%20"
            '%F0%9F%98%80.pdf')
        self.assertEqual(content_disposition('a"b\\c/d\r.png'),
            'attachment; filename="a_b_c_d_.png"; '
            "filename*=UTF-8''a%22b%5Cc%2Fd%0D.png")
        self.assertEqual(content_disposition('😀'),
            'attachment; filename="_"; filename*=UTF-8\'\'%F0%9F%98%80')
        # The header is Latin-1 on the wire
        content_disposition('日本語.txt').encode('latin-1')


del ModuleTestCase
