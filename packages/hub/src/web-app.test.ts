import { describe, expect, it } from 'vitest';
import { prefersHtml } from './web-app.ts';

describe('prefersHtml()', () => {
  it("takes a browser's navigation for a page request", () => {
    expect(prefersHtml('text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8')).toBe(true);
    expect(prefersHtml('text/html')).toBe(true);
  });

  it('leaves JSON, JSON-LD, Turtle and wildcards to the API and the catalogue', () => {
    expect(prefersHtml(undefined)).toBe(false);
    expect(prefersHtml('*/*')).toBe(false);
    expect(prefersHtml('application/json')).toBe(false);
    expect(prefersHtml('application/ld+json')).toBe(false);
    expect(prefersHtml('text/turtle, text/html;q=0.5')).toBe(false);
    expect(prefersHtml('text/html;q=0')).toBe(false);
  });
});
