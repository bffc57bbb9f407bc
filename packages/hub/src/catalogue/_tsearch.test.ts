import { describe, expect, it } from 'vitest';
import {
  isSupportedTsQuery,
  matchesTsQuery,
  parseTsQuery,
  parseTsVector,
  positiveLexemes,
  relevance,
} from './_tsearch.ts';

describe('in-memory text search', () => {
  it('parseTsVector() reads positions, weights (D when absent) and escaped quotes', () => {
    const vector = parseTsVector("'heart':1A,7 'it''s':3C 'failur':2B");
    expect(vector.get('heart')).toEqual({
      positions: Uint16Array.from([1, 7]),
      weights: Uint8Array.from([3, 0]),
    });
    expect(vector.has("it's")).toBe(true);
    expect(vector.get('failur')?.weights).toEqual(Uint8Array.from([2]));
  });

  it('parseTsQuery() gives ! over <-> over & over |, and null for an empty query', () => {
    expect(parseTsQuery('')).toBeNull();
    expect(parseTsQuery("'a' | 'b' & !'c' <-> 'd'")).toEqual({
      kind: 'or',
      left: { kind: 'lexeme', lexeme: 'a', prefix: false },
      right: {
        kind: 'and',
        left: { kind: 'lexeme', lexeme: 'b', prefix: false },
        right: {
          kind: 'phrase',
          distance: 1,
          left: { kind: 'not', operand: { kind: 'lexeme', lexeme: 'c', prefix: false } },
          right: { kind: 'lexeme', lexeme: 'd', prefix: false },
        },
      },
    });
    expect(() => parseTsQuery("'a' &")).toThrow(SyntaxError);
  });

  it('matchesTsQuery() decides phrases by position distance', () => {
    const vector = parseTsVector("'heart':1 'failur':2 'chronic':4 'diseas':5");
    const phrase = (q: string) => matchesTsQuery(vector, parseTsQuery(q)!);
    expect(phrase("'heart' <-> 'failur'")).toBe(true);
    expect(phrase("'failur' <-> 'heart'")).toBe(false);
    expect(phrase("'failur' <2> 'chronic'")).toBe(true);
    expect(phrase("'heart' <-> 'failur' <3> 'diseas'")).toBe(true);
    expect(phrase("'heart' & !'diseas'")).toBe(false);
  });

  it('leaves prefix and weight-restricted lexemes to PostgreSQL', () => {
    expect(isSupportedTsQuery(parseTsQuery("'heart':*")!)).toBe(false);
    expect(isSupportedTsQuery(parseTsQuery("'heart':A")!)).toBe(false);
    expect(isSupportedTsQuery(parseTsQuery("'heart' & !'lung'")!)).toBe(true);
  });

  it('relevance() counts the best field of each wanted lexeme, at most three occurrences, not excluded ones', () => {
    const vector = parseTsVector("'heart':1A,5C,6C,7C 'lung':9C 'child':3B");
    const query = parseTsQuery("'heart' & 'lung' & !'child'")!;
    expect(positiveLexemes(query)).toEqual(['heart', 'lung']);
    expect(relevance(vector, positiveLexemes(query))).toBe(8 * 3 + 2 * 1);
  });
});
