import type { ColumnType, Insertable, Selectable } from 'kysely';

type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** `return_facts`: one row per return request. */
export type ReturnFactTable = {
  return_id: string;
  order_id: string;
  customer_id: string;
  requested_at: NullableTs;
  stated_reason: string | null;
  cause_confirmed: boolean | null;
  confirmed_reason: string | null;
  inspected_at: NullableTs;
  decision: 'approved' | 'rejected' | null;
  decided_at: NullableTs;
  outcome: string | null;
  amount_fen: ColumnType<string | null, number | string | null | undefined, number | string | null>;
  closed_at: NullableTs;
};
export type ReturnFactRow = Selectable<ReturnFactTable>;
export type NewReturnFactRow = Insertable<ReturnFactTable>;
