/** The representations the catalogue serves. */
export const rdfMediaTypes = ['application/json', 'application/ld+json', 'text/turtle'] as const;
export type CatalogueMediaType = (typeof rdfMediaTypes)[number];

/**
 * Picks the representation an `Accept` header prefers among `rdfMediaTypes` (q-values, `type/*` and
 * `*\/*` honoured; ties go to the order of the header, then to JSON). Without an acceptable one, or
 * without a header, JSON is served — a catalogue answers something rather than 406.
 */
export function negotiateMediaType(accept: string | undefined): CatalogueMediaType {
  if (accept === undefined || accept.trim() === '') return 'application/json';
  let best: { type: CatalogueMediaType; q: number; order: number } | undefined;
  accept
    .split(',')
    .slice(0, 30)
    .forEach((part, order) => {
      const [range = '', ...params] = part.trim().toLowerCase().split(';');
      const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const q = qParam === undefined ? 1 : Number(qParam.slice(2));
      if (!Number.isFinite(q) || q <= 0) return;
      for (const type of rdfMediaTypes) {
        const [major] = type.split('/');
        const matches = range === type || range === '*/*' || range === `${major}/*`;
        // A wildcard only stands for JSON, the default, so that `*/*` does not pick Turtle.
        if (!matches || (range !== type && type !== 'application/json')) continue;
        const specific = range === type ? 1 : 0;
        if (best === undefined || q > best.q || (q === best.q && specific > 0 && order < best.order)) {
          best = { type, q, order: specific > 0 ? order : Number.MAX_SAFE_INTEGER };
        }
      }
    });
  return best?.type ?? 'application/json';
}
