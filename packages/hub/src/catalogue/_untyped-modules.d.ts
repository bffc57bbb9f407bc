// The parts of untyped RDF packages the catalogue tests use (declare only what is used).

declare module 'shacl-engine' {
  import type { DataFactory, DatasetCore, Term, Literal } from '@rdfjs/types';
  export interface ValidationResult {
    readonly severity: Term;
    readonly message: readonly Literal[];
    readonly focusNode: { readonly term: Term };
    readonly path: readonly { readonly predicates: readonly Term[] }[] | null;
    readonly value: { readonly term: Term } | null;
    readonly shape: { readonly ptr: { readonly term: Term } };
    readonly constraintComponent: Term;
  }
  export interface ValidationReport {
    readonly conforms: boolean;
    readonly results: readonly ValidationResult[];
  }
  export class Validator {
    constructor(
      shapes: DatasetCore,
      options: { factory: DataFactory; validations?: unknown; targetResolvers?: unknown },
    );
    validate(data: { dataset: DatasetCore }): Promise<ValidationReport>;
  }
}

declare module 'shacl-engine/sparql.js' {
  export const validations: unknown;
  export const targetResolvers: unknown;
}
declare module '@rdfjs/data-model' {
  import type { DataFactory } from '@rdfjs/types';
  const factory: DataFactory;
  export default factory;
}
