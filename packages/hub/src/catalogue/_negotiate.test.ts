import { describe, expect, it } from 'vitest';
import { negotiateMediaType } from './_negotiate.ts';

describe('negotiateMediaType()', () => {
  it('serves JSON by default and for wildcards', () => {
    expect(negotiateMediaType(undefined)).toBe('application/json');
    expect(negotiateMediaType('*/*')).toBe('application/json');
    expect(negotiateMediaType('text/html')).toBe('application/json');
  });

  it('honours explicit types and q-values', () => {
    expect(negotiateMediaType('text/turtle')).toBe('text/turtle');
    expect(negotiateMediaType('application/ld+json, text/turtle;q=0.5')).toBe('application/ld+json');
    expect(negotiateMediaType('application/ld+json;q=0.4, text/turtle;q=0.9, */*;q=0.1')).toBe('text/turtle');
    expect(negotiateMediaType('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(
      'application/json',
    );
    expect(negotiateMediaType('text/turtle;q=0')).toBe('application/json');
  });
});
