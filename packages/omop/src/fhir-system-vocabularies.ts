/**
 * FHIR code system URI → OMOP vocabulary_id, for mapping FHIR codings to concepts (cdm.concept by
 * vocabulary_id + concept_code). `v3-ActCode` and `administrative-gender` are not OMOP vocabularies: their
 * codes are mapped through source_to_concept_map, which the starter vocabulary ships.
 */
export const fhirSystemVocabularies: Readonly<Record<string, string>> = Object.freeze({
  'http://snomed.info/sct': 'SNOMED',
  'http://loinc.org': 'LOINC',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://hl7.org/fhir/sid/cvx': 'CVX',
  'http://unitsofmeasure.org': 'UCUM',
  'http://hl7.org/fhir/sid/icd-10': 'ICD10',
  'http://hl7.org/fhir/sid/icd-10-cm': 'ICD10CM',
  'http://hl7.org/fhir/sid/icd-9-cm': 'ICD9CM',
  'http://hl7.org/fhir/sid/ndc': 'NDC',
  'http://www.ama-assn.org/go/cpt': 'CPT4',
  'http://www.whocc.no/atc': 'ATC',
  'http://terminology.hl7.org/CodeSystem/v3-ActCode': 'v3-ActCode',
  'http://hl7.org/fhir/administrative-gender': 'administrative-gender',
});

/** The OMOP vocabulary_id of a FHIR code system URI, or undefined when there is none. */
export function vocabularyOfFhirSystem(system: string): string | undefined {
  return Object.hasOwn(fhirSystemVocabularies, system) ? fhirSystemVocabularies[system] : undefined;
}
