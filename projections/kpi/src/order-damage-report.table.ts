import type { ColumnType, Insertable, Selectable } from 'kysely';

/**
 * `order_damage_reports`: damage reported for an order other than at handover: a damage
 * exception, a damage complaint linked to the order, a return whose damage cause is confirmed.
 */
export type OrderDamageReportTable = {
  source: 'exception' | 'complaint' | 'return';
  source_id: string;
  order_id: string;
  reported_at: ColumnType<Date, Date | string, Date | string>;
};
export type OrderDamageReportRow = Selectable<OrderDamageReportTable>;
export type NewOrderDamageReportRow = Insertable<OrderDamageReportTable>;
