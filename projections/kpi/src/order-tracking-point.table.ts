import type { ColumnType, Insertable, Selectable } from 'kysely';

/** `order_tracking_points`: dispatch, each tracking update, delivery or loss (timely tracking). */
export type OrderTrackingPointTable = {
  event_id: string;
  order_id: string;
  kind: 'dispatch' | 'update' | 'delivery' | 'loss';
  at: ColumnType<Date, Date | string, Date | string>;
};
export type OrderTrackingPointRow = Selectable<OrderTrackingPointTable>;
export type NewOrderTrackingPointRow = Insertable<OrderTrackingPointTable>;
