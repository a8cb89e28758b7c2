import { describe, expect, it } from 'vitest';
import type { SatisfactionAnswer, SurveyItem } from '../shared/reference.ts';
import { deciderSpec } from '../shared/testing.ts';
import type { CustomerAccountCommand, OpenCustomerAccountData } from './commands.ts';
import { customerAccountDecider } from './decider.ts';
import type { CustomerAccountEvent } from './events.ts';
import { customerAccountAggregate } from './index.ts';

const spec = deciderSpec(customerAccountDecider);

const T0 = Date.parse('2026-03-02T00:00:00.000Z');
/** T0 + h hours as a UTC ISO string. */
const at = (h: number): string => new Date(T0 + h * 3_600_000).toISOString();
const customerId = 'c-1';

const openData = (over: Partial<OpenCustomerAccountData> = {}): OpenCustomerAccountData => ({
  customerId,
  name: 'Wuhan Steel Trading',
  contact: { person: 'Ms Zhang', phone: '+86 27 1234 5678', email: 'zhang@example.com' },
  industry: 'steel',
  region: 'Hubei',
  customerType: { kind: 'enterprise', sizeTier: 'medium', ownership: 'private' },
  classification: 'suitable',
  regionalGrade: 'B',
  accountOwner: 'Wang Fang',
  localSalesperson: 'Li Lei',
  creditLimits: { singleOrderCapFen: 10_000, outstandingCapFen: 25_000 },
  occurredAt: at(0),
  ...over,
});

const opened: CustomerAccountEvent = {
  type: 'CustomerAccountOpened',
  data: {
    ...openData(),
    standardColumn: 'private',
  },
};

const reserved = (reservationId: string, amountFen: number, outstandingAfterFen: number, h = 1): CustomerAccountEvent => ({
  type: 'CreditReserved',
  data: { customerId, reservationId, amountFen, outstandingAfterFen, singleOrderCapFen: 10_000, outstandingCapFen: 25_000, occurredAt: at(h) },
});
const released = (reservationId: string, amountFen: number, remainingFen: number, outstandingAfterFen: number, h = 2): CustomerAccountEvent => ({
  type: 'CreditReleased',
  data: { customerId, reservationId, reason: 'payment', amountFen, remainingFen, outstandingAfterFen, occurredAt: at(h) },
});
const suspended: CustomerAccountEvent = { type: 'CustomerAccountSuspended', data: { customerId, reason: 'overdue', occurredAt: at(5) } };
const closed: CustomerAccountEvent = { type: 'CustomerAccountClosed', data: { customerId, reason: 'left', openedAt: at(0), occurredAt: at(6) } };

const cmd = {
  open: (over: Partial<OpenCustomerAccountData> = {}): CustomerAccountCommand => ({ type: 'customer.open', data: openData(over) }),
  reserve: (reservationId: string, amountFen: number, h = 3): CustomerAccountCommand => ({
    type: 'customer.reserveCredit',
    data: { customerId, reservationId, amountFen, occurredAt: at(h) },
  }),
  release: (reservationId: string, h = 3, amountFen?: number): CustomerAccountCommand => ({
    type: 'customer.releaseCredit',
    data: { customerId, reservationId, reason: 'cancellation', ...(amountFen !== undefined ? { amountFen } : {}), occurredAt: at(h) },
  }),
  suspend: (h = 3): CustomerAccountCommand => ({ type: 'customer.suspend', data: { customerId, reason: 'overdue invoices', occurredAt: at(h) } }),
  reinstate: (h = 7): CustomerAccountCommand => ({ type: 'customer.reinstate', data: { customerId, reason: 'paid', occurredAt: at(h) } }),
  close: (h = 8): CustomerAccountCommand => ({ type: 'customer.close', data: { customerId, reason: 'moved away', occurredAt: at(h) } }),
  classify: (classification: 'key' | 'suitable' | 'general', h = 3): CustomerAccountCommand => ({
    type: 'customer.changeClassification',
    data: { customerId, classification, reason: 'annual review', occurredAt: at(h) },
  }),
  grade: (grade: 'A' | 'B' | 'C' | 'D', h = 3): CustomerAccountCommand => ({
    type: 'customer.changeRegionalGrade',
    data: { customerId, grade, reason: 'growth', occurredAt: at(h) },
  }),
  limits: (singleOrderCapFen: number, outstandingCapFen: number, h = 3): CustomerAccountCommand => ({
    type: 'customer.setCreditLimits',
    data: { customerId, singleOrderCapFen, outstandingCapFen, reason: 'credit review', occurredAt: at(h) },
  }),
  visit: (visitor: string, visitId = 'v-1', h = 3): CustomerAccountCommand => ({
    type: 'customer.recordVisit',
    data: {
      customerId,
      visitId,
      visitor,
      visitedAt: at(h - 1),
      customerOpinions: 'wants faster pickup',
      marketInfo: 'demand rising',
      competitorInfo: 'competitor cut prices',
      effect: 'good',
      handling: 'passed to dispatch',
      result: 'pickup window moved',
      occurredAt: at(h),
    },
  }),
  urgent: (visitor: string, visitId = 'u-1', h = 3): CustomerAccountCommand => ({
    type: 'customer.reportUrgentVisit',
    data: { customerId, visitId, visitor, issue: 'damaged shipment', actionTaken: 'replacement sent', occurredAt: at(h) },
  }),
  callback: (callbackId = 'cb-1', h = 3): CustomerAccountCommand => ({
    type: 'customer.recordCallback',
    data: { customerId, callbackId, by: 'Chen', topic: 'complaint follow-up', outcome: 'satisfied', occurredAt: at(h) },
  }),
  feedback: (feedbackId = 'f-1', h = 3): CustomerAccountCommand => ({
    type: 'customer.recordFeedback',
    data: { customerId, feedbackId, content: 'please call before delivery', category: 'suggestion', occurredAt: at(h) },
  }),
  survey: (answers: Record<SurveyItem, SatisfactionAnswer>, surveyId = 's-1', h = 3): CustomerAccountCommand => ({
    type: 'customer.recordSurvey',
    data: { customerId, surveyId, answers, occurredAt: at(h) },
  }),
  evaluation: (evaluationId = 'e-1', h = 3): CustomerAccountCommand => ({
    type: 'customer.recordEvaluation',
    data: {
      customerId,
      evaluationId,
      items: [
        { item: 'delivery punctuality', customerGrade: 'good', internalGrade: 'average' },
        { item: 'staff attitude', customerGrade: 'poor', internalGrade: 'average' },
      ],
      evaluator: 'QA team',
      opinion: 'improve attitude',
      occurredAt: at(h),
    },
  }),
};

const allAnswers = (answer: SatisfactionAnswer): Record<SurveyItem, SatisfactionAnswer> => ({
  order_processing_fast: answer,
  replenishment_quick: answer,
  staff_attitude: answer,
  ordering_unit_variety: answer,
  emergency_shipping: answer,
  delivery_at_appointed_time: answer,
  logistics_information: answer,
  delivery_without_damage: answer,
  logistics_management_level: answer,
});

describe('customer.open', () => {
  it('opens an account with its standard column', () => {
    spec.given([]).when(cmd.open()).then([opened]);
  });
  it('refuses opening twice: already_exists', () => {
    spec.given([opened]).when(cmd.open()).thenThrows('already_exists');
  });
  it('refuses a negative or fractional cap: invalid_amount', () => {
    spec.given([]).when(cmd.open({ creditLimits: { singleOrderCapFen: 1.5, outstandingCapFen: 10 } })).thenThrows('invalid_amount');
  });
});

describe('customer.changeClassification / changeRegionalGrade / changeType / updateNeeds', () => {
  it('records each change with from, to and reason', () => {
    spec.given([opened]).when(cmd.classify('key')).then([
      { type: 'CustomerClassificationChanged', data: { customerId, from: 'suitable', to: 'key', reason: 'annual review', occurredAt: at(3) } },
    ]);
    spec.given([opened]).when(cmd.grade('A')).then([
      { type: 'CustomerRegionalGradeChanged', data: { customerId, from: 'B', to: 'A', reason: 'growth', occurredAt: at(3) } },
    ]);
    spec
      .given([opened])
      .when({
        type: 'customer.changeType',
        data: { customerId, customerType: { kind: 'enterprise', sizeTier: 'large', ownership: 'state_owned' }, reason: 'acquired', occurredAt: at(3) },
      })
      .then([
        {
          type: 'CustomerTypeChanged',
          data: {
            customerId,
            from: { kind: 'enterprise', sizeTier: 'medium', ownership: 'private' },
            to: { kind: 'enterprise', sizeTier: 'large', ownership: 'state_owned' },
            fromStandardColumn: 'private',
            toStandardColumn: 'state_owned',
            reason: 'acquired',
            occurredAt: at(3),
          },
        },
      ]);
    spec
      .given([opened])
      .when({ type: 'customer.updateNeeds', data: { customerId, needs: 'cold chain', occurredAt: at(3) } })
      .then([{ type: 'CustomerNeedsUpdated', data: { customerId, needs: 'cold chain', occurredAt: at(3) } }]);
  });
  it('refuses an unchanged value: invalid_state', () => {
    spec.given([opened]).when(cmd.classify('suitable')).thenThrows('invalid_state');
    spec.given([opened]).when(cmd.grade('B')).thenThrows('invalid_state');
    spec
      .given([opened])
      .when({ type: 'customer.changeType', data: { customerId, customerType: { kind: 'enterprise', sizeTier: 'medium', ownership: 'private' }, reason: 'x', occurredAt: at(3) } })
      .thenThrows('invalid_state');
  });
  it('refuses changing the kind of customer: invalid_customer_type', () => {
    spec
      .given([opened])
      .when({ type: 'customer.changeType', data: { customerId, customerType: { kind: 'individual', frequency: 'frequent' }, reason: 'x', occurredAt: at(3) } })
      .thenThrows('invalid_customer_type');
  });
  it('refuses a change dated before the previous change of the same attribute or the opening: out_of_order_time', () => {
    const change: CustomerAccountEvent = {
      type: 'CustomerClassificationChanged',
      data: { customerId, from: 'suitable', to: 'key', reason: 'r', occurredAt: at(10) },
    };
    spec.given([opened, change]).when(cmd.classify('general', 9)).thenThrows('out_of_order_time');
    spec.given([opened]).when(cmd.grade('A', -1)).thenThrows('out_of_order_time');
    spec.given([opened]).when({ type: 'customer.updateNeeds', data: { customerId, needs: 'n', occurredAt: at(-1) } }).thenThrows('out_of_order_time');
  });
  it('refuses on a missing account (not_found) and a closed one (account_closed)', () => {
    spec.given([]).when(cmd.classify('key')).thenThrows('not_found');
    spec.given([opened, closed]).when(cmd.classify('key', 9)).thenThrows('account_closed');
    spec.given([opened, closed]).when({ type: 'customer.updateNeeds', data: { customerId, needs: 'n', occurredAt: at(9) } }).thenThrows('account_closed');
  });
});

describe('customer.setCreditLimits', () => {
  it('sets new caps with the outstanding balance at the time; lowering below the outstanding is allowed', () => {
    spec.given([opened, reserved('o-1', 8_000, 8_000)]).when(cmd.limits(5_000, 6_000)).then([
      {
        type: 'CustomerCreditLimitsSet',
        data: {
          customerId,
          from: { singleOrderCapFen: 10_000, outstandingCapFen: 25_000 },
          to: { singleOrderCapFen: 5_000, outstandingCapFen: 6_000 },
          outstandingFen: 8_000,
          reason: 'credit review',
          occurredAt: at(3),
        },
      },
    ]);
  });
  it('refuses unchanged caps (invalid_state), a fractional cap (invalid_amount), an earlier time (out_of_order_time)', () => {
    spec.given([opened]).when(cmd.limits(10_000, 25_000)).thenThrows('invalid_state');
    spec.given([opened]).when(cmd.limits(10.5, 25_000)).thenThrows('invalid_amount');
    spec.given([opened]).when(cmd.limits(1, 2, -2)).thenThrows('out_of_order_time');
    spec.given([]).when(cmd.limits(1, 2)).thenThrows('not_found');
    spec.given([opened, closed]).when(cmd.limits(1, 2, 9)).thenThrows('account_closed');
  });
  it('a lowered cap refuses the next reservation', () => {
    const lowered: CustomerAccountEvent = {
      type: 'CustomerCreditLimitsSet',
      data: { customerId, from: { singleOrderCapFen: 10_000, outstandingCapFen: 25_000 }, to: { singleOrderCapFen: 10_000, outstandingCapFen: 9_000 }, outstandingFen: 8_000, reason: 'r', occurredAt: at(2) },
    };
    spec.given([opened, reserved('o-1', 8_000, 8_000), lowered]).when(cmd.reserve('o-2', 1_001)).thenThrows('credit_limit_exceeded');
  });
});

describe('customer.reserveCredit', () => {
  it('reserves and reports the outstanding balance after', () => {
    spec.given([opened, reserved('o-1', 10_000, 10_000)]).when(cmd.reserve('o-2', 9_000)).then([
      {
        type: 'CreditReserved',
        data: { customerId, reservationId: 'o-2', amountFen: 9_000, outstandingAfterFen: 19_000, singleOrderCapFen: 10_000, outstandingCapFen: 25_000, occurredAt: at(3) },
      },
    ]);
  });
  it('accepts exactly the caps (<=)', () => {
    expect(spec.given([opened, reserved('o-1', 10_000, 10_000), reserved('o-2', 5_000, 15_000)]).when(cmd.reserve('o-3', 10_000)).events()).toHaveLength(1);
  });
  it('refuses an amount over the single-order cap: single_order_limit_exceeded', () => {
    spec.given([opened]).when(cmd.reserve('o-1', 10_001)).thenThrows('single_order_limit_exceeded');
  });
  it('refuses when outstanding + amount exceeds the outstanding cap: credit_limit_exceeded', () => {
    spec.given([opened, reserved('o-1', 10_000, 10_000), reserved('o-2', 10_000, 20_000)]).when(cmd.reserve('o-3', 5_001)).thenThrows('credit_limit_exceeded');
  });
  it('released credit is available again', () => {
    expect(
      spec
        .given([opened, reserved('o-1', 10_000, 10_000), reserved('o-2', 10_000, 20_000), released('o-1', 10_000, 0, 10_000)])
        .when(cmd.reserve('o-3', 10_000))
        .events(),
    ).toHaveLength(1);
  });
  it('is idempotent: the same reservation and amount again gives no event', () => {
    spec.given([opened, reserved('o-1', 4_000, 4_000)]).when(cmd.reserve('o-1', 4_000)).then([]);
    // Even after a suspension: it is the retry of a reservation already made.
    spec.given([opened, reserved('o-1', 4_000, 4_000), suspended]).when(cmd.reserve('o-1', 4_000, 6)).then([]);
  });
  it('refuses the same open reservation with another amount: invalid_state', () => {
    spec.given([opened, reserved('o-1', 4_000, 4_000)]).when(cmd.reserve('o-1', 4_001)).thenThrows('invalid_state');
  });
  it('forgets a fully released reservation: the state keeps open reservations only, its id may be reserved anew', () => {
    const state = [opened, reserved('o-1', 4_000, 4_000), released('o-1', 4_000, 0, 0)].reduce(customerAccountDecider.evolve, customerAccountDecider.initialState());
    expect(state.status !== 'none' && Object.keys(state.reservations)).toEqual([]);
    expect(
      spec.given([opened, reserved('o-1', 4_000, 4_000), released('o-1', 4_000, 0, 0)]).when(cmd.reserve('o-1', 4_000, 4)).events(),
    ).toHaveLength(1);
  });
  it('refuses on a suspended account (account_not_active), a closed one (account_closed), a missing one (not_found)', () => {
    spec.given([opened, suspended]).when(cmd.reserve('o-1', 1, 6)).thenThrows('account_not_active');
    spec.given([opened, closed]).when(cmd.reserve('o-1', 1, 7)).thenThrows('account_closed');
    spec.given([]).when(cmd.reserve('o-1', 1)).thenThrows('not_found');
  });
  it('refuses a reservation dated before the opening (out_of_order_time) and a fractional amount (invalid_amount)', () => {
    spec.given([opened]).when(cmd.reserve('o-1', 1, -1)).thenThrows('out_of_order_time');
    spec.given([opened]).when(cmd.reserve('o-1', 0.5)).thenThrows('invalid_amount');
  });
  it('0 fen (a free order) passes the same checks but holds nothing: no event, again no event, nothing to release', () => {
    spec.given([opened]).when(cmd.reserve('o-1', 0)).then([]);
    spec.given([opened, reserved('o-2', 4_000, 4_000)]).when(cmd.reserve('o-1', 0)).then([]);
    spec.given([opened]).when(cmd.release('o-1')).thenThrows('reservation_not_found');
    spec.given([opened, suspended]).when(cmd.reserve('o-1', 0, 6)).thenThrows('account_not_active');
    spec.given([opened, closed]).when(cmd.reserve('o-1', 0, 7)).thenThrows('account_closed');
    spec.given([]).when(cmd.reserve('o-1', 0)).thenThrows('not_found');
    spec.given([opened]).when(cmd.reserve('o-1', 0, -1)).thenThrows('out_of_order_time');
    // an open reservation of that id with another amount is still invalid_state
    spec.given([opened, reserved('o-1', 4_000, 4_000)]).when(cmd.reserve('o-1', 0)).thenThrows('invalid_state');
  });
  it('a 0-fen CreditReserved stored earlier is not held, and reserving its id with 0 again adds nothing', () => {
    const state = [opened, reserved('o-1', 0, 0)].reduce(customerAccountDecider.evolve, customerAccountDecider.initialState());
    expect(state.status !== 'none' && [state.outstandingFen, Object.keys(state.reservations)]).toEqual([0, []]);
    spec.given([opened, reserved('o-1', 0, 0)]).when(cmd.reserve('o-1', 0, 4)).then([]);
  });
});

describe('customer.releaseCredit', () => {
  const history = [opened, reserved('o-1', 6_000, 6_000), reserved('o-2', 3_000, 9_000)];
  it('releases the whole remaining amount by default', () => {
    spec.given(history).when(cmd.release('o-1')).then([
      { type: 'CreditReleased', data: { customerId, reservationId: 'o-1', reason: 'cancellation', amountFen: 6_000, remainingFen: 0, outstandingAfterFen: 3_000, occurredAt: at(3) } },
    ]);
  });
  it('releases part (a partial payment), then the rest', () => {
    spec.given(history).when(cmd.release('o-1', 3, 2_500)).then([
      { type: 'CreditReleased', data: { customerId, reservationId: 'o-1', reason: 'cancellation', amountFen: 2_500, remainingFen: 3_500, outstandingAfterFen: 6_500, occurredAt: at(3) } },
    ]);
    spec.given([...history, released('o-1', 2_500, 3_500, 6_500)]).when(cmd.release('o-1', 4)).then([
      { type: 'CreditReleased', data: { customerId, reservationId: 'o-1', reason: 'cancellation', amountFen: 3_500, remainingFen: 0, outstandingAfterFen: 3_000, occurredAt: at(4) } },
    ]);
  });
  it('refuses a reservation already fully released (forgotten): reservation_not_found', () => {
    spec.given([...history, released('o-1', 6_000, 0, 3_000)]).when(cmd.release('o-1', 4)).thenThrows('reservation_not_found');
  });
  it('refuses an unknown reservation: reservation_not_found', () => {
    spec.given(history).when(cmd.release('o-9')).thenThrows('reservation_not_found');
  });
  it('refuses releasing more than remains: invalid_amount', () => {
    spec.given(history).when(cmd.release('o-1', 3, 6_001)).thenThrows('invalid_amount');
  });
  it('refuses a release dated before its reservation: out_of_order_time', () => {
    spec.given(history).when(cmd.release('o-1', 0)).thenThrows('out_of_order_time');
  });
  it('is allowed on a suspended account; refused on a missing one (not_found)', () => {
    expect(spec.given([...history, suspended]).when(cmd.release('o-1', 6)).events()).toHaveLength(1);
    spec.given([]).when(cmd.release('o-1')).thenThrows('not_found');
  });
});

describe('customer.suspend / reinstate / close', () => {
  it('suspends an active account and reinstates a suspended one', () => {
    spec.given([opened]).when(cmd.suspend(5)).then([{ type: 'CustomerAccountSuspended', data: { customerId, reason: 'overdue invoices', occurredAt: at(5) } }]);
    spec.given([opened, suspended]).when(cmd.reinstate(7)).then([
      { type: 'CustomerAccountReinstated', data: { customerId, reason: 'paid', suspendedAt: at(5), occurredAt: at(7) } },
    ]);
  });
  it('refuses suspending a suspended account and reinstating an active one: invalid_state', () => {
    spec.given([opened, suspended]).when(cmd.suspend(6)).thenThrows('invalid_state');
    spec.given([opened]).when(cmd.reinstate(6)).thenThrows('invalid_state');
  });
  it('refuses a status step dated before the previous one: out_of_order_time', () => {
    spec.given([opened, suspended]).when(cmd.reinstate(4)).thenThrows('out_of_order_time');
    spec.given([opened]).when(cmd.suspend(-1)).thenThrows('out_of_order_time');
    spec.given([opened, suspended]).when(cmd.close(4)).thenThrows('out_of_order_time');
  });
  it('closes an active or suspended account with nothing outstanding', () => {
    spec.given([opened, reserved('o-1', 1_000, 1_000), released('o-1', 1_000, 0, 0)]).when(cmd.close(8)).then([
      { type: 'CustomerAccountClosed', data: { customerId, reason: 'moved away', openedAt: at(0), occurredAt: at(8) } },
    ]);
    expect(spec.given([opened, suspended]).when(cmd.close(8)).events()).toHaveLength(1);
  });
  it('refuses closing while credit is outstanding: invalid_state', () => {
    spec.given([opened, reserved('o-1', 1_000, 1_000)]).when(cmd.close(8)).thenThrows('invalid_state');
  });
  it('closed is final: every step refused with account_closed; missing: not_found', () => {
    spec.given([opened, closed]).when(cmd.suspend(9)).thenThrows('account_closed');
    spec.given([opened, closed]).when(cmd.reinstate(9)).thenThrows('account_closed');
    spec.given([opened, closed]).when(cmd.close(9)).thenThrows('account_closed');
    spec.given([]).when(cmd.suspend(9)).thenThrows('not_found');
    spec.given([]).when(cmd.reinstate(9)).thenThrows('not_found');
    spec.given([]).when(cmd.close(9)).thenThrows('not_found');
  });
  it('a released reservation on a closed account is forgotten: reservation_not_found', () => {
    spec.given([opened, reserved('o-1', 1_000, 1_000), released('o-1', 1_000, 0, 0), closed]).when(cmd.release('o-1', 9)).thenThrows('reservation_not_found');
  });
});

describe('customer.recordVisit / reportUrgentVisit', () => {
  it('records a visit by someone other than the local salesperson', () => {
    const [e] = spec.given([opened]).when(cmd.visit('Zhao Min')).then(spec.given([opened]).when(cmd.visit('Zhao Min')).events());
    expect(e).toMatchObject({ type: 'CustomerVisitRecorded', data: { visitId: 'v-1', visitor: 'Zhao Min', visitedAt: at(2), occurredAt: at(3) } });
    spec.given([opened]).when(cmd.urgent('Zhao Min')).then([
      { type: 'CustomerUrgentVisitReported', data: { customerId, visitId: 'u-1', visitor: 'Zhao Min', issue: 'damaged shipment', actionTaken: 'replacement sent', occurredAt: at(3) } },
    ]);
  });
  it('refuses the local salesperson as visitor (001:8), whatever the case or spacing: visitor_is_local_salesperson', () => {
    spec.given([opened]).when(cmd.visit('Li Lei')).thenThrows('visitor_is_local_salesperson');
    spec.given([opened]).when(cmd.visit(' li lei ')).thenThrows('visitor_is_local_salesperson');
    spec.given([opened]).when(cmd.urgent('Li Lei')).thenThrows('visitor_is_local_salesperson');
  });
  it('refuses a visit id used before (already_exists), a visit before the opening (out_of_order_time)', () => {
    const [v] = spec.given([opened]).when(cmd.visit('Zhao Min')).events();
    if (!v) throw new Error('no visit event');
    spec.given([opened, v]).when(cmd.visit('Zhao Min')).thenThrows('already_exists');
    spec.given([opened, v]).when(cmd.urgent('Zhao Min', 'v-1')).thenThrows('already_exists');
    spec.given([opened]).when(cmd.visit('Zhao Min', 'v-2', 0)).thenThrows('out_of_order_time');
    spec.given([opened]).when(cmd.urgent('Zhao Min', 'u-2', -1)).thenThrows('out_of_order_time');
  });
  it('refuses a visit record made before the visit itself: out_of_order_time', () => {
    const c = cmd.visit('Zhao Min');
    if (c.type !== 'customer.recordVisit') throw new Error('wrong command');
    spec.given([opened]).when({ ...c, data: { ...c.data, visitedAt: at(4) } }).thenThrows('out_of_order_time');
    expect(customerAccountAggregate.commands['customer.recordVisit'].schema.safeParse({ ...c.data, visitedAt: at(4) }).success).toBe(false);
  });
  it('refuses on missing (not_found) and closed (account_closed) accounts', () => {
    spec.given([]).when(cmd.visit('Zhao Min')).thenThrows('not_found');
    spec.given([opened, closed]).when(cmd.visit('Zhao Min', 'v-1', 9)).thenThrows('account_closed');
    spec.given([]).when(cmd.urgent('Zhao Min')).thenThrows('not_found');
    spec.given([opened, closed]).when(cmd.urgent('Zhao Min', 'u-1', 9)).thenThrows('account_closed');
  });
});

describe('customer.recordCallback / recordFeedback', () => {
  it('records them', () => {
    spec.given([opened]).when(cmd.callback()).then([
      { type: 'CustomerCallbackRecorded', data: { customerId, callbackId: 'cb-1', by: 'Chen', topic: 'complaint follow-up', outcome: 'satisfied', occurredAt: at(3) } },
    ]);
    spec.given([opened]).when(cmd.feedback()).then([
      { type: 'CustomerFeedbackRecorded', data: { customerId, feedbackId: 'f-1', content: 'please call before delivery', category: 'suggestion', occurredAt: at(3) } },
    ]);
  });
  it('refuses duplicates (already_exists), early times (out_of_order_time), missing (not_found), closed (account_closed)', () => {
    const [cb] = spec.given([opened]).when(cmd.callback()).events();
    const [fb] = spec.given([opened]).when(cmd.feedback()).events();
    if (!cb || !fb) throw new Error('no events');
    spec.given([opened, cb]).when(cmd.callback()).thenThrows('already_exists');
    spec.given([opened, fb]).when(cmd.feedback()).thenThrows('already_exists');
    spec.given([opened]).when(cmd.callback('cb-2', -1)).thenThrows('out_of_order_time');
    spec.given([opened]).when(cmd.feedback('f-2', -1)).thenThrows('out_of_order_time');
    spec.given([]).when(cmd.callback()).thenThrows('not_found');
    spec.given([]).when(cmd.feedback()).thenThrows('not_found');
    spec.given([opened, closed]).when(cmd.callback('cb-1', 9)).thenThrows('account_closed');
    spec.given([opened, closed]).when(cmd.feedback('f-1', 9)).thenThrows('account_closed');
  });
});

describe('customer.recordSurvey', () => {
  it('records all nine answers with their scores, the sum and the segment', () => {
    const answers = { ...allAnswers('quite_good'), staff_attitude: 'very_poor' as const };
    const [e] = spec.given([opened]).when(cmd.survey(answers)).events();
    expect(e).toEqual({
      type: 'CustomerSurveyRecorded',
      data: {
        customerId,
        surveyId: 's-1',
        answers,
        scores: { ...Object.fromEntries(Object.keys(answers).map((k) => [k, 6])), staff_attitude: 1 },
        scoreSum: 8 * 6 + 1,
        segment: { classification: 'suitable', standardColumn: 'private', region: 'Hubei' },
        occurredAt: at(3),
      },
    });
  });
  it('refuses a survey with an item missing: the schema rejects it, the decider says invalid_state', () => {
    const { staff_attitude: _missing, ...partial } = allAnswers('average');
    const bad = cmd.survey(partial as Record<SurveyItem, SatisfactionAnswer>);
    expect(customerAccountAggregate.commands['customer.recordSurvey'].schema.safeParse(bad.data).success).toBe(false);
    spec.given([opened]).when(bad).thenThrows('invalid_state');
  });
  it('refuses duplicates, early times, missing and closed accounts', () => {
    const [e] = spec.given([opened]).when(cmd.survey(allAnswers('average'))).events();
    if (!e) throw new Error('no event');
    spec.given([opened, e]).when(cmd.survey(allAnswers('average'))).thenThrows('already_exists');
    spec.given([opened]).when(cmd.survey(allAnswers('average'), 's-2', -1)).thenThrows('out_of_order_time');
    spec.given([]).when(cmd.survey(allAnswers('average'))).thenThrows('not_found');
    spec.given([opened, closed]).when(cmd.survey(allAnswers('average'), 's-1', 9)).thenThrows('account_closed');
  });
});

describe('customer.recordEvaluation', () => {
  it('records scores and combined scores x10 (average of customer and internal)', () => {
    spec.given([opened]).when(cmd.evaluation()).then([
      {
        type: 'CustomerEvaluationRecorded',
        data: {
          customerId,
          evaluationId: 'e-1',
          items: [
            { item: 'delivery punctuality', customerGrade: 'good', internalGrade: 'average', customerScore: 10, internalScore: 5, combinedScoreX10: 75 },
            { item: 'staff attitude', customerGrade: 'poor', internalGrade: 'average', customerScore: 0, internalScore: 5, combinedScoreX10: 25 },
          ],
          totalCombinedScoreX10: 100,
          evaluator: 'QA team',
          opinion: 'improve attitude',
          segment: { classification: 'suitable', standardColumn: 'private', region: 'Hubei' },
          occurredAt: at(3),
        },
      },
    ]);
  });
  it('refuses an item given twice (invalid_state), duplicates, early times, missing and closed accounts', () => {
    const c = cmd.evaluation();
    if (c.type !== 'customer.recordEvaluation') throw new Error('wrong command');
    const first = c.data.items[0];
    if (!first) throw new Error('no item');
    spec.given([opened]).when({ ...c, data: { ...c.data, items: [first, first] } }).thenThrows('invalid_state');
    const [e] = spec.given([opened]).when(c).events();
    if (!e) throw new Error('no event');
    spec.given([opened, e]).when(cmd.evaluation()).thenThrows('already_exists');
    spec.given([opened]).when(cmd.evaluation('e-2', -1)).thenThrows('out_of_order_time');
    spec.given([]).when(cmd.evaluation()).thenThrows('not_found');
    spec.given([opened, closed]).when(cmd.evaluation('e-1', 9)).thenThrows('account_closed');
  });
});

describe('customerAccountAggregate', () => {
  it('validates every produced event against its schema and addresses the customer stream', () => {
    const events = [
      ...spec.given([]).when(cmd.open()).events(),
      ...spec.given([opened]).when(cmd.reserve('o-1', 100)).events(),
      ...spec.given([opened]).when(cmd.survey(allAnswers('very_good'))).events(),
      ...spec.given([opened]).when(cmd.evaluation()).events(),
    ];
    for (const e of events) expect(customerAccountAggregate.events[e.type].schema.safeParse(e.data).success, e.type).toBe(true);
    expect(customerAccountAggregate.category).toBe('CustomerAccount');
    expect(customerAccountAggregate.commands['customer.open'].creates).toBe(true);
    expect(customerAccountAggregate.commands['customer.reserveCredit'].aggregateId({ customerId, reservationId: 'o', amountFen: 1, occurredAt: at(0) })).toBe(customerId);
  });
});
