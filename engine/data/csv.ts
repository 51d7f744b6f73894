// CSV tables: one integer label column, every other column a numeric feature. Rows are parsed
// with csv-parse (quoting, CRLF, BOM), then every cell is checked here so that an error can name
// the file, the row (1-based line number, as an editor shows it) and the column.
import { parse } from 'csv-parse/sync';
import * as path from 'node:path';
import type { DataConfig } from '../config/configSchema';
import { assemble, inOrder, readBytes, toLabels, type LoadedSplit } from './common';
import { DataError, type DataSource } from './dataTypes';

type CsvSpec = Extract<DataConfig, { format: 'csv' }>;

// Stricter than Number(): Number('') is 0 and Number('0x1f') is 31, both silent surprises.
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NON_FINITE = /^[+-]?(nan|inf|infinity)$/i;

interface Table {
  header: string[] | null;
  rows: string[][];
  /** Line number of each row, for messages. */
  lines: number[];
}

async function readTable(file: string, header: boolean | undefined): Promise<Table> {
  const text = await readBytes(file);
  const lines: number[] = [];
  let records: string[][];
  try {
    records = parse(text, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      // Ragged rows are reported below with their line number instead of csv-parse's message.
      relax_column_count: true,
      on_record: (record: string[], ctx) => {
        lines.push(ctx.lines);
        return record;
      },
    });
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    throw new DataError(file, line ? `row ${line}` : 'csv', `is not valid CSV (${(err as Error).message})`);
  }
  if (records.length === 0) throw new DataError(file, 'rows', 'the file has no rows');
  // Detected header: a first row with no numeric cell. A header of numbers needs header: true.
  const hasHeader = header ?? records[0].every((cell) => !NUMBER.test(cell));
  return hasHeader
    ? { header: records[0], rows: records.slice(1), lines: lines.slice(1) }
    : { header: null, rows: records, lines };
}

function labelIndex(
  file: string,
  table: Table,
  labelColumn: string | number | undefined,
  ncols: number,
): number {
  if (labelColumn === undefined) return ncols - 1;
  if (typeof labelColumn === 'number') {
    if (!Number.isInteger(labelColumn) || labelColumn < 0 || labelColumn >= ncols) {
      throw new DataError(file, 'labelColumn', `is ${labelColumn}, expected a 0-based index below ${ncols}`);
    }
    return labelColumn;
  }
  if (!table.header) {
    throw new DataError(
      file,
      'labelColumn',
      `is "${labelColumn}", a column name, but the file has no header row (set header: true if it has one)`,
    );
  }
  const i = table.header.indexOf(labelColumn);
  if (i < 0) {
    throw new DataError(
      file,
      'labelColumn',
      `is "${labelColumn}", expected one of the header's columns: ${table.header.join(', ')}`,
    );
  }
  return i;
}

export async function loadCsvSplit(
  file: string,
  labelColumn: string | number | undefined,
  header: boolean | undefined,
): Promise<LoadedSplit & { header: string[] | null }> {
  const table = await readTable(file, header);
  const ncols = (table.header ?? table.rows[0] ?? []).length;
  if (ncols < 2) {
    throw new DataError(
      file,
      'columns',
      `found ${ncols}, expected at least one feature and one label column`,
    );
  }
  if (table.rows.length === 0) throw new DataError(file, 'rows', 'the file has a header but no data rows');
  const label = labelIndex(file, table, labelColumn, ncols);
  const colName = (c: number) => (table.header ? `"${table.header[c]}"` : `${c + 1} (index ${c})`);
  const where = (r: number, c: number) => `row ${table.lines[r]}, column ${colName(c)}`;

  const count = table.rows.length;
  const nf = ncols - 1;
  const x = new Float32Array(count * nf);
  const rawLabels = new Float64Array(count);
  table.rows.forEach((row, r) => {
    if (row.length !== ncols) {
      throw new DataError(file, `row ${table.lines[r]}`, `has ${row.length} columns, expected ${ncols}`);
    }
    let f = 0;
    row.forEach((cell, c) => {
      if (NON_FINITE.test(cell)) {
        throw new DataError(file, where(r, c), `is "${cell}", expected a finite number`);
      }
      if (!NUMBER.test(cell)) {
        const hint = c === label ? ' (class names must be mapped to integers 0..K-1)' : '';
        throw new DataError(file, where(r, c), `is "${cell}", expected a number${hint}`);
      }
      if (c === label) rawLabels[r] = Number(cell);
      else x[r * nf + f++] = Number(cell);
    });
  });
  const y = toLabels(file, rawLabels, (r) => where(r, label));
  return { split: { x, y, count }, inputShape: [nf], file, header: table.header };
}

export async function loadCsv(spec: CsvSpec, baseDir: string): Promise<DataSource> {
  const [train, test] = await inOrder(
    [spec.train, spec.test].map(
      (f) => () => loadCsvSplit(path.resolve(baseDir, f), spec.labelColumn, spec.header),
    ),
  );
  // Same names in a different order would silently feed features to the wrong inputs.
  if (train.header && test.header && train.header.join('\u0000') !== test.header.join('\u0000')) {
    throw new DataError(
      test.file,
      'header',
      `is [${test.header.join(', ')}], expected the training file's columns [${train.header.join(', ')}]`,
    );
  }
  return assemble(`CSV ${path.basename(train.file)}`, train, test, 'columns');
}
