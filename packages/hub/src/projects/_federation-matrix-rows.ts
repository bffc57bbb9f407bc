import type { MatrixRow } from '../authorization-matrix.ts';

/** The federation routes' rows of the authorisation matrix (spread into `authorizationMatrix`). */
export function federationMatrixRows(): MatrixRow[] {
  return [];
}
