import type { ColumnType, Insertable, Selectable } from 'kysely';

/** `standard_targets`: per published standard version, indicator and column the weight and target. */
export type StandardTargetTable = {
  standard_id: string;
  version: number;
  /** In force from this company-time day until the next version's. */
  effective_from: ColumnType<string, string, string>;
  indicator: string;
  department: string;
  weight_bp: number;
  unit: string;
  direction: string;
  standard_column: string;
  target: number;
};
export type StandardTargetRow = Selectable<StandardTargetTable>;
export type NewStandardTargetRow = Insertable<StandardTargetTable>;
