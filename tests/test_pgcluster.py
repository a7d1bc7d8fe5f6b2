# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The project's own PostgreSQL (scripts/pgcluster.py): made on first use,
reused, stopped on demand, and what `make test` falls back to when no
server answers at TRYTOND_DATABASE__URI."""
import os
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'scripts'))
import pgcluster  # noqa: E402
import run_tests  # noqa: E402

CLOSED = 'postgresql://postgres@127.0.0.1:1/'


class ClusterTestCase(unittest.TestCase):

    def setUp(self):
        folder = tempfile.TemporaryDirectory(prefix='see-pg-')
        self.addCleanup(folder.cleanup)
        self.cluster = pgcluster.Cluster(Path(folder.name) / 'postgres')
        self.addCleanup(self.cluster.stop)

    def test_created_reused_and_stopped(self):
        "A new cluster answers, keeps its data across a stop and a start"
        self.assertIsNone(self.cluster.port)
        uri = self.cluster.start()
        self.assertTrue(pgcluster.reachable(uri))
        self.assertEqual(self.cluster.start(), uri)
        with psycopg.connect(uri + 'postgres', autocommit=True) as conn:
            conn.execute('CREATE DATABASE kept')
            (version,), = conn.execute('SHOW server_version').fetchall()
        self.assertTrue(version.startswith('18'))
        self.cluster.stop()
        self.assertIsNone(self.cluster.port)
        self.assertFalse(pgcluster.reachable(uri))
        uri = self.cluster.start()
        with psycopg.connect(uri + 'kept') as conn:
            # The extension the knowledge base search uses
            self.assertEqual(conn.execute("SELECT COUNT(*) FROM "
                    "pg_available_extensions WHERE name = 'unaccent'"
                    ).fetchall(), [(1,)])

    def test_make_test_falls_back(self):
        """With no server at TRYTOND_DATABASE__URI, the test run starts its
        own, points the suites at it, with the matching pg_dump first"""
        with mock.patch.dict(os.environ, {'TRYTOND_DATABASE__URI': CLOSED}), \
                mock.patch.object(run_tests, 'ROOT',
                    self.cluster.path.parent):
            started = run_tests.database_server()
            self.addCleanup(started.stop)
            uri = os.environ['TRYTOND_DATABASE__URI']
            path = os.environ['PATH']
        self.assertEqual(started.path, self.cluster.path.parent
            / 'var' / 'postgres-test')
        self.assertEqual(uri, started.uri)
        self.assertTrue(pgcluster.reachable(uri))
        self.assertTrue(path.startswith(str(pgcluster.bin_dir())))
        started.stop()
        self.assertFalse(pgcluster.reachable(uri))

    def test_make_test_uses_a_server_that_answers(self):
        "A server answering at TRYTOND_DATABASE__URI is used as it is"
        uri = self.cluster.start()
        with mock.patch.dict(os.environ, {'TRYTOND_DATABASE__URI': uri}):
            self.assertIsNone(run_tests.database_server())
            self.assertEqual(os.environ['TRYTOND_DATABASE__URI'], uri)


if __name__ == '__main__':
    unittest.main()
