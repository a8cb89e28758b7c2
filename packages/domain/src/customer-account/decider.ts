import { match } from 'ts-pattern';
import type { Decider } from '../shared/decider.ts';
import { DomainError } from '../shared/errors.ts';
import { evaluationScore, satisfactionScore, standardColumnOf, SurveyItem } from '../shared/reference.ts';
import type { CustomerType } from '../shared/reference.ts';
import { isBefore } from '../shared/values.ts';
import type {
  ChangeCustomerClassificationData,
  ChangeCustomerRegionalGradeData,
  ChangeCustomerTypeData,
  CloseCustomerAccountData,
  CustomerAccountCommand,
  OpenCustomerAccountData,
  RecordCustomerCallbackData,
  RecordCustomerEvaluationData,
  RecordCustomerFeedbackData,
  RecordCustomerSurveyData,
  RecordCustomerVisitData,
  ReinstateCustomerAccountData,
  ReleaseCreditData,
  ReportUrgentCustomerVisitData,
  ReserveCreditData,
  SetCustomerCreditLimitsData,
  SuspendCustomerAccountData,
  UpdateCustomerNeedsData,
} from './commands.ts';
import type { CustomerAccountEvent, CustomerSegment, EvaluatedItem } from './events.ts';
import { initialCustomerAccountState, remainingReservedFen } from './state.ts';
import type { CustomerAccountState, ExistingCustomerAccount, RecordIds } from './state.ts';

// ---------------------------------------------------------------------------------------------
// helpers

const existing = (state: CustomerAccountState, customerId: string): ExistingCustomerAccount => {
  if (state.status === 'none') throw new DomainError('not_found', `customer account ${customerId} does not exist`, { customerId });
  return state;
};

/** An existing account that is not closed (closed is final: it takes no command but credit releases). */
const open = (state: CustomerAccountState, customerId: string, command: string): ExistingCustomerAccount => {
  const s = existing(state, customerId);
  if (s.status === 'closed') throw new DomainError('account_closed', `customer account ${customerId} is closed: ${command} refused`, { customerId });
  return s;
};

const notBefore = (occurredAt: string, previous: string, what: string): void => {
  if (isBefore(occurredAt, previous)) {
    throw new DomainError('out_of_order_time', `${occurredAt} is before ${what} (${previous})`, { occurredAt, previous });
  }
};

const has = (ids: RecordIds, id: string): boolean => Object.hasOwn(ids, id);

const isMoney = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;

const money = (n: number, what: string): void => {
  if (!isMoney(n)) throw new DomainError('invalid_amount', `${what} must be a non-negative integer number of fen`, { value: n });
};

/** People are compared by their trimmed, case-folded name or id. */
const samePerson = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();

const sameType = (a: CustomerType, b: CustomerType): boolean => JSON.stringify(a) === JSON.stringify(b);

const segmentOf = (s: ExistingCustomerAccount): CustomerSegment => ({
  classification: s.classification,
  standardColumn: standardColumnOf(s.customerType),
  region: s.region,
});

/** Appends the record id unless already there (`already_exists`), checking it is not before the opening. */
const newRecord = (s: ExistingCustomerAccount, ids: RecordIds, id: string, kind: string, at: string): void => {
  if (has(ids, id)) throw new DomainError('already_exists', `${kind} ${id} is already recorded`, { id });
  notBefore(at, s.openedAt, 'the opening of the account');
};

// ---------------------------------------------------------------------------------------------
// decide, one function per command

const openAccount = (d: OpenCustomerAccountData, state: CustomerAccountState): CustomerAccountEvent[] => {
  if (state.status !== 'none') throw new DomainError('already_exists', `customer account ${d.customerId} already exists`, { customerId: d.customerId });
  money(d.creditLimits.singleOrderCapFen, 'singleOrderCapFen');
  money(d.creditLimits.outstandingCapFen, 'outstandingCapFen');
  return [
    {
      type: 'CustomerAccountOpened',
      data: {
        customerId: d.customerId,
        name: d.name,
        contact: d.contact,
        industry: d.industry,
        region: d.region,
        customerType: d.customerType,
        standardColumn: standardColumnOf(d.customerType),
        classification: d.classification,
        regionalGrade: d.regionalGrade,
        accountOwner: d.accountOwner,
        localSalesperson: d.localSalesperson,
        ...(d.needs !== undefined ? { needs: d.needs } : {}),
        creditLimits: { singleOrderCapFen: d.creditLimits.singleOrderCapFen, outstandingCapFen: d.creditLimits.outstandingCapFen },
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const changeClassification = (d: ChangeCustomerClassificationData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.changeClassification');
  notBefore(d.occurredAt, s.changedAt.classification, 'the last classification change');
  if (s.classification === d.classification) throw new DomainError('invalid_state', `classification is already ${d.classification}`);
  return [
    {
      type: 'CustomerClassificationChanged',
      data: { customerId: s.customerId, from: s.classification, to: d.classification, reason: d.reason, occurredAt: d.occurredAt },
    },
  ];
};

const changeRegionalGrade = (d: ChangeCustomerRegionalGradeData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.changeRegionalGrade');
  notBefore(d.occurredAt, s.changedAt.regionalGrade, 'the last regional grade change');
  if (s.regionalGrade === d.grade) throw new DomainError('invalid_state', `regional grade is already ${d.grade}`);
  return [
    {
      type: 'CustomerRegionalGradeChanged',
      data: { customerId: s.customerId, from: s.regionalGrade, to: d.grade, reason: d.reason, occurredAt: d.occurredAt },
    },
  ];
};

/**
 * Changing the grade within a kind (frequency, size tier, ownership, government grade) is allowed;
 * changing the kind (an individual becoming an enterprise) is a different customer: refused with
 * `invalid_customer_type` (open a new account).
 */
const changeType = (d: ChangeCustomerTypeData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.changeType');
  notBefore(d.occurredAt, s.changedAt.customerType, 'the last customer type change');
  if (s.customerType.kind !== d.customerType.kind) {
    throw new DomainError('invalid_customer_type', `a ${s.customerType.kind} customer cannot become ${d.customerType.kind}: open a new account`, {
      from: s.customerType.kind,
      to: d.customerType.kind,
    });
  }
  if (sameType(s.customerType, d.customerType)) throw new DomainError('invalid_state', 'the customer type is unchanged');
  return [
    {
      type: 'CustomerTypeChanged',
      data: {
        customerId: s.customerId,
        from: s.customerType,
        to: d.customerType,
        fromStandardColumn: standardColumnOf(s.customerType),
        toStandardColumn: standardColumnOf(d.customerType),
        reason: d.reason,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const updateNeeds = (d: UpdateCustomerNeedsData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.updateNeeds');
  notBefore(d.occurredAt, s.changedAt.needs, 'the last needs update');
  return [{ type: 'CustomerNeedsUpdated', data: { customerId: s.customerId, needs: d.needs, occurredAt: d.occurredAt } }];
};

const setCreditLimits = (d: SetCustomerCreditLimitsData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.setCreditLimits');
  money(d.singleOrderCapFen, 'singleOrderCapFen');
  money(d.outstandingCapFen, 'outstandingCapFen');
  notBefore(d.occurredAt, s.changedAt.creditLimits, 'the last credit limit change');
  const to = { singleOrderCapFen: d.singleOrderCapFen, outstandingCapFen: d.outstandingCapFen };
  if (to.singleOrderCapFen === s.creditLimits.singleOrderCapFen && to.outstandingCapFen === s.creditLimits.outstandingCapFen) {
    throw new DomainError('invalid_state', 'the credit limits are unchanged');
  }
  return [
    {
      type: 'CustomerCreditLimitsSet',
      data: { customerId: s.customerId, from: s.creditLimits, to, outstandingFen: s.outstandingFen, reason: d.reason, occurredAt: d.occurredAt },
    },
  ];
};

/**
 * Reserves credit for an order. Idempotent for retries: the same reservationId with the same
 * amount while it is open produces no event; with another amount it is `invalid_state`. A
 * fully released reservation is forgotten (the state keeps open reservations only, so loading
 * an account does not grow with its history): reserving its id again is a new reservation.
 * 0 fen (a free order) passes the same checks but produces no event: there is nothing to hold
 * (and so nothing to release).
 */
const reserveCredit = (d: ReserveCreditData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.reserveCredit');
  money(d.amountFen, 'amountFen');
  if (Object.hasOwn(s.reservations, d.reservationId)) {
    const r = s.reservations[d.reservationId];
    if (r && r.reservedFen === d.amountFen) return [];
    throw new DomainError('invalid_state', `reservation ${d.reservationId} already exists with another amount`, {
      reservationId: d.reservationId,
      reservedFen: r?.reservedFen,
      amountFen: d.amountFen,
    });
  }
  if (s.status !== 'active') throw new DomainError('account_not_active', `customer account ${s.customerId} is ${s.status}: no new reservations`);
  notBefore(d.occurredAt, s.openedAt, 'the opening of the account');
  const { singleOrderCapFen, outstandingCapFen } = s.creditLimits;
  if (d.amountFen > singleOrderCapFen) {
    throw new DomainError('single_order_limit_exceeded', `amount ${d.amountFen} > single-order cap ${singleOrderCapFen}`, {
      amountFen: d.amountFen,
      singleOrderCapFen,
    });
  }
  const after = s.outstandingFen + d.amountFen;
  if (after > outstandingCapFen) {
    throw new DomainError('credit_limit_exceeded', `outstanding ${s.outstandingFen} + ${d.amountFen} > cap ${outstandingCapFen}`, {
      outstandingFen: s.outstandingFen,
      amountFen: d.amountFen,
      outstandingCapFen,
    });
  }
  if (d.amountFen === 0) return [];
  return [
    {
      type: 'CreditReserved',
      data: {
        customerId: s.customerId,
        reservationId: d.reservationId,
        amountFen: d.amountFen,
        outstandingAfterFen: after,
        singleOrderCapFen,
        outstandingCapFen,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

/**
 * Releases a reservation, wholly or partly. Unknown or already fully released (and so
 * forgotten): `reservation_not_found` — a retry of the same command gets its kept reply from the
 * command id instead. Allowed on suspended and closed accounts.
 */
const releaseCredit = (d: ReleaseCreditData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = existing(state, d.customerId);
  const r = Object.hasOwn(s.reservations, d.reservationId) ? s.reservations[d.reservationId] : undefined;
  if (!r) throw new DomainError('reservation_not_found', `no credit reservation ${d.reservationId}`, { reservationId: d.reservationId });
  const remaining = remainingReservedFen(s, d.reservationId);
  if (remaining <= 0) return [];
  notBefore(d.occurredAt, r.reservedAt, 'the reservation');
  const amount = d.amountFen ?? remaining;
  if (!Number.isSafeInteger(amount) || amount <= 0 || amount > remaining) {
    throw new DomainError('invalid_amount', `release of ${amount} fen: must be a positive integer <= the remaining ${remaining}`, {
      amountFen: amount,
      remainingFen: remaining,
    });
  }
  return [
    {
      type: 'CreditReleased',
      data: {
        customerId: s.customerId,
        reservationId: d.reservationId,
        reason: d.reason,
        amountFen: amount,
        remainingFen: remaining - amount,
        outstandingAfterFen: s.outstandingFen - amount,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const suspend = (d: SuspendCustomerAccountData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.suspend');
  if (s.status !== 'active') throw new DomainError('invalid_state', `customer account ${s.customerId} is already ${s.status}`);
  notBefore(d.occurredAt, s.lastStatusAt, 'the last status change');
  return [{ type: 'CustomerAccountSuspended', data: { customerId: s.customerId, reason: d.reason, occurredAt: d.occurredAt } }];
};

const reinstate = (d: ReinstateCustomerAccountData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.reinstate');
  if (s.status !== 'suspended') throw new DomainError('invalid_state', `customer account ${s.customerId} is not suspended`);
  notBefore(d.occurredAt, s.lastStatusAt, 'the suspension');
  return [
    {
      type: 'CustomerAccountReinstated',
      data: {
        customerId: s.customerId,
        ...(d.reason !== undefined ? { reason: d.reason } : {}),
        suspendedAt: s.suspendedAt ?? s.lastStatusAt,
        occurredAt: d.occurredAt,
      },
    },
  ];
};

/** Closing is final and refused with `invalid_state` while credit is outstanding (release it first). */
const close = (d: CloseCustomerAccountData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.close');
  notBefore(d.occurredAt, s.lastStatusAt, 'the last status change');
  if (s.outstandingFen > 0) {
    throw new DomainError('invalid_state', `customer account ${s.customerId} has ${s.outstandingFen} fen outstanding: release it before closing`, {
      outstandingFen: s.outstandingFen,
    });
  }
  return [{ type: 'CustomerAccountClosed', data: { customerId: s.customerId, reason: d.reason, openedAt: s.openedAt, occurredAt: d.occurredAt } }];
};

const visitorCheck = (s: ExistingCustomerAccount, visitor: string): void => {
  if (samePerson(visitor, s.localSalesperson)) {
    throw new DomainError('visitor_is_local_salesperson', `the visitor must not be the account's local salesperson (001:8)`, { visitor });
  }
};

const recordVisit = (d: RecordCustomerVisitData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.recordVisit');
  visitorCheck(s, d.visitor);
  newRecord(s, s.visits, d.visitId, 'visit', d.visitedAt);
  if (isBefore(d.occurredAt, d.visitedAt)) {
    throw new DomainError('out_of_order_time', `the visit record (${d.occurredAt}) is before the visit (${d.visitedAt})`);
  }
  return [
    {
      type: 'CustomerVisitRecorded',
      data: {
        customerId: s.customerId,
        visitId: d.visitId,
        visitor: d.visitor,
        visitedAt: d.visitedAt,
        customerOpinions: d.customerOpinions,
        marketInfo: d.marketInfo,
        competitorInfo: d.competitorInfo,
        effect: d.effect,
        handling: d.handling,
        result: d.result,
        ...(d.other !== undefined ? { other: d.other } : {}),
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const reportUrgentVisit = (d: ReportUrgentCustomerVisitData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.reportUrgentVisit');
  visitorCheck(s, d.visitor);
  newRecord(s, s.visits, d.visitId, 'visit', d.occurredAt);
  return [
    {
      type: 'CustomerUrgentVisitReported',
      data: { customerId: s.customerId, visitId: d.visitId, visitor: d.visitor, issue: d.issue, actionTaken: d.actionTaken, occurredAt: d.occurredAt },
    },
  ];
};

const recordCallback = (d: RecordCustomerCallbackData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.recordCallback');
  newRecord(s, s.callbacks, d.callbackId, 'callback', d.occurredAt);
  return [
    {
      type: 'CustomerCallbackRecorded',
      data: { customerId: s.customerId, callbackId: d.callbackId, by: d.by, topic: d.topic, outcome: d.outcome, occurredAt: d.occurredAt },
    },
  ];
};

const recordFeedback = (d: RecordCustomerFeedbackData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.recordFeedback');
  newRecord(s, s.feedback, d.feedbackId, 'feedback', d.occurredAt);
  return [
    {
      type: 'CustomerFeedbackRecorded',
      data: {
        customerId: s.customerId,
        feedbackId: d.feedbackId,
        content: d.content,
        category: d.category,
        ...(d.handledBy !== undefined ? { handledBy: d.handledBy } : {}),
        occurredAt: d.occurredAt,
      },
    },
  ];
};

const recordSurvey = (d: RecordCustomerSurveyData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.recordSurvey');
  newRecord(s, s.surveys, d.surveyId, 'survey', d.occurredAt);
  const missing = SurveyItem.options.filter((item) => !Object.hasOwn(d.answers, item) || !Object.hasOwn(satisfactionScore, d.answers[item]));
  if (missing.length > 0) throw new DomainError('invalid_state', `every survey item needs an answer; missing ${missing.join(', ')}`, { missing });
  const answers = Object.fromEntries(SurveyItem.options.map((item) => [item, d.answers[item]])) as typeof d.answers;
  const scores = Object.fromEntries(SurveyItem.options.map((item) => [item, satisfactionScore[d.answers[item]]])) as Record<SurveyItem, number>;
  const scoreSum = SurveyItem.options.reduce((sum, item) => sum + scores[item], 0);
  return [
    {
      type: 'CustomerSurveyRecorded',
      data: {
        customerId: s.customerId,
        surveyId: d.surveyId,
        answers,
        scores,
        scoreSum,
        segment: segmentOf(s),
        ...(d.surveyedBy !== undefined ? { surveyedBy: d.surveyedBy } : {}),
        occurredAt: d.occurredAt,
      },
    },
  ];
};

/**
 * The combined score of an evaluated item: the average of the customer and internal scores,
 * times ten so it stays an integer.
 *
 * @example
 * combinedScoreX10(10, 5) // 75, i.e. 7.5
 */
export const combinedScoreX10 = (customerScore: number, internalScore: number): number => (customerScore + internalScore) * 5;

const recordEvaluation = (d: RecordCustomerEvaluationData, state: CustomerAccountState): CustomerAccountEvent[] => {
  const s = open(state, d.customerId, 'customer.recordEvaluation');
  newRecord(s, s.evaluations, d.evaluationId, 'evaluation', d.occurredAt);
  if (d.items.length === 0) throw new DomainError('invalid_state', 'an evaluation has at least one item');
  const names = new Set<string>();
  const items: EvaluatedItem[] = d.items.map((it) => {
    if (names.has(it.item)) throw new DomainError('invalid_state', `item '${it.item}' given twice`, { item: it.item });
    names.add(it.item);
    const customerScore = evaluationScore[it.customerGrade];
    const internalScore = evaluationScore[it.internalGrade];
    return {
      item: it.item,
      customerGrade: it.customerGrade,
      internalGrade: it.internalGrade,
      customerScore,
      internalScore,
      combinedScoreX10: combinedScoreX10(customerScore, internalScore),
    };
  });
  return [
    {
      type: 'CustomerEvaluationRecorded',
      data: {
        customerId: s.customerId,
        evaluationId: d.evaluationId,
        items,
        totalCombinedScoreX10: items.reduce((sum, it) => sum + it.combinedScoreX10, 0),
        evaluator: d.evaluator,
        opinion: d.opinion,
        segment: segmentOf(s),
        occurredAt: d.occurredAt,
      },
    },
  ];
};

/**
 * Decides the events of a CustomerAccount command; throws a `DomainError` when refused.
 *
 * @example
 * decideCustomerAccount({ type: 'customer.reserveCredit', data }, state) // [{ type: 'CreditReserved', ... }]
 */
export const decideCustomerAccount = (command: CustomerAccountCommand, state: CustomerAccountState): CustomerAccountEvent[] =>
  match(command)
    .with({ type: 'customer.open' }, (c) => openAccount(c.data, state))
    .with({ type: 'customer.changeClassification' }, (c) => changeClassification(c.data, state))
    .with({ type: 'customer.changeRegionalGrade' }, (c) => changeRegionalGrade(c.data, state))
    .with({ type: 'customer.changeType' }, (c) => changeType(c.data, state))
    .with({ type: 'customer.updateNeeds' }, (c) => updateNeeds(c.data, state))
    .with({ type: 'customer.setCreditLimits' }, (c) => setCreditLimits(c.data, state))
    .with({ type: 'customer.reserveCredit' }, (c) => reserveCredit(c.data, state))
    .with({ type: 'customer.releaseCredit' }, (c) => releaseCredit(c.data, state))
    .with({ type: 'customer.suspend' }, (c) => suspend(c.data, state))
    .with({ type: 'customer.reinstate' }, (c) => reinstate(c.data, state))
    .with({ type: 'customer.close' }, (c) => close(c.data, state))
    .with({ type: 'customer.recordVisit' }, (c) => recordVisit(c.data, state))
    .with({ type: 'customer.reportUrgentVisit' }, (c) => reportUrgentVisit(c.data, state))
    .with({ type: 'customer.recordCallback' }, (c) => recordCallback(c.data, state))
    .with({ type: 'customer.recordFeedback' }, (c) => recordFeedback(c.data, state))
    .with({ type: 'customer.recordSurvey' }, (c) => recordSurvey(c.data, state))
    .with({ type: 'customer.recordEvaluation' }, (c) => recordEvaluation(c.data, state))
    .exhaustive();

// ---------------------------------------------------------------------------------------------
// evolve: total, never throws

const withRecord = (ids: RecordIds, id: string, at: string): RecordIds => ({ ...ids, [id]: at });

/**
 * Applies one event to the account state; total: an event that does not apply (e.g. before the
 * opening, or for an unknown reservation) leaves the state unchanged.
 *
 * @example
 * const state = events.reduce(evolveCustomerAccount, initialCustomerAccountState());
 */
export const evolveCustomerAccount = (state: CustomerAccountState, event: CustomerAccountEvent): CustomerAccountState => {
  if (event.type === 'CustomerAccountOpened') {
    if (state.status !== 'none') return state;
    const d = event.data;
    return {
      status: 'active',
      customerId: d.customerId,
      openedAt: d.occurredAt,
      region: d.region,
      customerType: d.customerType,
      classification: d.classification,
      regionalGrade: d.regionalGrade,
      accountOwner: d.accountOwner,
      localSalesperson: d.localSalesperson,
      ...(d.needs !== undefined ? { needs: d.needs } : {}),
      creditLimits: { ...d.creditLimits },
      outstandingFen: 0,
      reservations: {},
      lastStatusAt: d.occurredAt,
      changedAt: { classification: d.occurredAt, regionalGrade: d.occurredAt, customerType: d.occurredAt, creditLimits: d.occurredAt, needs: d.occurredAt },
      visits: {},
      callbacks: {},
      feedback: {},
      surveys: {},
      evaluations: {},
    };
  }
  return state.status === 'none' ? state : evolveExisting(state, event);
};

const evolveExisting = (s: ExistingCustomerAccount, event: CustomerAccountEvent): CustomerAccountState =>
  match(event)
    .with({ type: 'CustomerAccountOpened' }, () => s)
    .with({ type: 'CustomerClassificationChanged' }, ({ data }) => ({
      ...s,
      classification: data.to,
      changedAt: { ...s.changedAt, classification: data.occurredAt },
    }))
    .with({ type: 'CustomerRegionalGradeChanged' }, ({ data }) => ({
      ...s,
      regionalGrade: data.to,
      changedAt: { ...s.changedAt, regionalGrade: data.occurredAt },
    }))
    .with({ type: 'CustomerTypeChanged' }, ({ data }) => ({
      ...s,
      customerType: data.to,
      changedAt: { ...s.changedAt, customerType: data.occurredAt },
    }))
    .with({ type: 'CustomerNeedsUpdated' }, ({ data }) => ({ ...s, needs: data.needs, changedAt: { ...s.changedAt, needs: data.occurredAt } }))
    .with({ type: 'CustomerCreditLimitsSet' }, ({ data }) => ({
      ...s,
      creditLimits: { ...data.to },
      changedAt: { ...s.changedAt, creditLimits: data.occurredAt },
    }))
    .with({ type: 'CreditReserved' }, ({ data }) => {
      // A zero reservation (a free order; no longer decided, but stored earlier) holds nothing:
      // like a released one, it is not kept.
      if (Object.hasOwn(s.reservations, data.reservationId) || data.amountFen <= 0) return s;
      return {
        ...s,
        outstandingFen: s.outstandingFen + data.amountFen,
        reservations: { ...s.reservations, [data.reservationId]: { reservedFen: data.amountFen, releasedFen: 0, reservedAt: data.occurredAt } },
      };
    })
    .with({ type: 'CreditReleased' }, ({ data }) => {
      const r = Object.hasOwn(s.reservations, data.reservationId) ? s.reservations[data.reservationId] : undefined;
      if (!r) return s;
      // Never release more than is left, whatever the event says (evolve stays total and sane).
      const amount = Math.max(0, Math.min(data.amountFen, r.reservedFen - r.releasedFen));
      return {
        ...s,
        outstandingFen: s.outstandingFen - amount,
        reservations: Object.fromEntries(
          Object.entries({ ...s.reservations, [data.reservationId]: { ...r, releasedFen: r.releasedFen + amount } }).filter(
            ([, v]) => v.releasedFen < v.reservedFen,
          ),
        ),
      };
    })
    .with({ type: 'CustomerAccountSuspended' }, ({ data }) =>
      s.status === 'active' ? { ...s, status: 'suspended' as const, lastStatusAt: data.occurredAt, suspendedAt: data.occurredAt } : s,
    )
    .with({ type: 'CustomerAccountReinstated' }, ({ data }) => {
      if (s.status !== 'suspended') return s;
      const { suspendedAt: _dropped, ...rest } = s;
      return { ...rest, status: 'active' as const, lastStatusAt: data.occurredAt };
    })
    .with({ type: 'CustomerAccountClosed' }, ({ data }) => (s.status === 'closed' ? s : { ...s, status: 'closed' as const, lastStatusAt: data.occurredAt }))
    .with({ type: 'CustomerVisitRecorded' }, ({ data }) => ({ ...s, visits: withRecord(s.visits, data.visitId, data.visitedAt) }))
    .with({ type: 'CustomerUrgentVisitReported' }, ({ data }) => ({ ...s, visits: withRecord(s.visits, data.visitId, data.occurredAt) }))
    .with({ type: 'CustomerCallbackRecorded' }, ({ data }) => ({ ...s, callbacks: withRecord(s.callbacks, data.callbackId, data.occurredAt) }))
    .with({ type: 'CustomerFeedbackRecorded' }, ({ data }) => ({ ...s, feedback: withRecord(s.feedback, data.feedbackId, data.occurredAt) }))
    .with({ type: 'CustomerSurveyRecorded' }, ({ data }) => ({ ...s, surveys: withRecord(s.surveys, data.surveyId, data.occurredAt) }))
    .with({ type: 'CustomerEvaluationRecorded' }, ({ data }) => ({
      ...s,
      evaluations: withRecord(s.evaluations, data.evaluationId, data.occurredAt),
    }))
    .exhaustive();

/**
 * The CustomerAccount decider.
 *
 * @example
 * const events = customerAccountDecider.decide(command, fold(customerAccountDecider, history));
 */
export const customerAccountDecider: Decider<CustomerAccountCommand, CustomerAccountEvent, CustomerAccountState> = {
  decide: decideCustomerAccount,
  evolve: evolveCustomerAccount,
  initialState: initialCustomerAccountState,
};
