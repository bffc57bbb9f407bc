import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  dqdGeneratedPath,
  dqdSourcePaths,
  generateDqdChecksSource,
  matchesEvaluationFilter,
  parseBound,
} from './generate-dqd-checks.ts';

describe('generated DQD checks', () => {
  it('equal what the generator makes from the DataQualityDashboard threshold files', () => {
    for (const path of Object.values(dqdSourcePaths)) {
      expect(existsSync(path), `DQD file missing at ${path}: ../shared/data must sit beside the repo`).toBe(
        true,
      );
    }
    expect(readFileSync(dqdGeneratedPath, 'utf8')).toBe(generateDqdChecksSource());
  });

  it('reads evaluation filters and refuses terms it does not know', () => {
    const row = { isForeignKey: 'Yes', fkDomain: '' };
    expect(matchesEvaluationFilter("isForeignKey=='Yes'", row)).toBe(true);
    expect(matchesEvaluationFilter("isForeignKey=='Yes' & fkDomain!= ''", row)).toBe(false);
    expect(() => matchesEvaluationFilter('isForeignKey > 1', row)).toThrow(/Cannot read evaluationFilter/);
  });

  it('reads the plausible value bounds of the field-level file', () => {
    expect(parseBound("'19500101'")).toEqual({ date: '1950-01-01' });
    expect(parseBound('DATEADD(dd,1,GETDATE())')).toEqual({ daysFromToday: 1 });
    expect(parseBound('YEAR(GETDATE())+1')).toEqual({ yearsFromThisYear: 1 });
    expect(parseBound('0.0000001')).toEqual({ number: 0.0000001 });
    expect(() => parseBound('GETDATE()')).toThrow(/Cannot read/);
  });
});
