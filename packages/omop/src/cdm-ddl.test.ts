import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { cdmTables, createCdmSchema, findCdmTable } from './index.ts';

describe('createCdmSchema()', () => {
  it('creates the 39 tables of CDM 5.4 with BIGINT ids, primary keys and NOT NULL from the spec', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await createCdmSchema(connection);
    await createCdmSchema(connection); // idempotent
    const tables = await connection.runAndReadAll(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'cdm' ORDER BY 1`,
    );
    expect(tables.getRows().map((row) => row[0])).toEqual(cdmTables.map((t) => t.name).sort());
    expect(cdmTables).toHaveLength(39);

    const columns = await connection.runAndReadAll(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'cdm' AND table_name = 'person' ORDER BY ordinal_position`,
    );
    const person = new Map(columns.getRows().map((row) => [row[0], { type: row[1], nullable: row[2] }]));
    expect(person.get('person_id')).toEqual({ type: 'BIGINT', nullable: 'NO' });
    expect(person.get('year_of_birth')).toEqual({ type: 'INTEGER', nullable: 'NO' });
    expect(person.get('birth_datetime')).toEqual({ type: 'TIMESTAMP', nullable: 'YES' });

    await connection.run(`INSERT INTO cdm.person (person_id, gender_concept_id, year_of_birth, race_concept_id, ethnicity_concept_id)
      VALUES (3589912774911670296, 8507, 2095, 0, 0)`);
    await expect(
      connection.run(`INSERT INTO cdm.person (person_id, gender_concept_id, year_of_birth, race_concept_id, ethnicity_concept_id)
        VALUES (3589912774911670296, 8532, 1990, 0, 0)`),
    ).rejects.toThrow(/primary key|duplicate/i);
    await expect(
      connection.run(
        `INSERT INTO cdm.person (person_id, gender_concept_id, race_concept_id, ethnicity_concept_id) VALUES (1, 8507, 0, 0)`,
      ),
    ).rejects.toThrow(/NOT NULL/i);
  });

  it('knows the spec’s foreign keys and their domains', () => {
    const gender = findCdmTable('PERSON')?.fields.find((f) => f.name === 'gender_concept_id');
    expect(gender?.foreignKey).toEqual({ table: 'concept', field: 'concept_id', domain: 'Gender' });
  });
});
