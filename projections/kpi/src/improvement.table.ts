import type { ColumnType, Insertable, Selectable } from 'kysely';

type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** `improvements`: one row per service improvement item (客户服务改进表). */
export type ImprovementTable = {
  improvement_id: string;
  indicator: string | null;
  unit: string | null;
  direction: string | null;
  start_date: string | null;
  end_date: string | null;
  value_before: number | null;
  value_after: number | null;
  improved: boolean | null;
  confirmed_roles: ColumnType<string[], string[] | undefined, string[]>;
  opened_at: NullableTs;
  closed_at: NullableTs;
};
export type ImprovementRow = Selectable<ImprovementTable>;
export type NewImprovementRow = Insertable<ImprovementTable>;
