/**
 * A result as CSV in long form, one row per value: `path,value`, where `path` is the value's JSON pointer in
 * the result (`/strata/3/count`). Results differ in shape from algorithm to algorithm; the long form holds
 * every one of them without loss, and a spreadsheet's pivot turns it into whatever table a person wants.
 */
export function resultToCsv(result: unknown): string {
  const lines = ['path,value'];
  const walk = (value: unknown, path: string): void => {
    if (value !== null && typeof value === 'object') {
      const entries = Array.isArray(value)
        ? value.map((inner, index) => [String(index), inner] as const)
        : Object.entries(value);
      if (entries.length === 0) lines.push(`${csvField(path || '/')},${Array.isArray(value) ? '[]' : '{}'}`);
      for (const [key, inner] of entries)
        walk(inner, `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
      return;
    }
    lines.push(`${csvField(path || '/')},${csvValue(value)}`);
  };
  walk(result, '');
  return `${lines.join('\r\n')}\r\n`;
}

function csvValue(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return csvField(String(value));
}

/**
 * A CSV field, quoted when needed. Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR at the
 * start) gets a leading apostrophe, so an exported result can never execute anything.
 */
function csvField(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
