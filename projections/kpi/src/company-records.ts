import { type Kysely, sql } from 'kysely';
import type { CustomerAttribute } from './customer-attribute.table.ts';
import type { KpiDatabase } from './database.ts';
import { type KpiEvent, reader } from './event-data.ts';

/** One change of a customer attribute carried by a CustomerAccount event. */
export type CustomerAttributeChange = { customerId: string; attribute: CustomerAttribute; effectiveAt: string; value: string };

/**
 * The customer attribute changes an event carries (account opened, reclassified, regraded,
 * retyped), each effective at the event's business time. Contact data is never read.
 *
 * @example
 * customerAttributeChanges(event); // [{ customerId: 'c-1', attribute: 'classification', effectiveAt, value: 'key' }]
 */
export const customerAttributeChanges = (event: KpiEvent): CustomerAttributeChange[] => {
  const d = reader(event);
  const change = (attribute: CustomerAttribute, value: string): CustomerAttributeChange => ({
    customerId: d.str('customerId'),
    attribute,
    effectiveAt: d.time('occurredAt'),
    value,
  });
  switch (event.type) {
    case 'CustomerAccountOpened': {
      const type = d.obj('customerType');
      const kind = type ? reader(type).str('kind') : d.fail('customerType', 'an object');
      return [
        change('classification', d.str('classification')),
        change('customer_type', kind),
        change('standard_column', d.str('standardColumn')),
        change('region', d.str('region')),
        change('regional_grade', d.str('regionalGrade')),
      ];
    }
    case 'CustomerClassificationChanged':
      return [change('classification', d.str('to'))];
    case 'CustomerRegionalGradeChanged':
      return [change('regional_grade', d.str('to'))];
    case 'CustomerTypeChanged': {
      const to = d.obj('to');
      const kind = to ? reader(to).str('kind') : d.fail('to', 'an object');
      return [change('customer_type', kind), change('standard_column', d.str('toStandardColumn'))];
    }
    default:
      return [];
  }
};

/** The records `handleCompanyRecord` writes at once (a few events in a history). */
const directRecordTypes = [
  'CustomerEvaluationRecorded',
  'ServiceStandardPublished',
  'ServiceImprovementOpened',
  'ServiceImprovementResultRecorded',
  'ServiceImprovementConfirmed',
  'ServiceImprovementClosed',
] as const;

/** The company-record event types this module reads. */
export const companyRecordEventTypes: readonly string[] = [
  'CustomerAccountOpened',
  'CustomerClassificationChanged',
  'CustomerRegionalGradeChanged',
  'CustomerTypeChanged',
  'CustomerSurveyRecorded',
  ...directRecordTypes,
];

const directRecords = new Set<string>(directRecordTypes);

/**
 * Whether `handleCompanyRecord` writes anything for an event type (evaluations, standards,
 * improvements).
 *
 * @example
 * isCompanyRecord('ServiceStandardPublished'); // true
 */
export const isCompanyRecord = (type: string): boolean => directRecords.has(type);

const segmentOf = (event: KpiEvent) => {
  const seg = reader(event).obj('segment');
  const s = seg ? reader(seg) : reader(event).fail('segment', 'an object');
  return { classification: s.str('classification'), standard_column: s.str('standardColumn'), region: s.str('region') };
};

/**
 * The survey-answer rows of a `CustomerSurveyRecorded` event (one per item), with the
 * customer's segment at the time of the survey.
 *
 * @example
 * surveyAnswerRows(event); // [{ survey_id, item, customer_id, answer, score, surveyed_at, classification, ... }]
 */
export const surveyAnswerRows = (event: KpiEvent): Record<string, string | number>[] => {
  const d = reader(event);
  const answers = d.obj('answers');
  if (!answers) return d.fail('answers', 'an object');
  const scores = d.obj('scores');
  const a = reader(answers);
  const sc = scores ? reader(scores) : d.fail('scores', 'an object');
  const seg = segmentOf(event);
  return Object.keys(a.data)
    .sort()
    .map((item) => ({
      survey_id: d.str('surveyId'),
      item,
      customer_id: d.str('customerId'),
      answer: a.str(item),
      score: sc.int(item),
      surveyed_at: d.time('occurredAt'),
      ...seg,
    }));
};

/**
 * Writes the company-level records other than survey answers (`surveyAnswerRows`): service evaluations, service-standard
 * versions and improvement items. Upserts keyed by ids.
 *
 * @example
 * await handleCompanyRecord(db, event);
 */
export const handleCompanyRecord = async (db: Kysely<KpiDatabase>, event: KpiEvent): Promise<void> => {
  const d = reader(event);
  switch (event.type) {
    case 'CustomerEvaluationRecorded': {
      const seg = segmentOf(event);
      const items = d.list('items');
      for (const [i, itemEvent] of items.entries()) {
        const it = reader(itemEvent);
        const row = {
          evaluation_id: d.str('evaluationId'),
          item_no: i + 1,
          customer_id: d.str('customerId'),
          item: it.str('item'),
          customer_grade: it.str('customerGrade'),
          internal_grade: it.str('internalGrade'),
          customer_score: it.int('customerScore'),
          internal_score: it.int('internalScore'),
          combined_score_x10: it.int('combinedScoreX10'),
          evaluator: d.str('evaluator'),
          opinion: d.str('opinion'),
          evaluated_at: d.time('occurredAt'),
          ...seg,
        };
        const { evaluation_id: _e, item_no: _n, ...update } = row;
        await db
          .insertInto('evaluation_items')
          .values(row)
          .onConflict((oc) => oc.columns(['evaluation_id', 'item_no']).doUpdateSet(update))
          .execute();
      }
      return;
    }
    case 'ServiceStandardPublished': {
      const standardId = d.str('standardId');
      const version = d.int('version');
      const effectiveFrom = d.str('effectiveFrom');
      if (!/^\d{4}-\d{2}-\d{2}$/.test(effectiveFrom)) d.fail('effectiveFrom', 'a YYYY-MM-DD date');
      for (const ind of d.list('indicators')) {
        const i = reader(ind);
        const targets = i.obj('targets');
        const t = targets ? reader(targets) : i.fail('targets', 'an object');
        for (const column of Object.keys(t.data).sort()) {
          const row = {
            standard_id: standardId,
            version,
            effective_from: effectiveFrom,
            indicator: i.str('indicator'),
            department: i.str('department'),
            weight_bp: i.int('weightBp'),
            unit: i.str('unit'),
            direction: i.str('direction'),
            standard_column: column,
            target: t.int(column),
          };
          const { standard_id: _s, version: _v, indicator: _i, standard_column: _c, ...update } = row;
          await db
            .insertInto('standard_targets')
            .values(row)
            .onConflict((oc) => oc.columns(['standard_id', 'version', 'indicator', 'standard_column']).doUpdateSet(update))
            .execute();
        }
      }
      return;
    }
    case 'ServiceImprovementOpened': {
      const row = {
        improvement_id: d.str('improvementId'),
        indicator: d.str('indicator'),
        unit: d.str('unit'),
        direction: d.str('direction'),
        start_date: d.str('startDate'),
        end_date: d.str('endDate'),
        value_before: d.int('valueBefore'),
        opened_at: d.time('occurredAt'),
      };
      const { improvement_id: _id, ...update } = row;
      await db.insertInto('improvements').values(row).onConflict((oc) => oc.column('improvement_id').doUpdateSet(update)).execute();
      return;
    }
    case 'ServiceImprovementResultRecorded':
      await db
        .updateTable('improvements')
        .set({ value_before: d.int('valueBefore'), value_after: d.int('valueAfter'), improved: d.bool('improved') })
        .where('improvement_id', '=', d.str('improvementId'))
        .execute();
      return;
    case 'ServiceImprovementConfirmed': {
      const roles = d.data.confirmedRoles;
      if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string')) return d.fail('confirmedRoles', 'an array of roles');
      await db
        .updateTable('improvements')
        .set({ confirmed_roles: sql<string[]>`${[...(roles as string[])].sort()}::text[]` })
        .where('improvement_id', '=', d.str('improvementId'))
        .execute();
      return;
    }
    case 'ServiceImprovementClosed': {
      const confirmations = d.list('confirmations').map((c) => reader(c).str('role'));
      await db
        .updateTable('improvements')
        .set({
          value_before: d.int('valueBefore'),
          value_after: d.int('valueAfter'),
          improved: d.bool('improved'),
          confirmed_roles: sql<string[]>`${confirmations.sort()}::text[]`,
          closed_at: d.time('occurredAt'),
        })
        .where('improvement_id', '=', d.str('improvementId'))
        .execute();
      return;
    }
    default:
      return;
  }
};
