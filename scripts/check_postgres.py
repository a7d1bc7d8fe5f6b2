"""Stop with one line when no PostgreSQL answers at TRYTOND_DATABASE__URI."""
import os
import sys
from urllib.parse import urlsplit

import psycopg

uri = os.environ.get('TRYTOND_DATABASE__URI', 'postgresql:///')
parts = urlsplit(uri)
try:
    psycopg.connect(
        host=parts.hostname or None, port=parts.port or None,
        user=parts.username or None, password=parts.password or None,
        dbname='postgres', connect_timeout=5).close()
except psycopg.Error as exception:
    first = str(exception).strip().splitlines()[0] if str(exception) else ''
    sys.exit(
        f"PostgreSQL não respondeu em {uri!r} ({first}); defina "
        "TRYTOND_DATABASE__URI, por exemplo "
        "TRYTOND_DATABASE__URI=postgresql://usuario@127.0.0.1:5432/ make test")
