# This file is part of the Central de Atendimento SEE project.
# The COPYRIGHT file at the top level of this repository contains
# the full copyright notices and license terms.
"""The monthly measurement report (relatório de medição) as PDF, XLSX and
CSV. Labels are the translated strings of the fields and messages, so the
report is in the user's language (Portuguese)."""
import csv
import io
from decimal import Decimal

from trytond.i18n import gettext
from trytond.modules.see_atendimento.tabular import number_text as _number
from trytond.modules.see_atendimento.tabular import report_action
from trytond.pool import Pool
from trytond.report import Report


def _money(value):
    return 'R$ ' + _number(value)


def report_data(measurement):
    """Return the sections of the report: a list of (title, header, rows,
    kinds) where kinds tell which columns are numbers for the XLSX"""
    pool = Pool()
    Measurement = pool.get('see.sla.measurement')
    Line = pool.get('see.sla.measurement.line')
    Item = pool.get('see.sla.measurement.item')
    m_fields = Measurement.fields_get()
    l_fields = Line.fields_get()
    i_fields = Item.fields_get()

    def label(fields, name):
        return fields[name]['string']

    def selection(fields, name, value):
        return dict(fields[name]['selection']).get(value, value or '')

    contract = measurement.contract
    summary = [
        (label(m_fields, 'contract'), contract.rec_name),
        (gettext('see_sla.msg_report_supplier'), contract.supplier.rec_name),
        (label(m_fields, 'month'), measurement.month.strftime('%m/%Y')),
        (label(m_fields, 'month_index'), measurement.month_index),
        (label(m_fields, 'periods'), measurement.periods),
        (label(m_fields, 'parameters_description'),
            measurement.parameters_description or ''),
        (label(m_fields, 'state'),
            selection(m_fields, 'state', measurement.state)),
        ]
    line_names = ['code', 'name', 'target_string', 'numerator',
        'denominator', 'value', 'band', 'points', 'status']
    lines = []
    for line in measurement.lines:
        lines.append([
                line.code, line.name, line.target_string,
                line.numerator, line.denominator, line.value, line.band,
                line.points, selection(l_fields, 'status', line.status)])
    glosa = [
        (label(m_fields, 'total_points'), measurement.total_points),
        (label(m_fields, 'table_percentage'), measurement.table_percentage),
        (label(m_fields, 'additional_percentage'),
            measurement.additional_percentage),
        (label(m_fields, 'glosa_percentage'), measurement.glosa_percentage),
        (label(m_fields, 'gross_amount'), measurement.gross_amount),
        (label(m_fields, 'glosa_amount'), measurement.glosa_amount),
        (label(m_fields, 'net_amount'), measurement.net_amount),
        ]
    if measurement.over_limit:
        glosa.append((label(m_fields, 'over_limit'),
                gettext('see_sla.msg_report_yes')))
        if measurement.notification_date:
            glosa.append((label(m_fields, 'defense_deadline'),
                    measurement.defense_deadline.strftime('%d/%m/%Y')))
    item_names = ['item', 'channel', 'registered', 'billable', 'ordered',
        'quantity', 'unit_price', 'amount']
    items = []
    for item in measurement.items:
        items.append([
                item.item.rec_name,
                selection(i_fields, 'channel', item.channel),
                item.registered, item.billable, item.ordered,
                item.quantity, item.unit_price, item.amount])
    return {
        'title': '%s - %s' % (
            gettext('see_sla.msg_report_title'), measurement.rec_name),
        'summary': summary,
        'indicators': (gettext('see_sla.msg_report_indicators'),
            [label(l_fields, n) for n in line_names], lines),
        'glosa': (gettext('see_sla.msg_report_glosa'), glosa),
        'items': (gettext('see_sla.msg_report_items'),
            [label(i_fields, n) for n in item_names], items),
        }


def _text(value, money=False, digits=2):
    if value is None:
        return ''
    if isinstance(value, Decimal):
        return _money(value) if money else _number(value, digits)
    if isinstance(value, int) and not isinstance(value, bool):
        return _number(value)
    return str(value)


def render_csv(data):
    output = io.StringIO()
    writer = csv.writer(output, delimiter=';', lineterminator='\r\n')
    writer.writerow([data['title']])
    for key, value in data['summary']:
        writer.writerow([key, _text(value)])
    writer.writerow([])
    title, header, rows = data['indicators']
    writer.writerow([title])
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(v) for v in row])
    writer.writerow([])
    title, rows = data['glosa']
    writer.writerow([title])
    for key, value in rows:
        writer.writerow([key, _text(value)])
    writer.writerow([])
    title, header, rows = data['items']
    writer.writerow([title])
    writer.writerow(header)
    for row in rows:
        writer.writerow([_text(v, digits=4 if i == 6 else 2)
                for i, v in enumerate(row)])
    # BOM so that spreadsheet programs read the accents
    return ('\ufeff' + output.getvalue()).encode('utf-8')


def render_xlsx(data):
    import xlsxwriter
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {'in_memory': True})
    sheet = workbook.add_worksheet('Medição')
    bold = workbook.add_format({'bold': True})
    title_format = workbook.add_format({'bold': True, 'font_size': 14})
    percent = workbook.add_format({'num_format': '0.00'})
    money = workbook.add_format({'num_format': '#,##0.00'})
    price = workbook.add_format({'num_format': '#,##0.0000'})

    def write(row, col, value, fmt=None):
        if isinstance(value, Decimal):
            sheet.write_number(row, col, float(value), fmt or percent)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            sheet.write_number(row, col, value)
        elif value is None:
            sheet.write_blank(row, col, None)
        else:
            sheet.write_string(row, col, str(value))

    row = 0
    sheet.write_string(row, 0, data['title'], title_format)
    row += 2
    for key, value in data['summary']:
        sheet.write_string(row, 0, key, bold)
        write(row, 1, value)
        row += 1
    row += 1
    title, header, rows = data['indicators']
    sheet.write_string(row, 0, title, title_format)
    row += 1
    for col, name in enumerate(header):
        sheet.write_string(row, col, name, bold)
    row += 1
    for values in rows:
        for col, value in enumerate(values):
            write(row, col, value)
        row += 1
    row += 1
    title, rows = data['glosa']
    sheet.write_string(row, 0, title, title_format)
    row += 1
    for index, (key, value) in enumerate(rows):
        sheet.write_string(row, 0, key, bold)
        write(row, 1, value, money if index >= 4 else percent)
        row += 1
    row += 1
    title, header, rows = data['items']
    sheet.write_string(row, 0, title, title_format)
    row += 1
    for col, name in enumerate(header):
        sheet.write_string(row, col, name, bold)
    row += 1
    for values in rows:
        for col, value in enumerate(values):
            write(row, col, value,
                price if col == 6 else money if col == 7 else None)
        row += 1
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, 1, 40)
    sheet.set_column(2, 9, 14)
    workbook.close()
    return output.getvalue()


def render_pdf(data):
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle)

    output = io.BytesIO()
    doc = SimpleDocTemplate(output, pagesize=landscape(A4),
        leftMargin=1.5 * cm, rightMargin=1.5 * cm,
        topMargin=1.5 * cm, bottomMargin=1.5 * cm, title=data['title'])
    styles = getSampleStyleSheet()
    small = styles['BodyText'].clone('small', fontSize=8, leading=10)
    style = TableStyle([
            ('GRID', (0, 0), (-1, -1), 0.25, colors.grey),
            ('BACKGROUND', (0, 0), (-1, 0), colors.HexColor('#dde4ee')),
            ('FONTSIZE', (0, 0), (-1, -1), 8),
            ('VALIGN', (0, 0), (-1, -1), 'TOP'),
            ])
    story = [Paragraph(data['title'], styles['Title'])]
    story.append(Table(
            [[k, Paragraph(_text(v), small)] for k, v in data['summary']],
            colWidths=[5 * cm, 20 * cm],
            style=TableStyle([('FONTSIZE', (0, 0), (-1, -1), 8)])))
    story.append(Spacer(1, 0.4 * cm))
    title, header, rows = data['indicators']
    story.append(Paragraph(title, styles['Heading2']))
    table = [[Paragraph(h, small) for h in header]]
    for row in rows:
        table.append([Paragraph(_text(v), small) for v in row])
    story.append(Table(table, repeatRows=1, style=style,
            colWidths=[1.6 * cm, 6 * cm, 2 * cm, 2.2 * cm, 2.2 * cm,
                2 * cm, 4 * cm, 1.6 * cm, 3 * cm]))
    story.append(Spacer(1, 0.4 * cm))
    title, rows = data['glosa']
    story.append(Paragraph(title, styles['Heading2']))
    story.append(Table(
            [[k, _text(v, money=(i >= 4))] for i, (k, v) in enumerate(rows)],
            colWidths=[6 * cm, 5 * cm],
            style=TableStyle([
                    ('GRID', (0, 0), (-1, -1), 0.25, colors.grey),
                    ('FONTSIZE', (0, 0), (-1, -1), 8),
                    ('ALIGN', (1, 0), (1, -1), 'RIGHT'),
                    ])))
    story.append(Spacer(1, 0.4 * cm))
    title, header, rows = data['items']
    story.append(Paragraph(title, styles['Heading2']))
    table = [[Paragraph(h, small) for h in header]]
    for row in rows:
        table.append([_text(v, money=(i == 7), digits=4 if i == 6 else 2)
                for i, v in enumerate(row)])
    story.append(Table(table, repeatRows=1, style=style))
    doc.build(story)
    return output.getvalue()


class MeasurementReport(Report):
    __string__ = "Measurement Report"
    __name__ = 'see.sla.measurement.report'
    extension = 'pdf'

    @classmethod
    def render_measurement(cls, data):
        return render_pdf(data)

    @classmethod
    def execute(cls, ids, data):
        pool = Pool()
        Measurement = pool.get('see.sla.measurement')
        action = report_action(cls, data)
        ids = list(map(int, ids))
        cls.check_access(action, action.model or data.get('model'), ids)
        measurement = Measurement(ids[0])
        content = cls.render_measurement(report_data(measurement))
        name = '%s-%s' % (
            action.name, measurement.month.strftime('%Y-%m'))
        return cls.extension, content, False, name


class MeasurementReportXLSX(MeasurementReport):
    __string__ = "Measurement Report (XLSX)"
    __name__ = 'see.sla.measurement.report.xlsx'
    extension = 'xlsx'

    @classmethod
    def render_measurement(cls, data):
        return render_xlsx(data)


class MeasurementReportCSV(MeasurementReport):
    __string__ = "Measurement Report (CSV)"
    __name__ = 'see.sla.measurement.report.csv'
    extension = 'csv'

    @classmethod
    def render_measurement(cls, data):
        return render_csv(data)
