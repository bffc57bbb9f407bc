import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateCdmSchemaSource, generatedPath, specPath } from './generate-cdm-schema.ts';

describe('generated CDM schema', () => {
  it('equals what the generator makes from the official field-level spec', () => {
    expect(
      existsSync(specPath),
      `OMOP spec missing at ${specPath}: ../shared/data must sit beside the repo`,
    ).toBe(true);
    expect(readFileSync(generatedPath, 'utf8')).toBe(generateCdmSchemaSource());
  });
});
