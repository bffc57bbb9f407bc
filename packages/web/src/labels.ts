/*
 * The words the app shows for the catalogue's codes. Codes the app does not know are shown as they are.
 */

/** Data Use Ontology codes: the short label and its abbreviation. */
export const duoLabels: Readonly<Record<string, string>> = {
  'DUO:0000004': 'No restriction (NRES)',
  'DUO:0000042': 'General research use (GRU)',
  'DUO:0000006': 'Health, medical or biomedical research (HMB)',
  'DUO:0000007': 'Disease-specific research (DS)',
  'DUO:0000011': 'Population origins or ancestry research only (POA)',
  'DUO:0000012': 'Research-specific restrictions (RS)',
  'DUO:0000015': 'No general methods research (NMDS)',
  'DUO:0000016': 'Genetic studies only (GSO)',
  'DUO:0000018': 'Not-for-profit, non-commercial use only (NPUNCU)',
  'DUO:0000019': 'Publication required (PUB)',
  'DUO:0000020': 'Collaboration required (COL)',
  'DUO:0000021': 'Ethics approval required (IRB)',
  'DUO:0000022': 'Geographical restriction (GS)',
  'DUO:0000024': 'Publication moratorium (MOR)',
  'DUO:0000025': 'Time limit on use (TS)',
  'DUO:0000026': 'User-specific restriction (US)',
  'DUO:0000027': 'Project-specific restriction (PS)',
  'DUO:0000028': 'Institution-specific restriction (IS)',
  'DUO:0000029': 'Return to database or resource (RTN)',
  'DUO:0000043': 'Clinical care use (CC)',
  'DUO:0000044': 'Population origins or ancestry research prohibited (NPOA)',
  'DUO:0000045': 'Not-for-profit organisation use only (NPU)',
  'DUO:0000046': 'Non-commercial use only (NCU)',
};

/** HealthDCAT-AP health categories (EHDS Art. 51), shortened for a facet list. */
export const healthCategoryLabels: Readonly<Record<string, string>> = {
  EHRS: 'Electronic health records',
  HRAD: 'Administrative healthcare data',
  DIOH: 'Determinants of health',
  NRPE: 'Healthcare needs and resources',
  RPDG: 'Pathogens',
  HGPD: 'Genetic and genomic data',
  HPML: 'Other molecular (omics) data',
  PGEH: 'Data from medical devices (automatic)',
  WELA: 'Wellness applications',
  IDHP: 'Health professionals',
  PHDR: 'Population health registries',
  MRMR: 'Medical and mortality registries',
  EHCT: 'Clinical trials and studies',
  EMRD: 'Other medical-device data',
  RMMD: 'Medicinal product and device registries',
  RQSH: 'Research cohorts and surveys',
  EINS: 'Biobanks',
};

/** EU data themes. */
export const themeLabels: Readonly<Record<string, string>> = {
  AGRI: 'Agriculture, fisheries, forestry and food',
  ECON: 'Economy and finance',
  EDUC: 'Education, culture and sport',
  ENER: 'Energy',
  ENVI: 'Environment',
  GOVE: 'Government and public sector',
  HEAL: 'Health',
  INTR: 'International issues',
  JUST: 'Justice, legal system and public safety',
  OP_DATPRO: 'Provisional data',
  REGI: 'Regions and cities',
  SOCI: 'Population and society',
  TECH: 'Science and technology',
  TRAN: 'Transport',
};

export const accessRightsLabels: Readonly<Record<string, string>> = {
  public: 'Public',
  restricted: 'Restricted',
  'non-public': 'Non-public (permit needed)',
};

export const ageGroupLabels: Readonly<Record<string, string>> = {
  '0-17': 'Children (0–17)',
  '18-64': 'Adults (18–64)',
  '65+': 'Older adults (65+)',
};

export const populationBandLabels: Readonly<Record<string, string>> = {
  'under-1k': 'Under 1,000 persons',
  '1k-10k': '1,000 – 10,000 persons',
  '10k-100k': '10,000 – 100,000 persons',
  'over-100k': 'Over 100,000 persons',
};

/** OMOP CDM tables, in words. */
export const domainLabels: Readonly<Record<string, string>> = {
  visit_occurrence: 'Visits',
  visit_detail: 'Visit details',
  condition_occurrence: 'Conditions',
  drug_exposure: 'Drugs',
  procedure_occurrence: 'Procedures',
  measurement: 'Measurements',
  observation: 'Observations',
  device_exposure: 'Devices',
  specimen: 'Specimens',
  note: 'Notes',
  death: 'Deaths',
};

export const sexLabels: Readonly<Record<string, string>> = {
  female: 'Female',
  male: 'Male',
  other: 'Other',
  unknown: 'Unknown',
};

/** The label of `code` in `labels`, or the code itself. */
export function labelOf(labels: Readonly<Record<string, string>>, code: string): string {
  return labels[code] ?? code;
}

/** Where a federated analysis run stands. */
export const runStatusLabels: Readonly<Record<string, string>> = {
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
};
