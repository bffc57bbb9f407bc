import type { MatrixRow } from '../authorization-matrix.ts';

/** The access routes' rows of the authorisation matrix (spread into `authorizationMatrix`). */
export function accessMatrixRows(): MatrixRow[] {
  return [];
}
