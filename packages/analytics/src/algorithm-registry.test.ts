import { describe, expect, it } from 'vitest';
import { findAlgorithm, listAlgorithms } from './algorithm-registry.ts';

describe('listAlgorithms()', () => {
  it('lists the library with JSON-schema parameters, output kinds and rounds', () => {
    const list = listAlgorithms();
    expect(list.map((a) => `${a.name}@${a.version}`)).toEqual([
      'count@1.0.0',
      'summary@1.0.0',
      'crosstab@1.0.0',
      'glm@1.0.0',
      'kaplan-meier@1.0.0',
    ]);
    for (const info of list) {
      const schema = JSON.parse(JSON.stringify(info.parameters)) as { type?: string };
      expect(schema.type).toBe('object');
      expect(info.outputKinds.length).toBeGreaterThan(0);
    }
    expect(list.find((a) => a.name === 'glm')?.rounds).toBe('iterative');
  });

  it('finds an algorithm by exact name and version only', () => {
    expect(findAlgorithm({ name: 'glm', version: '1.0.0' })?.title).toBe('Generalised linear model');
    expect(findAlgorithm({ name: 'glm', version: '1.0.1' })).toBeUndefined();
  });
});
