import type { ColumnType, Insertable, Selectable } from 'kysely';

/** `order_lines`: per prepared order line what was picked (stock availability, inventory intact). */
export type OrderLineTable = {
  order_id: string;
  line_id: string;
  ordered_quantity: number;
  picked_quantity: number;
  stock_damaged: boolean;
  prepared_at: ColumnType<Date, Date | string, Date | string>;
};
export type OrderLineRow = Selectable<OrderLineTable>;
export type NewOrderLineRow = Insertable<OrderLineTable>;
