# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The transition export (item 10.1.5 of the terms of reference)

At the end of the contract every record is handed to SEE-PE in open
formats: one CSV and one JSON-lines file per model, ``schema.json`` (each
file's columns: name, type, description, relation), the files (recordings,
citizens' documents) under ``files/`` with an index per model,
``manifest.json`` (row counts, sizes and checksums) and ``SHA256SUMS``, in
a directory or a ZIP.

Each module lists its own models by extending ``see.transition.export``'s
``models()`` (as ``see.retention.rule.kinds()`` and ``see.health.checks()``):
this module knows nothing of telephony or chats. Rows are read in pages
ordered by id, in one REPEATABLE READ transaction (PostgreSQL), so that the
export is a consistent snapshot whatever the size of the tables; each page
of records with personal data is written to the access log as an export.

Settings (``[see_atendimento]``): ``transition_export_path`` (where the web
client's wizard writes, default ``<database path>/transition-exports``),
``transition_export_download_mb`` (largest ZIP offered for download by the
wizard, 200)."""
import csv
import datetime as dt
import decimal
import hashlib
import json
import os
import shutil
import zipfile
from collections import namedtuple

from trytond import __version__ as trytond_version
from trytond import config
from trytond.i18n import gettext
from trytond.model import Model, ModelSQL, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

from .access_log import PersonalDataAccess
from .exceptions import TransitionExportError

FORMAT_VERSION = 1
BATCH = 1000
# Records of a model with Binary fields read in each page: a file may be
# large
FILE_BATCH = 50
FILES_INDEX = [
    ('record', 'integer', "Id of the record the file belongs to"),
    ('field', 'char', "Column (or kind) of the file"),
    ('path', 'char', "Path of the file in the export"),
    ('bytes', 'integer', "Size of the file"),
    ('sha256', 'char', "SHA-256 of the file"),
    ]


class ExportedModel(namedtuple('ExportedModel', ['model', 'fields',
            'exclude', 'files'])):
    """A model in the export

    fields: the names to export (default: every stored field); exclude:
    names never exported (secrets); files: function(records) that yields
    (record, name, source) for the files of records that are not a Binary
    field of the model, source being a path on the server or bytes."""
    __slots__ = ()

    def __new__(cls, model, fields=None, exclude=(), files=None):
        return super().__new__(cls, model, fields, tuple(exclude), files)


def export_path():
    return config.get('see_atendimento', 'transition_export_path',
        default=os.path.join(config.get('database', 'path'),
            'transition-exports'))


def download_limit():
    "Largest ZIP in bytes the wizard offers for download"
    return config.getint('see_atendimento', 'transition_export_download_mb',
        default=200) * 1024 * 1024


def to_json(value):
    "A value read by the ORM as JSON"
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def to_csv(value):
    "A value read by the ORM as a CSV cell (empty for none)"
    value = to_json(value)
    if value is None:
        return ''
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def file_checksum(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as file:
        for chunk in iter(lambda: file.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


def safe_name(name):
    "A file name without directories or characters other systems refuse"
    name = os.path.basename(str(name).replace('\\', '/'))
    name = ''.join(c if c.isalnum() or c in '._-' else '_' for c in name)
    return name.strip('.') or 'file'


class _Table:
    "The CSV and JSON-lines files of one table, written as the rows come"

    def __init__(self, directory, stem, columns):
        self.names = [c for c in columns]
        self.csv_name = stem + '.csv'
        self.jsonl_name = stem + '.jsonl'
        self.rows = 0
        self._csv_file = open(os.path.join(directory, self.csv_name), 'w',
            newline='', encoding='utf-8')
        self._jsonl_file = open(os.path.join(directory, self.jsonl_name),
            'w', encoding='utf-8')
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow(self.names)

    def write(self, row):
        self._csv.writerow([to_csv(row.get(n)) for n in self.names])
        self._jsonl_file.write(json.dumps(
                {n: to_json(row.get(n)) for n in self.names},
                ensure_ascii=False) + '\n')
        self.rows += 1

    def close(self):
        self._csv_file.close()
        self._jsonl_file.close()


class TransitionExport(Model):
    "The export of every record for the transition at the contract's end"
    __string__ = "Transition Export"
    __name__ = 'see.transition.export'

    @classmethod
    def models(cls):
        "Every ExportedModel, in the order of the export; modules extend it"
        return [
            ExportedModel('res.user', fields=[
                    'id', 'login', 'name', 'active', 'create_date']),
            ExportedModel('party.party'),
            ExportedModel('party.identifier'),
            ExportedModel('party.contact_mechanism'),
            ExportedModel('see.unit'),
            ExportedModel('see.unit-res.user'),
            ExportedModel('see.service'),
            ExportedModel('see.classification'),
            ExportedModel('see.sla.calendar'),
            ExportedModel('see.sla.holiday'),
            ExportedModel('see.kb.article'),
            ExportedModel('see.kb.article-see.service'),
            ExportedModel('see.kb.rating'),
            ExportedModel('see.protocol'),
            ExportedModel('see.protocol-see.kb.article'),
            ExportedModel('see.protocol.event'),
            ExportedModel('see.protocol.escalation'),
            ExportedModel('see.retention.rule'),
            ExportedModel('see.data.subject.request'),
            ]

    @classmethod
    def stored_fields(cls, Model, entry):
        "The names of the fields of Model with a column, in a stable order"
        names = []
        for name, field in Model._fields.items():
            if isinstance(field, fields.Function):
                continue
            if not getattr(field, '_sql_type', None):
                continue
            if entry.fields is not None and name not in entry.fields:
                continue
            if name in entry.exclude:
                continue
            names.append(name)
        first = ['id']
        return first + sorted(n for n in names if n not in first)

    @classmethod
    def describe(cls, Model, names):
        "The columns of the schema of Model"
        definitions = Model.fields_get(names)
        columns = []
        for name in names:
            field = Model._fields[name]
            definition = definitions.get(name, {})
            column = {
                'name': name,
                'type': field._type,
                'description': definition.get('string') or name,
                'required': bool(field.required),
                }
            if definition.get('help'):
                column['help'] = definition['help']
            relation = getattr(field, 'model_name', None)
            if relation:
                column['relation'] = relation
            if field._type == 'reference':
                column['relation'] = 'model,id'
            if isinstance(field, fields.Binary):
                column['type'] = 'file'
                column['description'] += ' (path of the file in the export)'
            selection = definition.get('selection')
            if isinstance(selection, list):
                column['selection'] = [s[0] for s in selection]
            columns.append(column)
        return columns

    @classmethod
    def export(cls, directory, options=None):
        """Export every record into directory (absent or empty); with
        options['zip'] into directory + '.zip' instead. Return the manifest"""
        options = dict(options or {})
        directory = os.path.abspath(directory)
        if os.path.exists(directory) and (
                not os.path.isdir(directory) or os.listdir(directory)):
            raise TransitionExportError(gettext(
                    'see_atendimento.msg_transition_export_not_empty',
                    path=directory))
        if options.get('zip') and os.path.exists(directory + '.zip'):
            raise TransitionExportError(gettext(
                    'see_atendimento.msg_transition_export_not_empty',
                    path=directory + '.zip'))
        os.makedirs(os.path.join(directory, 'files'), exist_ok=True)
        try:
            return cls._write(directory, options)
        except BaseException:
            # Nothing half-written is left to be taken for an export
            shutil.rmtree(directory, ignore_errors=True)
            if options.get('zip') and os.path.exists(directory + '.zip'):
                os.remove(directory + '.zip')
            raise

    @classmethod
    def _write(cls, directory, options):
        pool = Pool()
        User = pool.get('res.user')
        Module = pool.get('ir.module')
        Log = pool.get('see.data.access.log')
        transaction = Transaction()
        user = User(transaction.user) if transaction.user else None
        manifest = {
            'format_version': FORMAT_VERSION,
            'created': dt.datetime.now().isoformat(timespec='seconds'),
            'database': transaction.database.name,
            'user': user.login if user else None,
            'trytond': trytond_version,
            'modules': {m.name: m.version for m in Module.search(
                    [('state', '=', 'activated')], order=[('name', 'ASC')])},
            'tables': [],
            'files': [],
            }
        schema = {
            'format_version': FORMAT_VERSION,
            'encoding': 'utf-8',
            'csv': "RFC 4180, comma, first line the column names; empty "
            "cell for none; true/false; dates and times ISO 8601; "
            "decimals with a dot; lists and dicts as JSON",
            'jsonl': "one JSON object per line, the same columns; none is "
            "null; decimals as strings",
            'tables': [],
            }
        with transaction.set_context(_check_access=False,
                active_test=False):
            for entry in cls.models():
                try:
                    Model = pool.get(entry.model)
                except KeyError:
                    # Its module is not activated
                    continue
                if (not issubclass(Model, ModelSQL)
                        or Model._is_table_query()):
                    continue
                table_manifest, table_schema = cls.export_model(
                    directory, Model, entry, Log)
                manifest['tables'].append(table_manifest)
                schema['tables'].append(table_schema)
            cls.completed(manifest, options)

        schema_path = os.path.join(directory, 'schema.json')
        with open(schema_path, 'w', encoding='utf-8') as file:
            json.dump(schema, file, ensure_ascii=False, indent=1)
        for root, _, names in os.walk(directory):
            for name in sorted(names):
                path = os.path.join(root, name)
                manifest['files'].append({
                        'path': os.path.relpath(path, directory).replace(
                            os.sep, '/'),
                        'bytes': os.path.getsize(path),
                        'sha256': file_checksum(path),
                        })
        manifest['files'].sort(key=lambda f: f['path'])
        with open(os.path.join(directory, 'manifest.json'), 'w',
                encoding='utf-8') as file:
            json.dump(manifest, file, ensure_ascii=False, indent=1)
        sums = manifest['files'] + [{'path': 'manifest.json',
                'sha256': file_checksum(
                    os.path.join(directory, 'manifest.json'))}]
        with open(os.path.join(directory, 'SHA256SUMS'), 'w',
                encoding='utf-8') as file:
            for item in sorted(sums, key=lambda f: f['path']):
                file.write('%s  %s\n' % (item['sha256'], item['path']))
        if options.get('zip'):
            cls.zip(directory)
            shutil.rmtree(directory)
            manifest['zip'] = directory + '.zip'
        manifest['path'] = manifest.get('zip') or directory
        return manifest

    @classmethod
    def export_model(cls, directory, Model, entry, Log):
        "Write the files of one model, a page of ids at a time"
        names = cls.stored_fields(Model, entry)
        binaries = [n for n in names
            if isinstance(Model._fields[n], fields.Binary)]
        plain = [n for n in names if n not in binaries]
        personal = set()
        if issubclass(Model, PersonalDataAccess):
            personal = ((Model._personal_fields | Model._personal_downloads)
                & set(names)) or (set(Model._personal_downloads)
                if entry.files else set())
        has_files = bool(binaries or entry.files)
        stem = entry.model
        table = _Table(directory, stem, names)
        index = _Table(directory, stem + '.files',
            [c[0] for c in FILES_INDEX]) if has_files else None
        files_dir = os.path.join(directory, 'files', stem)
        sql_table = Model.__table__()
        cursor = Transaction().connection.cursor()
        # Binary fields are read into memory: small pages for them; files
        # given by path are copied from disk
        batch = FILE_BATCH if binaries else BATCH
        # From -1: res.user's root is id 0
        last = -1
        try:
            while True:
                cursor.execute(*sql_table.select(sql_table.id,
                        where=sql_table.id > last,
                        order_by=[sql_table.id.asc], limit=batch))
                ids = [i for i, in cursor]
                if not ids:
                    break
                last = ids[-1]
                rows = {r['id']: r for r in Model.read(ids, plain)}
                if has_files:
                    cls.export_files(Model, entry, ids, rows, binaries,
                        files_dir, directory, index)
                for id_ in ids:
                    table.write(rows[id_])
                if personal:
                    Log.log(Model.__name__, ids, 'export', personal)
        finally:
            table.close()
            if index:
                index.close()
        manifest = {
            'model': Model.__name__,
            'rows': table.rows,
            'csv': table.csv_name,
            'jsonl': table.jsonl_name,
            }
        schema = {
            'model': Model.__name__,
            'description': Model.__names__()['model'],
            'csv': table.csv_name,
            'jsonl': table.jsonl_name,
            'columns': cls.describe(Model, names),
            }
        if index:
            manifest['files_index'] = {'rows': index.rows,
                'csv': index.csv_name, 'jsonl': index.jsonl_name}
            schema['files_index'] = {'csv': index.csv_name,
                'jsonl': index.jsonl_name,
                'columns': [{'name': n, 'type': t, 'description': d}
                    for n, t, d in FILES_INDEX]}
        return manifest, schema

    @classmethod
    def export_files(cls, Model, entry, ids, rows, binaries, files_dir,
            directory, index):
        "Copy the files of the page's records and index them"
        def store(record_id, name, source):
            target_dir = os.path.join(files_dir, str(record_id))
            os.makedirs(target_dir, exist_ok=True)
            if isinstance(source, (bytes, bytearray, memoryview)):
                target = os.path.join(target_dir, safe_name(name))
                with open(target, 'wb') as file:
                    file.write(source)
            else:
                target = os.path.join(target_dir, safe_name(
                        '%s-%s' % (name, os.path.basename(source))))
                shutil.copyfile(source, target)
            path = os.path.relpath(target, directory).replace(os.sep, '/')
            index.write({'record': record_id, 'field': name, 'path': path,
                    'bytes': os.path.getsize(target),
                    'sha256': file_checksum(target)})
            return path

        for name in binaries:
            field = Model._fields[name]
            filename = getattr(field, 'filename', None)
            for id_ in ids:
                # One record at a time: a page of files may not fit memory
                value, = Model.read([id_], [name] + (
                        [filename] if filename else []))
                rows[id_][name] = None
                if value[name]:
                    label = '%s-%s' % (name,
                        value.get(filename) or 'file') if filename else name
                    rows[id_][name] = store(id_, label, value[name])
        if entry.files:
            for record, name, source in entry.files(Model.browse(ids)):
                if source is None or (isinstance(source, str)
                        and not os.path.isfile(source)):
                    continue
                store(record.id, name, source)

    @classmethod
    def completed(cls, manifest, options):
        """Called once every table is written, before the manifest: modules
        record what the export means for them and add to the manifest"""
        pass

    @staticmethod
    def zip(directory):
        "Write directory into directory.zip (ZIP64 when large)"
        with zipfile.ZipFile(directory + '.zip', 'w',
                compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            for root, _, names in os.walk(directory):
                for name in sorted(names):
                    path = os.path.join(root, name)
                    archive.write(path, os.path.join(
                            os.path.basename(directory),
                            os.path.relpath(path, directory)))


def verify(directory):
    """Check an export directory against its SHA256SUMS: the list of
    (path, problem) found, empty when everything verifies"""
    problems = []
    listed = set()
    with open(os.path.join(directory, 'SHA256SUMS'), encoding='utf-8') as f:
        for line in f:
            checksum, path = line.rstrip('\n').split('  ', 1)
            listed.add(path)
            full = os.path.join(directory, path)
            if not os.path.isfile(full):
                problems.append((path, 'missing'))
            elif file_checksum(full) != checksum:
                problems.append((path, 'checksum'))
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.relpath(os.path.join(root, name), directory
                ).replace(os.sep, '/')
            if path != 'SHA256SUMS' and path not in listed:
                problems.append((path, 'not listed'))
    return problems
