# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""A session that ends is refused by every process of the server, though
each process remembers the sessions it has checked"""
import sys
import time
import unittest
import urllib.error
from pathlib import Path

from tests.server import ServerTestCase, password

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / 'examples'))
import integration_client  # noqa: E402

# A notification reaches the other processes in milliseconds; a loaded CI
# machine may take longer, never this long
PROPAGATION = 10


class SessionTestCase(ServerTestCase):
    # As config/production.conf: the processes clear each other's caches
    # through PostgreSQL notifications
    server_options = {
        'web': False, 'env': {'TRYTOND_CACHE__CLEAN_TIMEOUT': '0'}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_url = cls.server.serve_another()

    def client(self, url, login, secret):
        client = integration_client.TrytonClient(url, self.server.database)
        client.login(login, secret)
        return client

    def on(self, url, client):
        "The same session sent to the process at url"
        other = integration_client.TrytonClient(url, self.server.database)
        other.authorization = client.authorization
        return other

    def preferences(self, client):
        return client._post('model.res.user.get_preferences', [True, {}])

    def assertRefused(self, client):
        deadline = time.monotonic() + PROPAGATION
        while True:
            try:
                self.preferences(client)
            except urllib.error.HTTPError as error:
                self.assertIn(error.code, {401, 403})
                return
            if time.monotonic() > deadline:
                self.fail("the ended session is still accepted")
            time.sleep(0.1)

    def test_logout_ends_session_everywhere(self):
        "A logout in one process is refused by the process that checked it"
        agent = self.server.users['agent']
        here = self.client(self.server.url, agent.login, password('agent'))
        there = self.on(self.other_url, here)
        # Both processes check the session and remember it
        for client in [here, there, here, there]:
            self.assertEqual(self.preferences(client)['language'], 'pt')

        here.logout()

        self.assertRefused(self.on(self.server.url, there))
        self.assertRefused(there)

    def test_password_change_ends_sessions(self):
        "Changing a user's password or deactivating it ends its sessions"
        connection = self.server.proteus('root')
        User = connection.get('res.user')
        for change in ['password', 'active']:
            with self.subTest(change=change):
                login = f'sessao-{change}'
                user = User(login=login, name=f"Sessão {change}",
                    password='Sessao-Senha-1')
                user.save()
                client = self.client(self.other_url, login, 'Sessao-Senha-1')
                for _ in range(2):
                    self.assertEqual(
                        self.preferences(client)['language'], 'pt')

                if change == 'password':
                    user.password = 'Outra-Senha-2'
                else:
                    user.active = False
                user.save()

                self.assertRefused(client)


if __name__ == '__main__':
    unittest.main()
