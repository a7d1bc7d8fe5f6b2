# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""Tables of figures as CSV, XLSX and PDF, for the reports of the modules

A document is a dictionary: 'title', 'summary' (a list of (label, value))
and 'tables' (a list of (title, header, rows)). Numbers are written the
Brazilian way in CSV and PDF (1.234,56) and as numbers in XLSX. The CSV
starts with a BOM and uses ';' so that spreadsheet programs set to
Portuguese open it as it is."""
import csv
import datetime as dt
import io
from decimal import Decimal

from trytond.model import fields
from trytond.pool import Pool
from trytond.report import Report
from trytond.transaction import Transaction


def number_text(value, digits=2):
    "Format a number the Brazilian way: 1.234,56"
    if value is None:
        return ''
    if isinstance(value, int) and not isinstance(value, bool):
        text = '{:,}'.format(value)
    else:
        text = '{:,.{}f}'.format(Decimal(value), digits)
    return text.replace(',', '_').replace('.', ',').replace('_', '.')


def cell_text(value, digits=0):
    "The text of a cell: numbers formatted, None empty"
    if value is None:
        return ''
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float, Decimal)):
        return number_text(value, digits)
    return str(value)


def render_csv(document):
    output = io.StringIO()
    writer = csv.writer(output, delimiter=';', lineterminator='\r\n')
    writer.writerow([document['title']])
    for label, value in document.get('summary', []):
        writer.writerow([label, cell_text(value)])
    for title, header, rows in document.get('tables', []):
        writer.writerow([])
        writer.writerow([title])
        writer.writerow(header)
        for row in rows:
            writer.writerow([cell_text(v) for v in row])
    # BOM so that spreadsheet programs read the accents
    return ('\ufeff' + output.getvalue()).encode('utf-8')


def render_xlsx(document, sheet_name='Relatório'):
    import xlsxwriter
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {'in_memory': True})
    sheet = workbook.add_worksheet(sheet_name[:31])
    bold = workbook.add_format({'bold': True})
    title_format = workbook.add_format({'bold': True, 'font_size': 14})
    decimal = workbook.add_format({'num_format': '0'})

    def write(row, col, value):
        if isinstance(value, (int, float, Decimal)) and not isinstance(
                value, bool):
            if isinstance(value, int):
                sheet.write_number(row, col, value)
            else:
                sheet.write_number(row, col, float(value), decimal)
        elif value is None:
            sheet.write_blank(row, col, None)
        else:
            sheet.write_string(row, col, str(value))

    row = 0
    sheet.write_string(row, 0, document['title'], title_format)
    row += 2
    for label, value in document.get('summary', []):
        sheet.write_string(row, 0, label, bold)
        write(row, 1, value)
        row += 1
    width = 2
    for title, header, rows in document.get('tables', []):
        row += 1
        sheet.write_string(row, 0, title, title_format)
        row += 1
        for col, name in enumerate(header):
            sheet.write_string(row, col, name, bold)
        width = max(width, len(header))
        row += 1
        for values in rows:
            for col, value in enumerate(values):
                write(row, col, value)
            row += 1
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, width, 14)
    workbook.close()
    return output.getvalue()


def render_pdf(document):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle)

    output = io.BytesIO()
    doc = SimpleDocTemplate(output, pagesize=landscape(A4),
        leftMargin=1.5 * cm, rightMargin=1.5 * cm,
        topMargin=1.5 * cm, bottomMargin=1.5 * cm,
        title=document['title'])
    styles = getSampleStyleSheet()
    small = styles['BodyText'].clone('small', fontSize=8, leading=10)
    story = [Paragraph(document['title'], styles['Title'])]
    summary = document.get('summary', [])
    if summary:
        story.append(Table(
                [[label, Paragraph(cell_text(value), small)]
                    for label, value in summary],
                colWidths=[6 * cm, 20 * cm],
                style=TableStyle([('FONTSIZE', (0, 0), (-1, -1), 8)])))
    style = TableStyle([
            ('GRID', (0, 0), (-1, -1), 0.25, colors.grey),
            ('BACKGROUND', (0, 0), (-1, 0), colors.HexColor('#dde4ee')),
            ('FONTSIZE', (0, 0), (-1, -1), 8),
            ('VALIGN', (0, 0), (-1, -1), 'TOP'),
            ])
    for title, header, rows in document.get('tables', []):
        story.append(Spacer(1, 0.4 * cm))
        story.append(Paragraph(title, styles['Heading2']))
        # Plain cells: reportlab sizes the columns to their text
        table = [list(header)]
        for row in rows:
            table.append([cell_text(v) for v in row])
        story.append(Table(table, repeatRows=1, style=style))
    doc.build(story)
    return output.getvalue()


def report_action(report, data):
    """The ir.action.report a report runs for: the one the client names in
    data, else the first of the report's name (a call from the API)"""
    ActionReport = Pool().get('ir.action.report')
    if data.get('action_id') is not None:
        return ActionReport(data['action_id'])
    action, = ActionReport.search([
            ('report_name', '=', report.__name__),
            ], limit=1)
    return action


def render_document(document, extension, sheet_name='Relatório'):
    "document in the format of extension: 'pdf', 'xlsx' or 'csv'"
    if extension == 'xlsx':
        return render_xlsx(document, sheet_name=sheet_name)
    if extension == 'csv':
        return render_csv(document)
    return render_pdf(document)


class PeriodContext:
    "The period of a report's context: from the month's first day to today"
    __slots__ = ()

    from_date = fields.Date("From Date", required=True)
    to_date = fields.Date("To Date", required=True)

    @classmethod
    def default_from_date(cls):
        return dt.date.today().replace(day=1)

    @classmethod
    def default_to_date(cls):
        return dt.date.today()


class FiguresReport(Report):
    """The figures of a context (a period and a filter) as a file

    A subclass names its extension ('pdf', 'xlsx' or 'csv'), the sheet of
    the XLSX, the model of the figures (whose read access the report
    needs), the keys of the context it takes from the data, and returns
    from figures() the document and what the file name adds to the
    report's name."""
    extension = 'pdf'
    sheet_name = 'Relatório'
    figures_model = None
    context_keys = []

    @classmethod
    def figures(cls):
        "The document and the file name's parts, in the report's context"
        raise NotImplementedError

    @classmethod
    def execute(cls, ids, data):
        action = report_action(cls, data)
        cls.check_access(action, action.model or cls.figures_model, [])
        context = {k: data[k] for k in cls.context_keys if k in data}
        with Transaction().set_context(context):
            document, parts = cls.figures()
        name = '-'.join([action.name] + parts)
        return (cls.extension,
            render_document(document, cls.extension, cls.sheet_name),
            False, name)
