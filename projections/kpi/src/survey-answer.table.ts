import type { ColumnType, Insertable, Selectable } from 'kysely';

/** `survey_answers`: one row per survey item answered (7-point scale), with the customer's segment then. */
export type SurveyAnswerTable = {
  survey_id: string;
  item: string;
  customer_id: string;
  answer: string;
  score: number;
  surveyed_at: ColumnType<Date, Date | string, Date | string>;
  classification: string;
  standard_column: string;
  region: string;
};
export type SurveyAnswerRow = Selectable<SurveyAnswerTable>;
export type NewSurveyAnswerRow = Insertable<SurveyAnswerTable>;
