import { DuckDBInstance } from '@duckdb/node-api';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadStarterVocabulary } from '@polder/omop';
import {
  diffStarterVocabulary,
  loadSynthVocabularyNeeds,
  sharedDataDir,
} from './build-starter-vocabulary.ts';

describe('starter vocabulary', () => {
  it('equals what scripts/build-starter-vocabulary.ts makes from ../shared/data and @polder/synth', async () => {
    expect(existsSync(sharedDataDir), `shared data missing at ${sharedDataDir}`).toBe(true);
    expect(await diffStarterVocabulary()).toEqual([]);
  });

  it('holds every concept @polder/synth emits, and its code resolves to a standard concept through Maps to', async () => {
    const needs = await loadSynthVocabularyNeeds();
    expect(needs, '@polder/synth does not export vocabularyNeeds').toBeDefined();
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await loadStarterVocabulary(connection);
      const missing: string[] = [];
      for (const need of needs ?? []) {
        const found = await connection.runAndReadAll(
          `SELECT c.concept_id, c.standard_concept, t.standard_concept
           FROM cdm.concept c
           LEFT JOIN cdm.concept_relationship r ON r.concept_id_1 = c.concept_id AND r.relationship_id = 'Maps to'
           LEFT JOIN cdm.concept t ON t.concept_id = r.concept_id_2
           WHERE c.vocabulary_id = $1 AND c.concept_code = $2`,
          [need.vocabularyId, need.conceptCode],
        );
        const rows = found.getRowsJS();
        const row = rows[0];
        if (row === undefined || Number(row[0]) !== need.conceptId) {
          missing.push(`${need.vocabularyId} ${need.conceptCode} (${need.conceptId})`);
        } else if (need.standardConcept === 'S' && !rows.some((r) => r[2] === 'S')) {
          missing.push(`${need.vocabularyId} ${need.conceptCode}: no Maps to a standard concept`);
        }
      }
      expect(missing).toEqual([]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
