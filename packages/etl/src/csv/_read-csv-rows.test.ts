import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsvRows, sniffDelimiter, type CsvRow } from './_read-csv-rows.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polder-csv-rows-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** RFC 4180 quoting, written independently of the reader. */
function serialise(fields: readonly string[], delimiter: string): string {
  return fields
    .map((f) => (/["\r\n]/.test(f) || f.includes(delimiter) ? `"${f.replaceAll('"', '""')}"` : f))
    .join(delimiter);
}

async function readAll(path: string, delimiter?: string): Promise<CsvRow[]> {
  const rows: CsvRow[] = [];
  for await (const batch of readCsvRows(path, { delimiter })) {
    if (!Array.isArray(batch)) throw new Error(`unexpected failure: ${JSON.stringify(batch)}`);
    rows.push(...(batch as CsvRow[]));
  }
  return rows;
}

const value = fc
  .array(fc.constantFrom('a', 'b', ' ', '"', ',', ';', '\t', '|', '\n', '\r\n', 'é', '€', '1'), {
    maxLength: 8,
  })
  .map((parts) => parts.join(''));

let fileNo = 0;

describe('readCsvRows()', () => {
  it('gives back every field, the true start line and the raw text of each record', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(',', ';', '\t', '|'),
        fc.integer({ min: 2, max: 4 }).chain((width) =>
          fc.array(
            fc.record({
              fields: fc.array(value, { minLength: width, maxLength: width }),
              eol: fc.constantFrom('\n', '\r\n'),
            }),
            { minLength: 1, maxLength: 20 },
          ),
        ),
        fc.boolean(),
        async (delimiter, rows, finalEol) => {
          let text = '';
          let line = 1;
          const expected: CsvRow[] = [];
          rows.forEach((row, i) => {
            const raw = serialise(row.fields, delimiter);
            expected.push({ fields: row.fields, line, raw });
            line += 1 + (raw.match(/\n/g)?.length ?? 0);
            text += raw + (i < rows.length - 1 || finalEol ? row.eol : '');
          });
          fileNo += 1;
          const path = join(dir, `rows-${fileNo}.csv`);
          await writeFile(path, text);
          expect(await readAll(path, delimiter)).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sniffs the delimiter from the header line', () => {
    expect(sniffDelimiter('a;b;c\n1,2;3')).toBe(';');
    expect(sniffDelimiter('a\tb\tc')).toBe('\t');
    expect(sniffDelimiter('a,b|c,d')).toBe(',');
    expect(sniffDelimiter('single')).toBe(',');
  });
});
