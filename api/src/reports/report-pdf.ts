import { existsSync } from 'node:fs';
import PDFDocument from 'pdfkit';
import { greenRunsText, timeToGreenText, type PocReport } from '@pocdojo/shared/contract/reports';

/**
 * The report as an A4 PDF: the tenant's name, the figures and two charts, all vector (rectangles and real
 * text, so it can be searched, copied and read by screen readers; no pictures of tables). DejaVu Sans is
 * embedded when installed (names in any script); PDF's built-in Helvetica otherwise.
 */
const dejavu = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const dejavuBold = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const colors = { text: '#0f172a', muted: '#64748b', bar: '#f59e0b', alt: '#6366f1', rule: '#e2e8f0' };

export function reportPdf(report: PocReport, subject: string, generatedAt = new Date()): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 50, bottom: 50, left: 50, right: 50 },
    info: { Title: `POC report ${report.scope.year} — ${report.tenant.name}`, Author: 'POC Dojo', Subject: subject },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const embedded = existsSync(dejavu) && existsSync(dejavuBold);
  doc.registerFont('body', embedded ? dejavu : 'Helvetica');
  doc.registerFont('bold', embedded ? dejavuBold : 'Helvetica-Bold');

  const left = 50;
  const width = doc.page.width - 100;
  const ensureRoom = (height: number) => {
    if (doc.y + height > doc.page.height - 50) doc.addPage();
  };
  const heading = (text: string) => {
    ensureRoom(60);
    doc.moveDown(0.8).font('bold').fontSize(13).fillColor(colors.text).text(text, left);
    doc.moveDown(0.3);
  };

  doc.font('bold').fontSize(20).fillColor(colors.text).text(report.tenant.name, left, 50);
  doc.font('body').fontSize(13).fillColor(colors.muted).text(`POC report ${report.scope.year} · ${subject}`);
  doc.fontSize(9).text(`Generated ${generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`);

  // Key figures as four boxes.
  const figures: Array<[string, number]> = [
    ['POCs', report.totals.pocs],
    ['Contributors', report.totals.contributors],
    ['Dojo sessions', report.dojos.sessions],
    ['Dojo participants', report.dojos.participants],
  ];
  const boxY = doc.y + 14;
  const boxWidth = (width - 30) / 4;
  figures.forEach(([label, value], i) => {
    const x = left + i * (boxWidth + 10);
    doc.roundedRect(x, boxY, boxWidth, 56, 6).fillColor('#f1f5f9').fill();
    doc
      .font('bold')
      .fontSize(18)
      .fillColor(colors.text)
      .text(String(value), x + 10, boxY + 9, { width: boxWidth - 20 });
    doc
      .font('body')
      .fontSize(9)
      .fillColor(colors.muted)
      .text(label, x + 10, boxY + 36, { width: boxWidth - 20 });
  });
  doc.x = left;
  doc.y = boxY + 70;

  heading('POCs per month');
  const chartTop = doc.y;
  const chartHeight = 140;
  const max = Math.max(1, ...report.perMonth.map((m) => m.pocs));
  const slot = width / 12;
  doc
    .moveTo(left, chartTop + chartHeight)
    .lineTo(left + width, chartTop + chartHeight)
    .strokeColor(colors.rule)
    .stroke();
  report.perMonth.forEach((month, i) => {
    const height = (chartHeight - 16) * (month.pocs / max);
    const x = left + i * slot + slot * 0.18;
    if (height > 0)
      doc
        .rect(x, chartTop + chartHeight - height, slot * 0.64, height)
        .fillColor(colors.bar)
        .fill();
    doc.font('body').fontSize(8).fillColor(colors.text);
    doc.text(String(month.pocs), left + i * slot, chartTop + chartHeight - height - 12, {
      width: slot,
      align: 'center',
    });
    doc
      .fillColor(colors.muted)
      .text(MONTHS[i] ?? '', left + i * slot, chartTop + chartHeight + 4, { width: slot, align: 'center' });
  });
  doc.x = left;
  doc.y = chartTop + chartHeight + 20;

  heading('Top languages');
  const languages = report.perLanguage.slice(0, 8);
  const languageMax = Math.max(1, ...languages.map((l) => l.pocs));
  for (const language of languages) {
    ensureRoom(20);
    const y = doc.y;
    doc
      .font('body')
      .fontSize(10)
      .fillColor(colors.text)
      .text(language.language, left, y + 2, { width: 140, ellipsis: true, lineBreak: false });
    const barWidth = Math.max(2, (width - 200) * (language.pocs / languageMax));
    doc
      .rect(left + 150, y, barWidth, 13)
      .fillColor(colors.alt)
      .fill();
    doc.fillColor(colors.text).text(String(language.pocs), left + 158 + barWidth, y + 2, { lineBreak: false });
    doc.x = left;
    doc.y = y + 19;
  }
  if (languages.length === 0)
    doc.font('body').fontSize(10).fillColor(colors.muted).text('No POCs in this period.', left);

  const table = (title: string, header: [string, string], rows: Array<[string, string]>) => {
    // A short table starts on a new page rather than leaving its last rows alone on the next one.
    ensureRoom(60 + Math.min(rows.length + 1, 12) * 18);
    heading(title);
    const line = (cells: [string, string], font: 'body' | 'bold') => {
      ensureRoom(18);
      const y = doc.y;
      doc.font(font).fontSize(10).fillColor(colors.text);
      doc.text(cells[0], left, y, { width: width - 110, ellipsis: true, lineBreak: false });
      doc.text(cells[1], left + width - 100, y, { width: 100, align: 'right', lineBreak: false });
      doc
        .moveTo(left, y + 14)
        .lineTo(left + width, y + 14)
        .strokeColor(colors.rule)
        .stroke();
      doc.x = left;
      doc.y = y + 18;
    };
    line(header, 'bold');
    for (const row of rows) line(row, 'body');
    if (rows.length === 0) line(['none', ''], 'body');
  };

  table(
    'Status',
    ['Status', 'POCs'],
    report.perStatus.map((s) => [s.status, String(s.pocs)]),
  );
  table(
    'Top contributors',
    ['Person', 'POCs'],
    report.topContributors.map((c) => [c.displayName, String(c.pocs)]),
  );
  table(
    'Top tags',
    ['Tag', 'POCs'],
    report.perTag.slice(0, 20).map((t) => [`#${t.tag}`, String(t.pocs)]),
  );
  table(
    'Dojos',
    ['Figure', 'Value'],
    [
      ['Sessions opened', String(report.dojos.sessions)],
      ['Distinct participants', String(report.dojos.participants)],
      ['Sessions on a POC', String(report.dojos.onPocs)],
      ['Turns', String(report.dojos.turns)],
      ['Minutes of turns', String(report.dojos.minutes)],
      ['Chat messages (ended sessions)', String(report.dojos.chatMessages)],
      ['Test runs', String(report.dojos.runs)],
      ['Green runs', greenRunsText(report.dojos)],
      ['Sessions that went green', String(report.dojos.greenSessions)],
      ['Median time to first green', timeToGreenText(report.dojos.medianSecondsToFirstGreen)],
    ],
  );

  doc.end();
  return done;
}
