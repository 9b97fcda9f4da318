import { stripAnsi } from './terminal.js';

export interface Column<Row> {
  header: string;
  value(row: Row): string;
  align?: 'left' | 'right';
}

/** A plain aligned table: no borders, two spaces between columns, like `gh` and `heroku`. */
export function renderTable<Row>(rows: readonly Row[], columns: ReadonlyArray<Column<Row>>, options: { header?: (text: string) => string } = {}): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, index) => Math.max(column.header.length, ...cells.map((line) => stripAnsi(line[index]!).length)));
  const pad = (text: string, index: number) => {
    const gap = ' '.repeat(widths[index]! - stripAnsi(text).length);
    return columns[index]!.align === 'right' ? gap + text : text + gap;
  };
  const header = columns
    .map((column, index) => pad(column.header, index))
    .join('  ')
    .trimEnd();
  const lines = cells.map((line) => line.map(pad).join('  ').trimEnd());
  return [options.header ? options.header(header) : header, ...lines].join('\n');
}
