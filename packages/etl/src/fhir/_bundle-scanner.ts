/**
 * A character scanner that finds the top-level `entry` array of a FHIR Bundle in a stream of text chunks
 * and hands back the JSON text of each entry, without parsing anything else. It tracks only what it must:
 * nesting depth, whether it is inside a string (with backslash escapes, also across chunk boundaries) and
 * the line number. Inside entries, where nearly all the text is, it jumps from quote to brace with
 * `indexOf` rather than looking at each character, which is what makes it much faster than a general
 * streaming JSON parser (≈700 MB/s on Synthea bundles, faster than JSON.parse itself); each entry is then
 * JSON.parse'd on its own, so memory stays bounded by the largest entry.
 *
 * It does not validate JSON: a malformed entry is found by JSON.parse of that entry, and malformed text
 * outside the entries is ignored unless it hides the entry array.
 */

/** One complete entry of the `entry` array. */
export interface ScannedEntry {
  /** The entry's JSON text, from its `{` to its `}`. */
  readonly text: string;
  /** 0-based position in the `entry` array. */
  readonly index: number;
  /** 1-based line where the entry starts. */
  readonly line: number;
}

/** What the scanner saw by the end of the input. */
export interface ScanSummary {
  /** Top-level `resourceType`, when it was a string. */
  readonly resourceType?: string;
  /** Top-level `type` (transaction, collection, batch, searchset, …). */
  readonly bundleType?: string;
  /** Whether a top-level `entry` array was found. */
  readonly hasEntryArray: boolean;
  /** How many complete entries were returned. */
  readonly entries: number;
  /**
   * Set when the input ended before the entry array was closed: `inEntry` when it ended inside an entry
   * (whose partial text is `partialText`), `betweenEntries` when it ended between two entries.
   */
  readonly truncated?: 'inEntry' | 'betweenEntries';
  /** 1-based line where the cut entry started, or the last line read. */
  readonly truncatedAtLine?: number;
  /** The text of the cut entry, as much as was read. */
  readonly partialText?: string;
  /** The first non-space character was not `{`: not a JSON object at all. */
  readonly notAnObject?: boolean;
  /** The top-level keys seen (the first 64), to recognise JSON that is not FHIR. */
  readonly topLevelKeys: readonly string[];
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const OPEN_BRACKET = 91;
const CLOSE_BRACKET = 93;
const COLON = 58;
const COMMA = 44;
const NEWLINE = 10;

const enum Phase {
  /** Outside the entry array: looking at the top-level object's keys. */
  TopLevel,
  /** Inside the entry array, between entries. */
  InArray,
  /** Inside one entry. */
  InEntry,
}

/** Index of `char` in `s` from `from`, or `s.length` when there is none. */
function indexOrEnd(s: string, char: string, from: number): number {
  const k = s.indexOf(char, from);
  return k < 0 ? s.length : k;
}

/** Incremental scanner; feed chunks with `push`, then call `finish`. */
export class BundleScanner {
  #phase: Phase = Phase.TopLevel;
  #depth = 0;
  #line = 1;
  #inString = false;
  /** The previous chunk ended on an unpaired backslash inside a string: skip the next character. */
  #escapePending = false;
  /** Top-level object: the next string is a key. */
  #expectKey = false;
  /** Capturing a top-level key or string value (its text so far), or undefined when not capturing. */
  #capture: string | undefined;
  #captureIsKey = false;
  #lastKey = '';
  #topLevelKeys: string[] = [];
  /** The key just read was "entry" and a ':' followed: a '[' now opens the entry array. */
  #entryValueNext = false;
  #seenFirstChar = false;
  #notAnObject = false;
  #hasEntryArray = false;
  #entryIndex = 0;
  #entryLine = 0;
  #entryParts: string[] = [];
  /** Position of the next newline in the current chunk (its length: none); behind the scan point: stale. */
  #nextNewline = -1;
  #resourceType: string | undefined;
  #bundleType: string | undefined;

  /** Scans one chunk and returns the entries completed in it, in order. */
  push(chunk: string): ScannedEntry[] {
    const out: ScannedEntry[] = [];
    const s = chunk;
    const n = s.length;
    if (n === 0) return out;
    let i = 0;
    let entryStart = 0;
    if (this.#inString) {
      if (this.#escapePending) {
        this.#escapePending = false;
        i = 1;
      }
      const end = this.#skipString(s, i);
      if (end < 0) {
        this.#continueCapture(s, 0, n);
        this.#saveEntryPart(s, 0);
        return out;
      }
      this.#inString = false;
      this.#endCapture(s, 0, end);
      i = end + 1;
    }
    // The state lives in locals while scanning: private-field loads per character cost more than the scan.
    let depth = this.#depth;
    let line = this.#line;
    let phase = this.#phase;
    // Where the next quote / brace is in this chunk (n: none); a position behind `i` is stale.
    let nextQuote = -1;
    let nextOpen = -1;
    let nextClose = -1;
    this.#nextNewline = -1;
    scan: while (i < n) {
      if (phase === Phase.InEntry) {
        // The hot loop. Inside an entry only strings and braces matter (brackets balance inside a valid
        // entry, and a broken one is JSON.parse's to report): jump from one to the next with indexOf
        // instead of looking at every character, and count the entry's newlines in one go at the end.
        const from = i;
        for (;;) {
          if (nextQuote < i) nextQuote = indexOrEnd(s, '"', i);
          if (nextOpen < i) nextOpen = indexOrEnd(s, '{', i);
          if (nextClose < i) nextClose = indexOrEnd(s, '}', i);
          if (nextQuote < nextOpen && nextQuote < nextClose) {
            const end = this.#skipString(s, nextQuote + 1);
            if (end < 0) {
              line += this.#countNewlines(s, from, nextQuote);
              this.#inString = true;
              break scan;
            }
            i = end + 1;
          } else if (nextOpen < nextClose) {
            depth++;
            i = nextOpen + 1;
          } else if (nextClose < n) {
            i = nextClose + 1;
            if (--depth === 2) {
              line += this.#countNewlines(s, from, i);
              const text =
                this.#entryParts.length === 0 ? s.slice(entryStart, i) : this.#joinParts(s, entryStart, i);
              out.push({ text, index: this.#entryIndex++, line: this.#entryLine });
              phase = Phase.InArray;
              continue scan;
            }
          } else {
            line += this.#countNewlines(s, from, n);
            break scan;
          }
        }
      }
      const c = s.charCodeAt(i);
      if (c === QUOTE) {
        const end = this.#skipString(s, i + 1);
        const capturing = phase === Phase.TopLevel && depth === 1;
        if (capturing) this.#startCapture();
        if (end < 0) {
          this.#inString = true;
          if (capturing) this.#continueCapture(s, i + 1, n);
          break;
        }
        if (capturing) this.#endCapture(s, i + 1, end);
        i = end;
      } else if (c === NEWLINE) {
        line++;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        if (!this.#seenFirstChar) {
          this.#seenFirstChar = true;
          if (c !== OPEN_BRACE) this.#notAnObject = true;
        }
        depth++;
        if (phase === Phase.InArray) {
          if (c === OPEN_BRACE) {
            phase = Phase.InEntry;
            entryStart = i;
            this.#entryLine = line;
          }
        } else {
          if (depth === 1) this.#expectKey = true;
          else if (depth === 2 && this.#entryValueNext && c === OPEN_BRACKET && !this.#notAnObject) {
            phase = Phase.InArray;
            this.#hasEntryArray = true;
          }
          this.#entryValueNext = false;
        }
      } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        depth--;
        if (phase === Phase.InArray && depth < 2) phase = Phase.TopLevel;
      } else if (phase === Phase.TopLevel && depth === 1) {
        if (c === COLON) {
          this.#expectKey = false;
          this.#entryValueNext = this.#lastKey === 'entry';
        } else if (c === COMMA) {
          this.#expectKey = true;
          this.#entryValueNext = false;
        }
      } else if (!this.#seenFirstChar && c !== 32 && c !== 9 && c !== 10 && c !== 13 && c !== 0xfeff) {
        this.#seenFirstChar = true;
        this.#notAnObject = true;
      }
      i++;
    }
    this.#depth = depth;
    this.#line = line;
    this.#phase = phase;
    this.#saveEntryPart(s, entryStart);
    return out;
  }

  /** Summarises the scan after the last chunk. */
  finish(): ScanSummary {
    const summary: {
      -readonly [K in keyof ScanSummary]: ScanSummary[K];
    } = { hasEntryArray: this.#hasEntryArray, entries: this.#entryIndex, topLevelKeys: this.#topLevelKeys };
    if (this.#resourceType !== undefined) summary.resourceType = this.#resourceType;
    if (this.#bundleType !== undefined) summary.bundleType = this.#bundleType;
    if (this.#notAnObject) summary.notAnObject = true;
    if (this.#phase === Phase.InEntry) {
      summary.truncated = 'inEntry';
      summary.truncatedAtLine = this.#entryLine;
      summary.partialText = this.#entryParts.join('');
    } else if (this.#phase === Phase.InArray) {
      summary.truncated = 'betweenEntries';
      summary.truncatedAtLine = this.#line;
    }
    return summary;
  }

  /**
   * Index of the closing quote of the string whose content starts at `from`, or -1 when the chunk ends
   * first (then `#escapePending` says whether the chunk ended on an unpaired backslash).
   */
  #skipString(s: string, from: number): number {
    let j = from;
    for (;;) {
      const q = s.indexOf('"', j);
      if (q < 0) {
        let k = s.length - 1;
        while (k >= j && s.charCodeAt(k) === BACKSLASH) k--;
        this.#escapePending = ((s.length - 1 - k) & 1) === 1;
        return -1;
      }
      let k = q - 1;
      while (k >= j && s.charCodeAt(k) === BACKSLASH) k--;
      if (((q - 1 - k) & 1) === 0) return q;
      j = q + 1;
    }
  }

  /** Newlines in s[from, to): JSON strings cannot hold raw newlines, so every one is a line break. */
  #countNewlines(s: string, from: number, to: number): number {
    let k = this.#nextNewline;
    if (k < from) k = indexOrEnd(s, '\n', from);
    let count = 0;
    while (k < to) {
      count++;
      k = indexOrEnd(s, '\n', k + 1);
    }
    this.#nextNewline = k;
    return count;
  }

  #startCapture(): void {
    this.#capture = '';
    this.#captureIsKey = this.#expectKey;
  }

  #continueCapture(s: string, from: number, to: number): void {
    // Only short strings are worth keeping; a long top-level value (e.g. a signature) is not a key we need.
    if (this.#capture !== undefined && this.#capture.length < 256) this.#capture += s.slice(from, to);
  }

  #endCapture(s: string, from: number, to: number): void {
    if (this.#capture === undefined) return;
    const text = this.#capture + s.slice(from, Math.min(to, from + 256));
    this.#capture = undefined;
    if (this.#captureIsKey) {
      this.#lastKey = text;
      if (this.#topLevelKeys.length < 64) this.#topLevelKeys.push(text);
    } else if (this.#lastKey === 'resourceType') {
      this.#resourceType = text;
    } else if (this.#lastKey === 'type') {
      this.#bundleType = text;
    }
  }

  #saveEntryPart(s: string, entryStart: number): void {
    if (this.#phase === Phase.InEntry) this.#entryParts.push(s.slice(entryStart));
  }

  #joinParts(s: string, from: number, to: number): string {
    this.#entryParts.push(s.slice(from, to));
    const text = this.#entryParts.join('');
    this.#entryParts = [];
    return text;
  }
}
