import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.ts';
import { isDomainError } from '../shared/errors.ts';
import { StandardColumn } from '../shared/reference.ts';
import { deciderSpec } from '../shared/testing.ts';
import { ChecklistArea, indicatorMeasure, standardProblems } from './commands.ts';
import type { RecordServiceChecklistData, ServiceStandardCommand, StandardIndicatorInput } from './commands.ts';
import { serviceStandardDecider } from './decider.ts';
import { defaultServiceStandard, defaultServiceStandardIndicators } from './defaults.ts';
import type { ServiceStandardEvent } from './events.ts';
import { serviceStandardAggregate } from './index.ts';
import { versionInForce } from './state.ts';

const spec = deciderSpec(serviceStandardDecider);
const T0 = Date.parse('2026-01-05T00:00:00.000Z');
const at = (h: number): string => new Date(T0 + h * 3_600_000).toISOString();

const publish = (version: number, effectiveFrom: string, h = 0, indicators: StandardIndicatorInput[] = [...defaultServiceStandardIndicators]): ServiceStandardCommand => ({
  type: 'standard.publish',
  data: { standardId: 'company', version, effectiveFrom, indicators, occurredAt: at(h) },
});
/** The published event of the default indicators, written out by hand (not through the decider). */
const published = (version: number, effectiveFrom: string, h = 0, previousVersion?: number): ServiceStandardEvent => ({
  type: 'ServiceStandardPublished',
  data: {
    standardId: 'company',
    version,
    effectiveFrom,
    ...(previousVersion !== undefined ? { previousVersion } : {}),
    indicators: defaultServiceStandardIndicators.map((i) => ({ ...i, ...indicatorMeasure[i.indicator] })),
    occurredAt: at(h),
  },
});

const checklistData = (over: Partial<RecordServiceChecklistData> = {}): RecordServiceChecklistData => ({
  standardId: 'company',
  checklistId: 'cl-1',
  formNumber: 'KF-2026-01',
  date: '2026-02-01',
  filledBy: 'Chen',
  reviewedBy: 'Wang',
  areas: ChecklistArea.options.map((area, i) => ({ area, satisfactory: i % 2 === 0, result: `checked ${area}` })),
  occurredAt: at(30),
  ...over,
});

describe('defaultServiceStandard', () => {
  it('has the nine form indicators, weights summing to 100 %, targets in range, and is publishable', () => {
    expect(defaultServiceStandardIndicators.map((i) => i.indicator)).toEqual([
      'demand_fulfilment',
      'on_time_dispatch',
      'on_time_delivery',
      'damage_free',
      'timely_tracking',
      'inventory_intact',
      'shipping_accuracy',
      'complaint_rate',
      'complaint_handling_time',
    ]);
    expect(standardProblems(defaultServiceStandardIndicators)).toEqual([]);
    expect(indicatorMeasure.complaint_rate.direction).toBe('lower_is_better');
    expect(indicatorMeasure.complaint_handling_time).toEqual({ unit: 'hours', direction: 'lower_is_better' });
    expect(indicatorMeasure.on_time_delivery).toEqual({ unit: 'basis_points', direction: 'higher_is_better' });
    const parsed = serviceStandardAggregate.commands['standard.publish'].schema.safeParse({ ...defaultServiceStandard, occurredAt: at(0) });
    expect(parsed.success).toBe(true);
  });
});

describe('standard.publish', () => {
  it('publishes the first version with units and directions resolved', () => {
    spec.given([]).when(publish(1, '2026-01-01')).then([published(1, '2026-01-01')]);
    const [e] = spec.given([]).when(publish(1, '2026-01-01')).events();
    expect(e?.type).toBe('ServiceStandardPublished');
    if (e?.type !== 'ServiceStandardPublished') return;
    expect(e.data.previousVersion).toBeUndefined();
    expect(e.data.indicators.find((i) => i.indicator === 'complaint_rate')).toEqual({
      indicator: 'complaint_rate',
      department: 'customer_service',
      weightBp: 1_000,
      unit: 'basis_points',
      direction: 'lower_is_better',
      targets: { foreign: 50, private: 100, state_owned: 80, individual: 200, government_institution: 50 },
    });
  });
  it('publishes a later version on the same or a later effective date, naming the previous version', () => {
    const events = spec.given([published(1, '2026-01-01')]).when(publish(2, '2026-01-01', 1)).events();
    expect(events[0]?.data).toMatchObject({ version: 2, previousVersion: 1, effectiveFrom: '2026-01-01' });
    spec.given([published(1, '2026-01-01')]).when(publish(3, '2026-07-01', 1)).then([published(3, '2026-07-01', 1, 1)]);
  });
  it('refuses a version that does not increase: invalid_standard', () => {
    spec.given([published(2, '2026-01-01')]).when(publish(2, '2026-02-01', 1)).thenThrows('invalid_standard');
    spec.given([published(2, '2026-01-01')]).when(publish(1, '2026-02-01', 1)).thenThrows('invalid_standard');
  });
  it('refuses an effective date going backwards: invalid_standard', () => {
    spec.given([published(1, '2026-03-01')]).when(publish(2, '2026-02-28', 1)).thenThrows('invalid_standard');
  });
  it('refuses weights not summing to 100 %, duplicates and out-of-range targets: invalid_standard (and the schema agrees)', () => {
    const [first, ...rest] = defaultServiceStandardIndicators;
    if (!first) throw new Error('no indicator');
    const bad: StandardIndicatorInput[][] = [
      [{ ...first, weightBp: first.weightBp + 1 }, ...rest],
      [first, first, ...rest.slice(1)],
      [{ ...first, targets: { ...first.targets, foreign: 10_001 } }, ...rest],
      [],
    ];
    for (const indicators of bad) {
      spec.given([]).when(publish(1, '2026-01-01', 0, indicators)).thenThrows('invalid_standard');
      expect(serviceStandardAggregate.commands['standard.publish'].schema.safeParse(publish(1, '2026-01-01', 0, indicators).data).success).toBe(false);
    }
  });
  it('refuses a publication dated before the previous one: out_of_order_time', () => {
    spec.given([published(1, '2026-01-01', 5)]).when(publish(2, '2026-02-01', 4)).thenThrows('out_of_order_time');
  });
});

describe('standard.recordChecklist', () => {
  const history = [published(1, '2026-01-01'), published(2, '2026-02-01', 1, 1)];
  it('records the eight areas with the count of satisfactory ones and the latest version', () => {
    const d = checklistData();
    spec.given(history).when({ type: 'standard.recordChecklist', data: d }).then([
      {
        type: 'ServiceChecklistRecorded',
        data: { ...d, satisfactoryCount: 4, standardVersion: 2 },
      },
    ]);
  });
  it('refuses before any publication (not_found), a duplicate id (already_exists), an early time (out_of_order_time), missing areas (invalid_state)', () => {
    spec.given([]).when({ type: 'standard.recordChecklist', data: checklistData() }).thenThrows('not_found');
    const [e] = spec.given(history).when({ type: 'standard.recordChecklist', data: checklistData() }).events();
    if (!e) throw new Error('no event');
    spec.given([...history, e]).when({ type: 'standard.recordChecklist', data: checklistData() }).thenThrows('already_exists');
    spec.given(history).when({ type: 'standard.recordChecklist', data: checklistData({ checklistId: 'cl-2', occurredAt: at(-1) }) }).thenThrows('out_of_order_time');
    const short = checklistData({ areas: checklistData().areas.slice(1) });
    spec.given(history).when({ type: 'standard.recordChecklist', data: short }).thenThrows('invalid_state');
    expect(serviceStandardAggregate.commands['standard.recordChecklist'].schema.safeParse(short).success).toBe(false);
  });
});

describe('ServiceStandard properties', () => {
  it('random publications: accepted versions strictly increase, dates never go backwards, replay is deterministic, evolve is total', () => {
    const pub = fc.record({
      version: fc.integer({ min: 0, max: 8 }),
      month: fc.integer({ min: 1, max: 12 }),
      h: fc.integer({ min: 0, max: 100 }),
      broken: fc.nat(9).map((n) => n === 0),
    });
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(pub, { maxLength: 20 }), (steps) => {
        const events: ServiceStandardEvent[] = [];
        for (const p of steps) {
          const [first, ...rest] = defaultServiceStandardIndicators;
          if (!first) throw new Error('no indicator');
          const indicators = p.broken ? [{ ...first, weightBp: 0 }, ...rest] : [...defaultServiceStandardIndicators];
          const effectiveFrom = `2026-${String(p.month).padStart(2, '0')}-01`;
          const state = fold(serviceStandardDecider, events);
          try {
            events.push(...serviceStandardDecider.decide(publish(p.version, effectiveFrom, p.h, indicators), state));
            accepted += 1;
          } catch (e) {
            expect(isDomainError(e) && ['invalid_standard', 'out_of_order_time'].includes(e.code), String(e)).toBe(true);
          }
        }
        const versions = events.map((e) => (e.type === 'ServiceStandardPublished' ? e.data : undefined)).filter((d) => d !== undefined);
        versions.forEach((d, i) => {
          const prev = versions[i - 1];
          if (!prev) return;
          expect(d.version).toBeGreaterThan(prev.version);
          expect(d.effectiveFrom >= prev.effectiveFrom).toBe(true);
          expect(Date.parse(d.occurredAt)).toBeGreaterThanOrEqual(Date.parse(prev.occurredAt));
        });
        const s = fold(serviceStandardDecider, events);
        expect(fold(serviceStandardDecider, JSON.parse(JSON.stringify(events)) as ServiceStandardEvent[])).toEqual(s);
        // The version in force on a date is the last published whose date is not after it.
        for (const d of versions) expect(versionInForce(s, d.effectiveFrom)).toBe(versions.filter((v) => v.effectiveFrom <= d.effectiveFrom).at(-1)?.version);
        // evolve is total: any order of these events (even shuffled backwards) never throws.
        expect(() => fold(serviceStandardDecider, [...events].reverse())).not.toThrow();
      }),
      { numRuns: 200, seed: 3 },
    );
    expect(accepted).toBeGreaterThan(0);
  });
  it('every column of the form is targeted by each default indicator', () => {
    for (const i of defaultServiceStandardIndicators) expect(Object.keys(i.targets).sort()).toEqual([...StandardColumn.options].sort());
  });
});
