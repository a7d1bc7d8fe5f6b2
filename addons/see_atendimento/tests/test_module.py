# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
import datetime as dt
import random

from trytond.modules.see_atendimento.protocol import NOT_RECURRING_STATES
from trytond.pool import Pool
from trytond.tests.test_tryton import ModuleTestCase, with_transaction
from trytond.transaction import Transaction


class SeeAtendimentoTestCase(ModuleTestCase):
    "Test See Atendimento module"
    module = 'see_atendimento'

    def assert_reincidence_exact(self):
        "Compare the stored reincidence with the FCR rule from scratch"
        pool = Pool()
        Protocol = pool.get('see.protocol')
        Configuration = pool.get('see.configuration')
        window = dt.timedelta(days=Configuration(1).reincidence_days)
        protocols = Protocol.search([])

        def counted(protocol):
            return protocol.state not in NOT_RECURRING_STATES

        def earlier(protocol):
            return [q.start_date for q in protocols
                if q.requester == protocol.requester
                and q.service == protocol.service
                and q.id != protocol.id
                and q.start_date < protocol.start_date
                and counted(q)]

        expected = {p.id for p in protocols
            if p.requester and p.service and counted(p)
            and any(d >= p.start_date - window for d in earlier(p))}
        self.assertEqual(
            {p.id for p in protocols if p.reincident}, expected)
        self.assertEqual(
            {p.id for p in Protocol.search([('reincident', '=', True)])},
            expected)
        self.assertEqual(
            {p.id for p in Protocol.search([('reincident', '=', False)])},
            {p.id for p in protocols} - expected)
        for protocol in protocols:
            self.assertEqual(protocol.previous_contact, max(
                    earlier(protocol), default=None)
                if protocol.requester and protocol.service else None)

    @with_transaction()
    def test_reincidence_stored_exact(self):
        "Test the stored reincidence follows every change exactly"
        pool = Pool()
        Protocol = pool.get('see.protocol')
        Party = pool.get('party.party')
        Unit = pool.get('see.unit')
        Service = pool.get('see.service')
        Classification = pool.get('see.classification')
        Configuration = pool.get('see.configuration')
        rng = random.Random(3)

        unit, = Unit.create([{'name': "Unidade", 'code': 'U'}])
        services = Service.create([{
                    'name': "Serviço %s" % i, 'code': 'S%s' % i,
                    'unit': unit.id} for i in range(2)])
        parties = Party.create([{'name': "Cidadão %s" % i} for i in range(3)])
        classification = Classification.search([], limit=1)[0]
        origin = dt.datetime(2024, 3, 1, 9)

        def create(count):
            return Protocol.create([{
                        'requester_name': "Cidadão",
                        'requester': rng.choice(parties).id
                        if rng.random() > .1 else None,
                        'service': rng.choice(services).id,
                        'classification': classification.id,
                        'agent': 1,
                        # Whole days make equal starts and window edges
                        'start_date': origin + dt.timedelta(
                            days=rng.randrange(60)),
                        } for _ in range(count)])

        protocols = create(40)
        self.assert_reincidence_exact()

        # In attendance as imported: some have no requester, which the
        # start button refuses
        Protocol.write(protocols[:30], {'state': 'attending'})
        escalated = protocols[:12]
        Protocol.mark_escalated(escalated)
        self.assert_reincidence_exact()
        Protocol.mark_answered(escalated[:6])
        Protocol.cancel(protocols[30:35])
        self.assert_reincidence_exact()

        drafts = protocols[35:]
        for protocol in drafts:
            Protocol.write([protocol], {
                    'requester': rng.choice(parties).id,
                    'service': rng.choice(services).id,
                    })
        Protocol.write(drafts[:2], {
                'start_date': origin + dt.timedelta(days=15)})
        Protocol.write(drafts[2:3], {'service': None})
        self.assert_reincidence_exact()

        protocols = create(10)
        Protocol.cancel(protocols[:3])
        self.assert_reincidence_exact()

        configuration = Configuration(1)
        configuration.reincidence_days = 7
        configuration.save()
        self.assert_reincidence_exact()

        # Filled from scratch, as when the column is added, it is the same
        Protocol.update_previous_contact()
        self.assert_reincidence_exact()

    @with_transaction()
    def test_party_code_forms(self):
        "Test the forms of a party's code are stored at creation and change"
        pool = Pool()
        Party = pool.get('party.party')

        def stored(party):
            party = Party(party.id)
            return party.code, party.code_alnum, party.code_digit

        numbered, = Party.create([{'name': "Cidadã"}])
        code = numbered.code
        self.assertEqual(stored(numbered),
            (code, ''.join(c for c in code if c.isalnum()),
                int(''.join(c for c in code if c.isdigit()))))
        given, = Party.create([{'name': "Escola", 'code': "E-12.34"}])
        self.assertEqual(stored(given), ("E-12.34", "E1234", 1234))
        Party.write([given], {'code': "ESC-9"})
        self.assertEqual(stored(given), ("ESC-9", "ESC9", 9))
        Party.write([given], {'code': "ESCOLA"})
        self.assertEqual(stored(given), ("ESCOLA", "ESCOLA", None))
        self.assertEqual(Party.search([('code', '=', 'ESCOLA')]), [given])

    @with_transaction()
    def test_find_requester_by_cpf(self):
        "Test a citizen known by their CPF is found whatever its form"
        pool = Pool()
        Party = pool.get('party.party')
        party = Party.get_or_create_requester("Maria", cpf='52998224725')
        # The party module stores the code formatted
        self.assertEqual(party.identifiers[0].code, '529.982.247-25')
        for cpf in ['52998224725', '529.982.247-25']:
            self.assertEqual(Party.find_requester(cpf=cpf), party)
            self.assertEqual(
                Party.get_or_create_requester("Maria", cpf=cpf), party)
        self.assertIsNone(Party.find_requester(cpf='11144477735'))

    @with_transaction()
    def test_audit_changes(self):
        "Test the changes are the differences of consecutive versions"
        pool = Pool()
        Unit = pool.get('see.unit')
        Service = pool.get('see.service')
        Classification = pool.get('see.classification')
        Changes = pool.get('see.audit.changes', type='wizard')
        transaction = Transaction()

        units = Unit.create([{'name': "Unidade %s" % i, 'code': 'U%s' % i}
                for i in range(2)])
        service, = Service.create([{
                    'name': "Matrícula", 'code': 'MAT', 'unit': units[0].id}])
        Service.write([service], {'kind': 'especial', 'unit': units[1].id})
        Service.write([service], {'description': "Anual"})
        # Nothing changed: no change shown
        Service.write([service], {'description': "Anual"})
        classification, = Classification.create([{
                    'name': "Trote", 'code': 'T', 'billable': True}])
        Classification.write([classification], {'billable': False})

        with transaction.set_context(language='en'):
            rows = [(c['field'], c['old_value'], c['new_value'])
                for c in Changes.get_changes(Service, [service])]
            self.assertEqual(rows[-3:], [
                    ("Kind", "Routine", "Special"),
                    ("Responsible Unit", "Unidade 0", "Unidade 1"),
                    ("Description", "", "Anual"),
                    ])
            self.assertIn(("Name", "", "Matrícula"), rows)
            self.assertIn(("Active", "", "Yes"), rows)
            changes = Changes.get_changes(Classification, [classification])
            self.assertEqual(
                (changes[-1]['field'], changes[-1]['old_value'],
                    changes[-1]['new_value'], changes[-1]['user']),
                ("Billable", "Yes", "No", "Administrador"))

    @with_transaction()
    def test_calendar_holidays(self):
        "Pernambuco holidays from the package plus the admin's"
        pool = Pool()
        Calendar = pool.get('see.sla.calendar')
        Holiday = pool.get('see.sla.holiday')
        self.assertTrue(Calendar._history and Holiday._history)
        routine, = Calendar.create([weekdays_calendar()])
        # 6 March 2024: Revolução Pernambucana (state holiday)
        days = routine.holiday_dates(dt.date(2024, 3, 1), dt.date(2024, 3, 31))
        self.assertIn(dt.date(2024, 3, 6), days)
        intervals = routine.service_intervals(
            dt.date(2024, 3, 4), dt.date(2024, 3, 10))
        # Monday to Friday minus the 6th, 08:00-19:00 in Recife (UTC-3)
        self.assertEqual(len(intervals), 4)
        self.assertEqual(intervals[0],
            (dt.datetime(2024, 3, 4, 11), dt.datetime(2024, 3, 4, 22)))
        Holiday.create([
                {'date': dt.date(2024, 3, 6), 'name': "Aberto",
                    'kind': 'working'},
                {'date': dt.date(2024, 3, 8), 'name': "Ponto facultativo",
                    'calendar': routine.id},
                ])
        intervals = routine.service_intervals(
            dt.date(2024, 3, 4), dt.date(2024, 3, 10))
        self.assertEqual([s.day for s, _ in intervals], [4, 5, 6, 7])

    @with_transaction()
    def test_calendar_open_and_next_opening(self):
        "Whether the service is open at a time and when it opens next"
        pool = Pool()
        Calendar = pool.get('see.sla.calendar')
        calendar, = Calendar.create([weekdays_calendar()])
        utc = dt.datetime
        # Tuesday 5 March 2024, 10:00 in Recife (13:00 UTC): open
        self.assertEqual(calendar.interval_at(utc(2024, 3, 5, 13)),
            (utc(2024, 3, 5, 11), utc(2024, 3, 5, 22)))
        # 19:00 in Recife: closed, opens on Thursday (the 6th is a holiday)
        self.assertIsNone(calendar.interval_at(utc(2024, 3, 5, 22)))
        self.assertEqual(calendar.next_opening(utc(2024, 3, 5, 22)),
            utc(2024, 3, 7, 11))
        # Friday 21:30 in Recife is Saturday 00:30 UTC: opens on Monday
        self.assertIsNone(calendar.interval_at(utc(2024, 3, 9, 0, 30)))
        self.assertEqual(calendar.next_opening(utc(2024, 3, 9, 0, 30)),
            utc(2024, 3, 11, 11))
        # Before the opening of a service day: opens that day
        self.assertEqual(calendar.next_opening(utc(2024, 3, 11, 10)),
            utc(2024, 3, 11, 11))
        # Open every day until 23:59:59: open at 23:30 in Recife
        always, = Calendar.create([dict(weekdays_calendar(),
                    name="Todos os dias", start_time=dt.time(0, 0),
                    end_time=dt.time(23, 59, 59), saturday=True,
                    sunday=True, holiday_country=None)])
        self.assertIsNotNone(always.interval_at(utc(2024, 3, 10, 2, 30)))
        self.assertIsNotNone(always.interval_at(utc(2024, 3, 6, 13)))


    @with_transaction()
    def test_calendar_moved_from_see_sla(self):
        """A database where see_sla registered the calendars records them
        as see_atendimento's on update, keeping their rows"""
        pool = Pool()
        Calendar = pool.get('see.sla.calendar')
        Model = pool.get('ir.model')
        ModelField = pool.get('ir.model.field')
        calendar, = Calendar.create([weekdays_calendar()])
        model = Model.__table__()
        field = ModelField.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*model.update([model.module], ['see_sla'],
                where=model.name == 'see.sla.calendar'))
        cursor.execute(*field.update([field.module], ['see_sla'],
                where=field.model == 'see.sla.calendar'))
        Calendar.__register__('see_atendimento')
        cursor.execute(*model.select(model.module,
                where=model.name == 'see.sla.calendar'))
        self.assertEqual(cursor.fetchall(), [('see_atendimento',)])
        cursor.execute(*field.select(field.module,
                where=field.model == 'see.sla.calendar', group_by=[
                    field.module]))
        self.assertEqual(cursor.fetchall(), [('see_atendimento',)])
        self.assertEqual(Calendar.search([]), [calendar])

    def test_scrub_text(self):
        "Test the CPFs, phones, e-mails and names are removed from a text"
        from trytond.modules.see_atendimento.anonymisation import scrub_text
        text = ("Maria Souza, CPF 529.982.247-25 (ou 52998224725), fone "
            "(81) 98765-4321, +55 81 3333-4444, 81987654321, "
            "maria.s@example.com; protocolo 2024000123, matrícula "
            "123.456.789-00, MARIA SOUZA ligou")
        self.assertEqual(scrub_text(text, ["Maria Souza"]),
            "[nome removido], CPF [CPF removido] (ou [CPF removido]), fone "
            "[telefone removido], [telefone removido], [telefone removido], "
            "[e-mail removido]; protocolo 2024000123, matrícula "
            "123.456.789-00, [nome removido] ligou")
        self.assertIsNone(scrub_text(None))

    @with_transaction()
    def test_access_log(self):
        """A user's read of a protocol's requester data is logged, one row
        per record; a read of other fields is not; old rows are purged"""
        pool = Pool()
        Protocol = pool.get('see.protocol')
        Log = pool.get('see.data.access.log')
        Unit = pool.get('see.unit')
        Service = pool.get('see.service')
        transaction = Transaction()
        unit, = Unit.create([{'name': "Unidade", 'code': 'U'}])
        service, = Service.create([{
                    'name': "Matrícula", 'code': 'MAT', 'unit': unit.id}])
        protocols = Protocol.create([{
                    'channel': 'telefone', 'requester_name': name,
                    'requester_phone': '+558198765000%s' % n,
                    'service': service.id,
                    } for n, name in enumerate(["Maria", "João"], 1)])
        ids = [p.id for p in protocols]

        def logged():
            with transaction.new_transaction() as other:
                cursor = other.connection.cursor()
                table = Log.__table__()
                cursor.execute(*table.select(table.user, table.resource,
                        table.kind, table.field_names,
                        where=table.resource.in_(
                            ['see.protocol,%s' % i for i in ids]),
                        order_by=[table.resource]))
                return cursor.fetchall()

        with transaction.set_context(_check_access=True):
            Protocol.read(ids, ['state', 'number'])
            self.assertEqual(logged(), [])
            Protocol.read(ids, ['state', 'requester_name'])
        self.assertEqual(logged(), [
                (transaction.user, 'see.protocol,%s' % i, 'read',
                    'requester_name') for i in ids])
        # A read by the server's own processes is not a user's access
        Protocol.read(ids, ['requester_cpf'])
        self.assertEqual(len(logged()), 2)

        with transaction.new_transaction() as other:
            table = Log.__table__()
            other.connection.cursor().execute(*table.update(
                    [table.date], [dt.datetime(2000, 1, 1)],
                    where=table.resource == 'see.protocol,%s' % ids[0]))
        with transaction.new_transaction():
            Log.purge()
        self.assertEqual([r[1] for r in logged()],
            ['see.protocol,%s' % ids[1]])


def weekdays_calendar():
    "Values of a calendar open Monday to Friday 08:00-19:00 in Recife"
    return {
        'name': "Dias úteis", 'kind': 'rotineiro',
        'start_time': dt.time(8, 0), 'end_time': dt.time(19, 0),
        'monday': True, 'tuesday': True, 'wednesday': True,
        'thursday': True, 'friday': True,
        'saturday': False, 'sunday': False,
        'timezone': 'America/Recife',
        'holiday_country': 'BR', 'holiday_subdivision': 'PE',
        }


del ModuleTestCase
