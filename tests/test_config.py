# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The trytond configurations of config/: they parse, every option is one
trytond reads, and the security settings are set."""
import configparser
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from urllib.parse import urlsplit

import trytond

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / 'config' / 'demo.conf'
PRODUCTION = ROOT / 'config' / 'production.conf'


def read(path):
    # trytond reads its files with a RawConfigParser: no interpolation
    parser = configparser.RawConfigParser()
    with open(path, encoding='utf-8') as file:
        parser.read_file(file)
    return parser


def trytond_source():
    "The text of trytond's own Python files"
    root = Path(trytond.__file__).parent
    return '\n'.join(
        p.read_text(encoding='utf-8', errors='replace')
        for p in root.rglob('*.py') if 'tests' not in p.parts)


class ConfigTestCase(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.demo = read(DEMO)
        cls.production = read(PRODUCTION)

    def test_options_known_to_trytond(self):
        """Every option set is one trytond or the section's module reads (no
        typo silently ignored); the middlewares' names are free"""
        source = trytond_source()
        for path, parser in [(DEMO, self.demo), (PRODUCTION, self.production)]:
            for section in parser.sections():
                if section == 'wsgi middleware':
                    continue
                if section.startswith('see_'):
                    readers = '\n'.join(p.read_text(encoding='utf-8')
                        for p in (ROOT / 'addons' / section).rglob('*.py'))
                else:
                    readers = source
                for option in parser.options(section):
                    with self.subTest(file=path.name, option=option):
                        self.assertIn(f"'{option}'", readers,
                            f"[{section}] {option} is not read")

    def test_production_middleware(self):
        """The middlewares trytond installs exist: the request limiter with
        the production's count"""
        from trytond.modules.see_atendimento.limiter import (
            ActiveRequestLimiter)
        path = self.production.get('wsgi middleware', 'active_requests')
        module, name = path.rsplit('.', 1)
        self.assertIs(getattr(__import__(module, fromlist=[name]), name),
            ActiveRequestLimiter)
        self.assertGreaterEqual(
            self.production.getint('see_atendimento', 'active_requests'), 1)

    def test_demo_database(self):
        """The demo's database is chosen by scripts/demo.py (its own
        PostgreSQL, --uri or --sqlite); its stored files go under var/"""
        self.assertFalse(self.demo.has_option('database', 'uri'))
        self.assertEqual(self.demo.get('database', 'path'), 'var')

    def test_portuguese(self):
        "Databases are created with Portuguese as their main language"
        self.assertEqual(self.demo.get('database', 'language'), 'pt')
        self.assertEqual(self.production.get('database', 'language'), 'pt')

    def test_demo_web(self):
        "The demo serves the web client on the loopback only"
        self.assertEqual(self.demo.get('web', 'listen'), '127.0.0.1:8000')
        self.assertEqual(
            self.demo.get('web', 'root'), 'node_modules/tryton-sao')
        self.assertTrue(self.demo.getboolean('bus', 'allow_subscribe'))

    def test_demo_security(self):
        "The demo keeps Tryton's login throttling and a password policy"
        self.assertGreater(self.demo.getint('session', 'max_attempt'), 0)
        self.assertLessEqual(self.demo.getint('session', 'max_attempt'), 10)
        self.assertGreater(self.demo.getint('session', 'timeout'), 0)
        self.assertGreaterEqual(self.demo.getint('password', 'length'), 8)

    def test_demo_passwords_follow_policy(self):
        "The passwords scripts/demo.py prints are accepted by the policy"
        sys.path.insert(0, str(ROOT / 'scripts'))
        try:
            import demo
        finally:
            sys.path.remove(str(ROOT / 'scripts'))
        length = self.demo.getint('password', 'length')
        self.assertGreaterEqual(len(demo.DEFAULT_ADMIN_PASSWORD), length)
        for login, *_ in demo.USERS:
            self.assertGreaterEqual(len(f'{login}-demo'), length)

    def test_demo_file_wins_over_environment(self):
        """The file scripts/demo.py writes for the server keeps the demo on
        its database and address even when TRYTOND_DATABASE__URI points
        elsewhere (as `make` exports it)"""
        sys.path.insert(0, str(ROOT / 'scripts'))
        try:
            import demo
        finally:
            sys.path.remove(str(ROOT / 'scripts'))
        env = os.environ.copy()
        env['TRYTOND_DATABASE__URI'] = 'postgresql:///'
        env.pop('TRYTOND_CONFIG', None)
        with tempfile.TemporaryDirectory() as folder:
            target = demo.Target('postgresql://postgres@127.0.0.1:5999/',
                Path(folder), 'see_demo')
            config_file = target.write_config('127.0.0.1:8123')
            output = subprocess.run([sys.executable, '-c',
                    'from trytond import config; '
                    f'config.update_etc([{str(DEMO)!r}, {str(config_file)!r}]);'
                    "print(config.get('database', 'uri')); "
                    "print(config.get('database', 'path')); "
                    "print(config.get('web', 'listen')); "
                    "print(config.get('web', 'root'))"],
                env=env, capture_output=True, text=True, check=True).stdout
        self.assertEqual(output.split(), [
                'postgresql://postgres@127.0.0.1:5999/', folder,
                '127.0.0.1:8123', 'node_modules/tryton-sao'])

    def test_production_database(self):
        "Production is PostgreSQL, credentials outside the file"
        uri = urlsplit(self.production.get('database', 'uri'))
        self.assertEqual(uri.scheme, 'postgresql')
        self.assertIsNone(uri.password)
        self.assertFalse(self.production.getboolean('database', 'list'))
        self.assertTrue(self.production.get('database', 'path'))

    def test_production_security(self):
        "Production sets Tryton's session and password settings"
        get = self.production.getint
        self.assertTrue(1 <= get('session', 'max_attempt') <= 5)
        self.assertGreater(get('session', 'max_attempt_ip_network'), 0)
        self.assertTrue(0 < get('session', 'timeout') <= 3600)
        self.assertTrue(0 < get('session', 'max_age') <= 24 * 60 * 60)
        self.assertEqual(
            self.production.get('session', 'authentications'), 'password')
        self.assertGreaterEqual(get('password', 'length'), 10)
        self.assertTrue(0 < get('password', 'reset_timeout') <= 24 * 60 * 60)
        self.assertGreater(get('request', 'max_size'), 0)
        self.assertEqual(self.production.get('web', 'cors').strip(), '')

    def test_production_workers(self):
        "Several workers share caches and the bus through PostgreSQL"
        self.assertEqual(self.production.getint('cache', 'clean_timeout'), 0)
        self.assertTrue(self.production.getboolean('bus', 'allow_subscribe'))
        self.assertGreater(self.production.getint('database', 'maxconn'), 1)

    def test_production_email(self):
        "Production sends e-mail through a relay, without a password here"
        uri = urlsplit(self.production.get('email', 'uri'))
        self.assertIn(uri.scheme, {'smtp', 'smtp+ssl', 'smtp+tls', 'smtps'})
        self.assertTrue(uri.hostname)
        self.assertIsNone(uri.password)
        self.assertIn('@', self.production.get('email', 'from'))


if __name__ == '__main__':
    unittest.main()
