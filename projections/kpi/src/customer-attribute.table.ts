import type { ColumnType, Insertable, Selectable } from 'kysely';

/** The customer attributes reports slice by; each change is a row valid from `effective_at`. */
export type CustomerAttribute = 'classification' | 'customer_type' | 'standard_column' | 'region' | 'regional_grade';

/**
 * `customer_attributes`: the customer dimension with validity. The value in force at time t is
 * the row with the latest `effective_at <= t` (ties: the later event position); none: 'unknown'.
 */
export type CustomerAttributeTable = {
  customer_id: string;
  attribute: CustomerAttribute;
  /** The global position of the event that set it (ordered with COLLATE "C"). */
  position: string;
  effective_at: ColumnType<Date, Date | string, Date | string>;
  value: string;
};
export type CustomerAttributeRow = Selectable<CustomerAttributeTable>;
export type NewCustomerAttributeRow = Insertable<CustomerAttributeTable>;
