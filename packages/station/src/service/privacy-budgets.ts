import type { DuckDBConnection } from '@duckdb/node-api';
import { BudgetLedger } from '@polder/privacy';
import type { PermitDocument } from '@polder/protocol';

const ddl = [
  'CREATE SCHEMA IF NOT EXISTS polder',
  'CREATE TABLE IF NOT EXISTS polder.privacy_budget (permit_id VARCHAR PRIMARY KEY, state VARCHAR NOT NULL)',
];

/**
 * The permit's differential-privacy budget at this station (`polder.privacy_budget`, the exact decimal state of
 * `BudgetLedger`), or undefined when the permit grants none. A permit seen for the first time starts with its
 * whole budget.
 */
export async function loadPermitLedger(
  connection: DuckDBConnection,
  permit: PermitDocument,
): Promise<BudgetLedger | undefined> {
  const budget = permit.privacyBudget;
  if (budget === undefined) return undefined;
  for (const statement of ddl) await connection.run(statement);
  const row = (
    await connection.runAndReadAll('SELECT state FROM polder.privacy_budget WHERE permit_id = $1', [
      permit.permitId,
    ])
  ).getRowsJS()[0];
  return row === undefined
    ? BudgetLedger.create({ epsilon: budget.epsilon, delta: budget.delta ?? 0 })
    : BudgetLedger.fromJSON(JSON.parse(String(row[0])));
}

/**
 * Keeps what a task spent of the permit's budget. Called once the task's output exists and before its result
 * is stored: a crash in between charges the re-run again, which errs on the side of privacy.
 */
export async function savePermitLedger(
  connection: DuckDBConnection,
  permitId: string,
  ledger: BudgetLedger,
): Promise<void> {
  for (const statement of ddl) await connection.run(statement);
  await connection.run(
    `INSERT INTO polder.privacy_budget VALUES ($1, $2)
     ON CONFLICT (permit_id) DO UPDATE SET state = excluded.state`,
    [permitId, JSON.stringify(ledger.toJSON())],
  );
}
