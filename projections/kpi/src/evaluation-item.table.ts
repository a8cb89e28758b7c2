import type { ColumnType, Insertable, Selectable } from 'kysely';

/** `evaluation_items`: one row per evaluated item of a service evaluation (good 10 / average 5 / poor 0). */
export type EvaluationItemTable = {
  evaluation_id: string;
  item_no: number;
  customer_id: string;
  item: string;
  customer_grade: string;
  internal_grade: string;
  customer_score: number;
  internal_score: number;
  combined_score_x10: number;
  evaluator: string;
  opinion: string;
  evaluated_at: ColumnType<Date, Date | string, Date | string>;
  classification: string;
  standard_column: string;
  region: string;
};
export type EvaluationItemRow = Selectable<EvaluationItemTable>;
export type NewEvaluationItemRow = Insertable<EvaluationItemTable>;
