import { createHash } from 'node:crypto';
import { Type, type Static } from 'typebox';
import { DatasetDescription } from './dataset-description.ts';
import { Timestamp, Uuid } from './_formats.ts';
import { canonicalJson } from './canonical-json.ts';
import { SignedEnvelopeSchema } from './signed-envelope.ts';

/**
 * A station publishes (or replaces) the description of its dataset. Sent signed with the station's key to
 * `POST /api/stations/:id/dataset-description`; the hub refuses one older than the last it accepted, so an
 * old description cannot be replayed over a newer one.
 */
export const DatasetDescriptionPublication = Type.Object(
  {
    type: Type.Literal('polder.dataset-description.v1'),
    stationId: Uuid,
    publishedAt: Timestamp,
    description: DatasetDescription,
  },
  { additionalProperties: false },
);
export type DatasetDescriptionPublication = Static<typeof DatasetDescriptionPublication>;

export const SignedDatasetDescriptionPublication = SignedEnvelopeSchema(DatasetDescriptionPublication);
export type SignedDatasetDescriptionPublication = Static<typeof SignedDatasetDescriptionPublication>;

/**
 * The hub's signed receipt for a publication: which description (by digest) it stored, when, and the id of
 * the catalogue dataset it went into (the dataset's page is `<hub>/datasets/<datasetId>`).
 */
export const PublicationReceipt = Type.Object(
  {
    type: Type.Literal('polder.publication-receipt.v1'),
    stationId: Uuid,
    datasetId: Uuid,
    /** {@link canonicalDigest} of the description the hub stored. */
    descriptionDigest: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
    publishedAt: Timestamp,
    receivedAt: Timestamp,
  },
  { additionalProperties: false },
);
export type PublicationReceipt = Static<typeof PublicationReceipt>;

export const SignedPublicationReceipt = SignedEnvelopeSchema(PublicationReceipt);
export type SignedPublicationReceipt = Static<typeof SignedPublicationReceipt>;

/** SHA-256 of the canonical JSON of `value`, base64url (43 characters): equal values, equal digests. */
export function canonicalDigest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('base64url');
}
