import type { ColumnType, Insertable, Selectable } from 'kysely';

type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** `complaint_facts`: one row per complaint (no description, no contact data). */
export type ComplaintFactTable = {
  complaint_id: string;
  customer_id: string;
  number: string | null;
  order_id: string | null;
  channel: string | null;
  category: string | null;
  severity: string | null;
  received_at: NullableTs;
  acknowledged_at: NullableTs;
  first_resolved_at: NullableTs;
  reopen_count: ColumnType<number, number | undefined, number>;
  escalation_count: ColumnType<number, number | undefined, number>;
  closed_at: NullableTs;
};
export type ComplaintFactRow = Selectable<ComplaintFactTable>;
export type NewComplaintFactRow = Insertable<ComplaintFactTable>;
