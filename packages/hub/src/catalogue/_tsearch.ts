/**
 * PostgreSQL's full-text matching, evaluated in memory. PostgreSQL still does the language work — it
 * stems and weights each dataset's text into a `tsvector` (a generated column) and turns a search box's
 * text into a `tsquery` (`websearch_to_tsquery('english', …)`) — and hands both over as text. This module
 * reads those two texts and decides `tsvector @@ tsquery` as PostgreSQL does for the operators
 * `websearch_to_tsquery` writes (`&`, `|`, `!`, `<N>`), so that a search over 10,000 datasets needs no
 * table scan in the database. It also defines the catalogue's relevance, in whole numbers so that SQL and
 * this module compute exactly the same value.
 */

/** A parsed tsquery. */
export type TsQueryNode =
  /** `prefix`: the lexeme carries a prefix or weight modifier (`:*`, `:A`). */
  | { readonly kind: 'lexeme'; readonly lexeme: string; readonly prefix: boolean }
  | { readonly kind: 'not'; readonly operand: TsQueryNode }
  | { readonly kind: 'and' | 'or'; readonly left: TsQueryNode; readonly right: TsQueryNode }
  | {
      readonly kind: 'phrase';
      readonly distance: number;
      readonly left: TsQueryNode;
      readonly right: TsQueryNode;
    };

/** A dataset's lexemes: each with its positions and, per position, its weight (A = 3 … D = 0). */
export type TsVector = ReadonlyMap<string, { readonly positions: Uint16Array; readonly weights: Uint8Array }>;

/** Relevance points of a lexeme's best weight: D, C, B, A. */
const weightPoints = [1, 2, 4, 8] as const;

/** Reads a quoted lexeme at `at` (`'it''s'`, with backslash escapes), returning it and the index after it. */
function readQuoted(text: string, at: number): [string, number] {
  let i = at + 1;
  let lexeme = '';
  for (;;) {
    const c = text[i];
    if (c === undefined) throw new SyntaxError(`Cannot read text search value: unterminated lexeme at ${at}`);
    if (c === '\\') {
      lexeme += text[i + 1] ?? '';
      i += 2;
    } else if (c === "'") {
      if (text[i + 1] === "'") {
        lexeme += "'";
        i += 2;
      } else return [lexeme, i + 1];
    } else {
      lexeme += c;
      i += 1;
    }
  }
}

/**
 * Parses PostgreSQL's text output of a tsvector (`'heart':1A,5 'failur':2A`). Positions without a weight
 * letter have weight D.
 * @throws SyntaxError when the text is not a tsvector's output
 */
export function parseTsVector(text: string): TsVector {
  const lexemes = new Map<string, { positions: Uint16Array; weights: Uint8Array }>();
  let i = 0;
  while (i < text.length) {
    if (text[i] === ' ') {
      i += 1;
      continue;
    }
    if (text[i] !== "'") throw new SyntaxError(`Cannot read tsvector: expected a quoted lexeme at ${i}`);
    const [lexeme, after] = readQuoted(text, i);
    i = after;
    const positions: number[] = [];
    const weights: number[] = [];
    if (text[i] === ':') {
      i += 1;
      for (;;) {
        let digits = '';
        while (/[0-9]/.test(text[i] ?? '')) digits += text[i++];
        const letter = text[i];
        let weight = 0;
        if (letter === 'A' || letter === 'B' || letter === 'C' || letter === 'D') {
          weight = 'DCBA'.indexOf(letter);
          i += 1;
        }
        positions.push(Number(digits));
        weights.push(weight);
        if (text[i] !== ',') break;
        i += 1;
      }
    }
    lexemes.set(lexeme, { positions: Uint16Array.from(positions), weights: Uint8Array.from(weights) });
  }
  return lexemes;
}

/**
 * Parses PostgreSQL's text output of a tsquery (`'heart' <-> 'failur' & !'child'`), or returns null for
 * an empty query (a text with no searchable word). Precedence as PostgreSQL writes it: `!` binds tightest,
 * then `<->`, then `&`, then `|`; parentheses group.
 * @throws SyntaxError when the text is not a tsquery's output
 */
export function parseTsQuery(text: string): TsQueryNode | null {
  const tokens = tokenize(text);
  if (tokens.length === 0) return null;
  let at = 0;
  const peek = () => tokens[at];
  const fail = (what: string): never => {
    throw new SyntaxError(`Cannot read tsquery "${text}": ${what}`);
  };
  const primary = (): TsQueryNode => {
    const token = tokens[at++];
    if (token === undefined) return fail('it ends early');
    if (token.kind === 'not') return { kind: 'not', operand: primary() };
    if (token.kind === 'open') {
      const inner = or();
      if (tokens[at++]?.kind !== 'close') fail('a parenthesis is not closed');
      return inner;
    }
    if (token.kind === 'lexeme') return { kind: 'lexeme', lexeme: token.lexeme, prefix: token.prefix };
    return fail(`unexpected ${token.kind}`);
  };
  const phrase = (): TsQueryNode => {
    let left = primary();
    for (let t = peek(); t?.kind === 'phrase'; t = peek()) {
      at += 1;
      left = { kind: 'phrase', distance: t.distance, left, right: primary() };
    }
    return left;
  };
  const and = (): TsQueryNode => {
    let left = phrase();
    while (peek()?.kind === 'and') {
      at += 1;
      left = { kind: 'and', left, right: phrase() };
    }
    return left;
  };
  const or = (): TsQueryNode => {
    let left = and();
    while (peek()?.kind === 'or') {
      at += 1;
      left = { kind: 'or', left, right: and() };
    }
    return left;
  };
  const node = or();
  if (at !== tokens.length) fail(`unexpected text at token ${at}`);
  return node;
}

type Token =
  | { readonly kind: 'lexeme'; readonly lexeme: string; readonly prefix: boolean }
  | { readonly kind: 'phrase'; readonly distance: number }
  | { readonly kind: 'and' | 'or' | 'not' | 'open' | 'close' };

const operatorTokens = { '&': 'and', '|': 'or', '!': 'not', '(': 'open', ')': 'close' } as const;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ') i += 1;
    else if (c === "'") {
      const [lexeme, after] = readQuoted(text, i);
      i = after;
      let prefix = false;
      if (text[i] === ':') {
        i += 1;
        // A prefix (`:*`) or weight restriction (`:AB`): websearch_to_tsquery writes neither, and
        // isSupportedTsQuery() leaves such queries to PostgreSQL.
        while (/[*ABCD]/.test(text[i] ?? '')) {
          prefix = true;
          i += 1;
        }
      }
      tokens.push({ kind: 'lexeme', lexeme, prefix });
    } else if (c !== undefined && c in operatorTokens) {
      tokens.push({ kind: operatorTokens[c as keyof typeof operatorTokens] });
      i += 1;
    } else if (c === '<') {
      const end = text.indexOf('>', i);
      const inside = text.slice(i + 1, end);
      const distance = inside === '-' ? 1 : Number(inside);
      if (end < 0 || !Number.isInteger(distance)) {
        throw new SyntaxError(`Cannot read tsquery "${text}": bad phrase operator at ${i}`);
      }
      tokens.push({ kind: 'phrase', distance });
      i = end + 1;
    } else throw new SyntaxError(`Cannot read tsquery "${text}": unexpected "${c}" at ${i}`);
  }
  return tokens;
}

/** Whether a query uses only what {@link matchesTsQuery} decides exactly as PostgreSQL does. */
export function isSupportedTsQuery(node: TsQueryNode): boolean {
  switch (node.kind) {
    case 'lexeme':
      return !node.prefix;
    case 'not':
      return isSupportedTsQuery(node.operand);
    case 'and':
    case 'or':
      return isSupportedTsQuery(node.left) && isSupportedTsQuery(node.right);
    case 'phrase':
      return isPhraseChain(node.left) && isPhraseChain(node.right);
  }
}

/** Phrases of plain lexemes only (what `websearch_to_tsquery` makes of a quoted text). */
function isPhraseChain(node: TsQueryNode): boolean {
  return node.kind === 'lexeme'
    ? !node.prefix
    : node.kind === 'phrase' && isPhraseChain(node.left) && isPhraseChain(node.right);
}

/** `vector @@ query`, for the queries {@link isSupportedTsQuery} accepts. */
export function matchesTsQuery(vector: TsVector, node: TsQueryNode): boolean {
  switch (node.kind) {
    case 'lexeme':
      return vector.has(node.lexeme);
    case 'not':
      return !matchesTsQuery(vector, node.operand);
    case 'and':
      return matchesTsQuery(vector, node.left) && matchesTsQuery(vector, node.right);
    case 'or':
      return matchesTsQuery(vector, node.left) || matchesTsQuery(vector, node.right);
    case 'phrase':
      return phraseEnds(vector, node).length > 0;
  }
}

/** The positions where a phrase of lexemes ends in the text (PostgreSQL's phrase semantics). */
function phraseEnds(vector: TsVector, node: TsQueryNode): readonly number[] {
  if (node.kind === 'lexeme') return Array.from(vector.get(node.lexeme)?.positions ?? []);
  if (node.kind !== 'phrase') throw new Error('Cannot match phrase: it holds more than lexemes');
  const left = new Set(phraseEnds(vector, node.left));
  if (left.size === 0) return [];
  return phraseEnds(vector, node.right).filter((end) => left.has(end - node.distance));
}

/** The distinct lexemes a query asks for (not those it excludes with `!`), sorted. */
export function positiveLexemes(node: TsQueryNode | null): string[] {
  const found = new Set<string>();
  const walk = (n: TsQueryNode): void => {
    if (n.kind === 'lexeme') found.add(n.lexeme);
    else if (n.kind === 'and' || n.kind === 'or' || n.kind === 'phrase') {
      walk(n.left);
      walk(n.right);
    }
  };
  if (node !== null) walk(node);
  return [...found].sort();
}

/**
 * The catalogue's relevance of a dataset for a query's wanted lexemes: per lexeme found, the points of its
 * best field (title 8, keywords 4, description or publisher 2, unweighted 1) times its occurrences, at most
 * three. Whole numbers, so that the SQL reference ({@link relevanceSql}) gives the same value exactly.
 */
export function relevance(vector: TsVector, lexemes: readonly string[]): number {
  let score = 0;
  for (const lexeme of lexemes) {
    const entry = vector.get(lexeme);
    if (entry === undefined) continue;
    let best = 0;
    for (const w of entry.weights) if (w > best) best = w;
    score += (weightPoints[best] ?? 1) * Math.min(Math.max(entry.positions.length, 1), 3);
  }
  return score;
}
