import type { Kysely } from 'kysely';
import type { CustomerAttribute } from './customer-attribute.table.ts';
import type { KpiDatabase } from './database.ts';
import type { KpiEvent } from './event-data.ts';

/** One change of a customer attribute carried by a CustomerAccount event. */
export type CustomerAttributeChange = { customerId: string; attribute: CustomerAttribute; effectiveAt: string; value: string };

/**
 * The customer attribute changes an event carries (account opened, reclassified, ...).
 *
 * @example
 * customerAttributeChanges(event); // [{ customerId: 'c-1', attribute: 'classification', effectiveAt, value: 'key' }]
 */
export const customerAttributeChanges = (_event: KpiEvent): CustomerAttributeChange[] => [];

/**
 * Writes the company-level records (surveys, evaluations, standards, improvements).
 *
 * @example
 * await handleCompanyRecord(db, event);
 */
/** The company-record event types this module reads. */
export const companyRecordEventTypes: readonly string[] = [];

export const handleCompanyRecord = async (_db: Kysely<KpiDatabase>, _event: KpiEvent): Promise<void> => {};
