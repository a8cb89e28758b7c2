import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

type Ts = ColumnType<Date, Date | string, Date | string>;
type NullableTs = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** `order_facts`: one row per order with the times and flags every order indicator needs. */
export type OrderFactTable = {
  order_id: string;
  customer_id: string;
  placed_at: NullableTs;
  promised_dispatch_at: NullableTs;
  promised_delivery_at: NullableTs;
  accepted_at: NullableTs;
  rejected_at: NullableTs;
  rejection_reason: string | null;
  cancelled_at: NullableTs;
  prepared_at: NullableTs;
  picked_in_full: boolean | null;
  dispatched_at: NullableTs;
  delivered_at: NullableTs;
  in_full: boolean | null;
  damage_at_handover: boolean | null;
  lost_at: NullableTs;
};
export type OrderFactRow = Selectable<OrderFactTable>;
export type NewOrderFactRow = Insertable<OrderFactTable>;
export type OrderFactUpdate = Updateable<OrderFactTable>;
export type { Ts };
