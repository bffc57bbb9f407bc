/**
 * The file loops behind the public readers. They share a ReaderContext so that a directory of NDJSON
 * files resolves references across files, while each Bundle file gets its own.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { ReaderOutput, SourceLocation } from '../source-event.ts';
import { BundleScanner, type ScannedEntry } from './_bundle-scanner.ts';
import { isJsonObject } from './_fhir-json.ts';
import { pushInvalid } from './_map-common.ts';
import { mapResource } from './_map-resource.ts';
import type { ReaderContext } from './_reader-context.ts';
import type { FhirSkippedRecord } from './fhir-reader-options.ts';

export const DEFAULT_CHUNK_SIZE = 1 << 20;

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Best-effort resourceType and id of text that could not be parsed, so that quarantine and reconciliation
 * can still count it by type. Runs only on the error path.
 */
function sniffIdentity(text: string): { resourceType?: string; recordId?: string } {
  const typeMatch = /"resourceType"\s*:\s*"([A-Za-z]+)"/.exec(text);
  if (typeMatch?.[1] === undefined) return {};
  const resourceType = typeMatch[1];
  const idMatch = /"id"\s*:\s*"([^"\\]+)"/.exec(text.slice(typeMatch.index));
  return idMatch?.[1] === undefined
    ? { resourceType }
    : { resourceType, recordId: `${resourceType}/${idMatch[1]}` };
}

function pushUnparsable(out: ReaderOutput[], raw: string, location: SourceLocation, reason: string): void {
  const { resourceType, recordId } = sniffIdentity(raw);
  pushInvalid(out, raw, location, reason, resourceType, recordId);
}

/** Whether a path names a gzip-compressed file (Bulk Data servers may compress their NDJSON). */
function isGzipPath(path: string): boolean {
  return path.endsWith('.gz');
}

/** The file's text in chunks, decompressed when it is gzip'd; UTF-8 sequences are never split. */
function openText(path: string, chunkSize: number): AsyncIterable<string> {
  const file = createReadStream(path, { highWaterMark: chunkSize });
  const stream = isGzipPath(path) ? file.pipe(createGunzip({ chunkSize })) : file;
  stream.setEncoding('utf8');
  if (stream !== file) file.on('error', (err) => stream.destroy(err));
  return stream as AsyncIterable<string>;
}

/** What went wrong while decompressing, when the file turned out damaged or truncated. */
interface Damage {
  message?: string;
}

function isCompressionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/**
 * The file's text in chunks. A gzip file that is damaged or cut off ends the text early and leaves the
 * reason in `damage` (what was read stays valid, as with a truncated plain file); any other read error
 * ends the read with an Error naming the file.
 */
async function* readText(path: string, chunkSize: number, damage: Damage): AsyncGenerator<string> {
  try {
    for await (const chunk of openText(path, chunkSize)) yield chunk;
  } catch (err) {
    if (!isCompressionError(err))
      throw new Error(`Cannot read ${path}: ${errorMessage(err)}`, { cause: err });
    damage.message = errorMessage(err);
  }
}

/**
 * Reads one NDJSON file, one resource per line (blank lines are ignored), yielding the outputs of each chunk
 * as one batch: one await per chunk rather than per record keeps the generator overhead out of the hot path.
 */
export async function* readNdjsonFile(
  path: string,
  ctx: ReaderContext,
  chunkSize: number,
): AsyncGenerator<ReaderOutput[]> {
  const name = basename(path);
  let out: ReaderOutput[] = [];
  let carry = '';
  let lineNo = 0;
  const damage: Damage = {};
  for await (const chunk of readText(path, chunkSize, damage)) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) break;
      lineNo++;
      const text = carry === '' ? chunk.slice(start, nl) : carry + chunk.slice(start, nl);
      carry = '';
      mapLine(text, lineNo, path, name, ctx, out);
      start = nl + 1;
    }
    if (start < chunk.length) carry += chunk.slice(start);
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  if (damage.message !== undefined) {
    pushUnparsable(
      out,
      carry,
      { file: path, line: lineNo + 1 },
      `Cannot read ${name} beyond line ${lineNo}: ${damage.message} (the compressed file is damaged or truncated)`,
    );
  } else if (carry !== '') {
    mapLine(carry, lineNo + 1, path, name, ctx, out);
  }
  if (out.length > 0) yield out;
}

function mapLine(
  line: string,
  lineNo: number,
  path: string,
  name: string,
  ctx: ReaderContext,
  out: ReaderOutput[],
): void {
  let text = line;
  if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
  if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.length === 0) return;
  const first = text.charCodeAt(0);
  if ((first === 32 || first === 9) && text.trim() === '') return;
  const location: SourceLocation = { file: path, line: lineNo };
  let resource: unknown;
  try {
    resource = JSON.parse(text);
  } catch (err) {
    pushUnparsable(out, text, location, `Cannot parse line ${lineNo} of ${name}: ${errorMessage(err)}`);
    return;
  }
  mapResource(resource, text, location, ctx, out);
}

/** A FHIR Bulk Data export manifest (the $export status response saved beside the NDJSON files). */
function isBulkDataManifest(resourceType: string | undefined, keys: readonly string[]): boolean {
  return resourceType === undefined && keys.includes('transactionTime') && keys.includes('output');
}

/** Maps the records that waited for a Medication; unresolved ones become invalid now. */
export function flushPending(ctx: ReaderContext, out: ReaderOutput[]): void {
  ctx.deferUnresolved = false;
  ctx.deferForwardReferences = false;
  const pending = ctx.pending.splice(0);
  for (const p of pending) mapResource(p.resource, p.raw, p.location, ctx, out, p.id);
}

/**
 * Reads one Bundle file (or a single-resource JSON file) entry by entry, yielding the outputs of each
 * chunk as one batch; the Bundle's pending records are mapped at its end.
 */
export async function* readBundleFile(
  path: string,
  ctx: ReaderContext,
  chunkSize: number,
): AsyncGenerator<ReaderOutput[]> {
  const name = basename(path);
  const scanner = new BundleScanner();
  let out: ReaderOutput[] = [];
  const damage: Damage = {};
  ctx.deferForwardReferences = true;
  for await (const chunk of readText(path, chunkSize, damage)) {
    const entries = scanner.push(chunk);
    for (const entry of entries) mapEntry(entry, path, name, ctx, out);
    if (out.length > 0) {
      yield out;
      out = [];
    }
  }
  const summary = scanner.finish();
  const why = damage.message === undefined ? '' : ` (${damage.message})`;
  if (summary.truncated === 'inEntry') {
    const at = summary.truncatedAtLine ?? 0;
    pushUnparsable(
      out,
      summary.partialText ?? '',
      { file: path, entry: summary.entries, line: at },
      `${name} is truncated: entry ${summary.entries} (from line ${at}) is cut off; the ${summary.entries} entries before it were read${why}`,
    );
  } else if (summary.truncated === 'betweenEntries') {
    pushInvalid(
      out,
      '',
      { file: path, entry: summary.entries, line: summary.truncatedAtLine ?? 0 },
      `${name} is truncated after entry ${summary.entries - 1} (line ${summary.truncatedAtLine ?? 0}): the entry array is not closed, so later entries may be missing${why}`,
    );
  } else if (!summary.hasEntryArray) {
    if (summary.resourceType !== undefined && summary.resourceType !== 'Bundle' && !summary.notAnObject) {
      // A single resource rather than a Bundle: small enough to read whole.
      let text = '';
      for await (const chunk of readText(path, chunkSize, damage)) text += chunk;
      let resource: unknown;
      try {
        resource = JSON.parse(text);
      } catch (err) {
        pushUnparsable(out, text, { file: path, line: 1 }, `Cannot parse ${name}: ${errorMessage(err)}`);
      }
      if (resource !== undefined) mapResource(resource, text, { file: path, line: 1 }, ctx, out);
    } else if (isBulkDataManifest(summary.resourceType, summary.topLevelKeys)) {
      // The $export manifest that lists the NDJSON files: not data, nothing to read.
    } else if (summary.resourceType !== 'Bundle') {
      pushInvalid(
        out,
        '',
        { file: path },
        `${name} is not a FHIR Bundle or resource: it has no resourceType`,
      );
    }
  }
  flushPending(ctx, out);
  if (out.length > 0) yield out;
}

function mapEntry(
  entry: ScannedEntry,
  path: string,
  name: string,
  ctx: ReaderContext,
  out: ReaderOutput[],
): void {
  const location: SourceLocation = { file: path, entry: entry.index, line: entry.line };
  let parsed: unknown;
  try {
    parsed = JSON.parse(entry.text);
  } catch (err) {
    pushUnparsable(
      out,
      entry.text,
      location,
      `Cannot parse entry ${entry.index} (line ${entry.line}) of ${name}: ${errorMessage(err)}`,
    );
    return;
  }
  if (!isJsonObject(parsed)) {
    pushInvalid(
      out,
      entry.text,
      location,
      `Entry ${entry.index} (line ${entry.line}) of ${name} is not a JSON object`,
    );
    return;
  }
  const resource = parsed['resource'];
  const fullUrl = typeof parsed['fullUrl'] === 'string' ? parsed['fullUrl'] : undefined;
  if (resource === undefined) {
    const request = parsed['request'];
    const url = isJsonObject(request) && typeof request['url'] === 'string' ? request['url'] : undefined;
    if (isJsonObject(request) && request['method'] === 'DELETE' && url !== undefined) {
      const skipped: FhirSkippedRecord = {
        kind: 'skipped',
        resourceType: url.split(/[/?]/)[0] ?? url,
        location,
        reason: `Entry ${entry.index} of ${name} deletes ${url}; deletions are not applied by ingest`,
      };
      out.push(skipped);
      return;
    }
    pushInvalid(
      out,
      entry.text,
      location,
      `Entry ${entry.index} (line ${entry.line}) of ${name} has no resource`,
    );
    return;
  }
  let fallbackId: string | undefined;
  if (fullUrl !== undefined && fullUrl.startsWith('urn:')) {
    fallbackId = fullUrl.slice(fullUrl.lastIndexOf(':') + 1);
    if (isJsonObject(resource) && typeof resource['resourceType'] === 'string') {
      const ownId = resource['id'];
      const id = typeof ownId === 'string' && ownId !== '' ? ownId : fallbackId;
      ctx.fullUrls.set(fullUrl, `${resource['resourceType']}/${id}`);
    }
  }
  mapResource(resource, entry.text, location, ctx, out, fallbackId);
}
