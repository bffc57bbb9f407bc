import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { VOCABULARY_MAPPINGS, vocabularyNeeds } from './_concepts.ts';

describe('vocabularyNeeds', () => {
  it('has exactly the agreed shape for every code', () => {
    for (const n of vocabularyNeeds) {
      expect(Object.keys(n).sort()).toEqual(
        [
          'conceptClassId',
          'conceptCode',
          'conceptId',
          'conceptName',
          'domainId',
          'standardConcept',
          'vocabularyId',
        ].sort(),
      );
      expect(['SNOMED', 'LOINC', 'RxNorm', 'CVX', 'UCUM', 'Visit', 'Gender']).toContain(n.vocabularyId);
      expect([null, 'S']).toContain(n.standardConcept);
      expect(Number.isSafeInteger(n.conceptId) && n.conceptId > 0).toBe(true);
      expect(n.conceptName.length).toBeGreaterThan(0);
    }
  });

  it('lists each code once and gives each code its own concept id', () => {
    const codes = vocabularyNeeds.map((n) => `${n.vocabularyId}|${n.conceptCode}`);
    expect(new Set(codes).size).toBe(codes.length);
    const ids = vocabularyNeeds.map((n) => n.conceptId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("covers the issue's core concepts with their real OMOP ids", () => {
    const id = (vocabularyId: string, code: string): number | undefined =>
      vocabularyNeeds.find((n) => n.vocabularyId === vocabularyId && n.conceptCode === code)?.conceptId;
    expect(id('SNOMED', '91302008')).toBe(132797);
    expect(id('LOINC', '8867-4')).toBe(3027018);
    expect(id('Visit', 'OMOP4822460')).toBe(32037);
    for (const code of ['2284960', '1657981', '3264']) expect(id('RxNorm', code)).toBeLessThan(2_000_000_000);
  });

  it('documents every concept in README.md, and every custom id with its reason', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const escape = (x: string): string => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const n of vocabularyNeeds) {
      const row = new RegExp(`\\|\\s*\`${escape(n.conceptCode)}\`\\s*\\|[^\\n]*\\|\\s*${n.conceptId}\\s*\\|`);
      expect(readme, `${n.vocabularyId} ${n.conceptCode}`).toMatch(row);
      if (n.conceptId > 2_000_000_000) expect(readme).toContain(`**${n.conceptId}**`);
    }
  });

  it('maps each non-standard code it emits to a standard concept it lists', () => {
    const standard = new Set(
      vocabularyNeeds.filter((n) => n.standardConcept === 'S').map((n) => n.conceptId),
    );
    for (const n of vocabularyNeeds.filter((x) => x.standardConcept === null)) {
      const m = VOCABULARY_MAPPINGS.find(
        (x) => x.vocabularyId === n.vocabularyId && x.conceptCode === n.conceptCode,
      );
      expect(m, n.conceptCode).toBeDefined();
      expect(standard.has(m?.targetConceptId ?? 0)).toBe(true);
    }
  });
});
