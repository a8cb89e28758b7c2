// Realistic command sequences that together use every command type of every aggregate.
// Shared by the application tests and the command-handler end-to-end tests.
import { defaultServiceStandard } from '@cs/domain';

export type Step = { type: string; payload: Record<string, unknown>; /** expected event types (in order) */ events: string[] };

const HOUR = 3_600_000;

/** A business clock: each call returns the next hour after `start`. */
export const businessClock = (start = '2024-05-01T08:00:00+08:00') => {
  let t = Date.parse(start);
  return () => {
    t += HOUR;
    return new Date(t).toISOString();
  };
};

export const openCustomer = (customerId: string, at: string, caps = { singleOrderCapFen: 1_000_000, outstandingCapFen: 10_000_000 }) => ({
  customerId,
  name: `Customer ${customerId}`,
  contact: { person: 'Wang Fang', phone: '+86 21 5555 0101', email: 'wang.fang@example.cn' },
  industry: 'electronics',
  region: 'East China',
  customerType: { kind: 'enterprise', sizeTier: 'medium', ownership: 'private' },
  classification: 'suitable',
  regionalGrade: 'B',
  accountOwner: 'li.na',
  localSalesperson: 'zhao.lei',
  creditLimits: caps,
  occurredAt: at,
});

export const placeOrder = (orderId: string, customerId: string, at: string, lines = [{ lineId: 'L1', quantity: 10, unitPriceFen: 1250 }, { lineId: 'L2', quantity: 4, unitPriceFen: 9900 }]) => ({
  orderId,
  customerId,
  channel: 'phone',
  lines: lines.map((l) => ({ ...l, sku: `SKU-${l.lineId}`, description: `goods ${l.lineId}` })),
  urgent: false,
  dispatchPreference: 'standard',
  occurredAt: at,
});

/**
 * A lifecycle for one customer that uses every command type once or more: the account's
 * records, an order from placement to completion with a return, a rejected order, a cancelled
 * order, a rejected return, direct credit and return reservations, a complaint through
 * escalation and reopening, and finally suspension, reinstatement and closure of the account.
 */
export const fullLifecycle = (suffix: string, start?: string): Step[] => {
  const at = businessClock(start);
  const c = `C-${suffix}`;
  const o1 = `O-${suffix}-1`;
  const o2 = `O-${suffix}-2`;
  const o3 = `O-${suffix}-3`;
  const r1 = `R-${suffix}-1`;
  const r2 = `R-${suffix}-2`;
  const k = `K-${suffix}`;
  const num = `TS-2024-${String(Math.abs(hash(suffix)) % 1_000_000_000).padStart(9, '0')}`;
  const answers = Object.fromEntries(
    ['order_processing_fast', 'replenishment_quick', 'staff_attitude', 'ordering_unit_variety', 'emergency_shipping', 'delivery_at_appointed_time', 'logistics_information', 'delivery_without_damage', 'logistics_management_level'].map((i) => [i, 'quite_good']),
  );
  const steps: Step[] = [];
  const s = (type: string, payload: Record<string, unknown>, events: string[]) => steps.push({ type, payload, events });

  s('customer.open', openCustomer(c, at()), ['CustomerAccountOpened']);
  s('customer.changeClassification', { customerId: c, classification: 'key', reason: 'top 5 % by profit', occurredAt: at() }, ['CustomerClassificationChanged']);
  s('customer.changeRegionalGrade', { customerId: c, grade: 'A', reason: 'growth', occurredAt: at() }, ['CustomerRegionalGradeChanged']);
  s('customer.changeType', { customerId: c, customerType: { kind: 'enterprise', sizeTier: 'large', ownership: 'private' }, reason: 'annual spend above 500,000 CNY', occurredAt: at() }, ['CustomerTypeChanged']);
  s('customer.updateNeeds', { customerId: c, needs: 'weekly deliveries to Suzhou', occurredAt: at() }, ['CustomerNeedsUpdated']);
  s('customer.setCreditLimits', { customerId: c, singleOrderCapFen: 2_000_000, outstandingCapFen: 20_000_000, reason: 'yearly review', occurredAt: at() }, ['CustomerCreditLimitsSet']);
  const visitedAt = at();
  s('customer.recordVisit', { customerId: c, visitId: `V-${suffix}`, visitor: 'li.na', visitedAt, customerOpinions: 'happy', marketInfo: 'growing', competitorInfo: 'SF cheaper', effect: 'good', handling: 'none', result: 'renewed', occurredAt: at() }, ['CustomerVisitRecorded']);
  s('customer.reportUrgentVisit', { customerId: c, visitId: `UV-${suffix}`, visitor: 'li.na', issue: 'damaged shipment', actionTaken: 'replacement sent', occurredAt: at() }, ['CustomerUrgentVisitReported']);
  s('customer.recordCallback', { customerId: c, callbackId: `CB-${suffix}`, by: 'li.na', topic: 'delivery quality', outcome: 'satisfied', occurredAt: at() }, ['CustomerCallbackRecorded']);
  s('customer.recordFeedback', { customerId: c, feedbackId: `FB-${suffix}`, content: 'faster tracking please', category: 'suggestion', occurredAt: at() }, ['CustomerFeedbackRecorded']);
  s('customer.recordSurvey', { customerId: c, surveyId: `SV-${suffix}`, answers, occurredAt: at() }, ['CustomerSurveyRecorded']);
  s('customer.recordEvaluation', { customerId: c, evaluationId: `EV-${suffix}`, items: [{ item: 'punctuality', customerGrade: 'good', internalGrade: 'average' }], evaluator: 'quality team', opinion: 'fine', occurredAt: at() }, ['CustomerEvaluationRecorded']);

  // order 1: the whole way, with an exception and a return
  s('order.place', placeOrder(o1, c, at()), ['OrderPlaced']);
  s('order.verify', { orderId: o1, verifiedBy: 'order.desk', occurredAt: at() }, ['OrderVerified']);
  s('order.accept', { orderId: o1, occurredAt: at() }, ['OrderAccepted']);
  s('order.prepare', { orderId: o1, pickListNumber: 'PL-1', lines: [{ lineId: 'L1', pickedQuantity: 10, stockDamaged: false }, { lineId: 'L2', pickedQuantity: 4, stockDamaged: false }], occurredAt: at() }, ['OrderPrepared']);
  s('order.dispatch', { orderId: o1, carrier: 'Deppon', transportMode: 'road', trackingNumber: `TN-${suffix}`, occurredAt: at() }, ['OrderDispatched']);
  s('order.recordTracking', { orderId: o1, location: 'Kunshan hub', statusNote: 'in transit', occurredAt: at() }, ['OrderTrackingUpdated']);
  s('order.raiseException', { orderId: o1, exceptionId: 'E1', kind: 'delay', description: 'traffic', occurredAt: at() }, ['OrderExceptionRaised']);
  s('order.resolveException', { orderId: o1, exceptionId: 'E1', resolution: 'arrived next morning', occurredAt: at() }, ['OrderExceptionResolved']);
  s('order.deliver', { orderId: o1, signatory: 'Wang Fang', lines: [{ lineId: 'L1', deliveredQuantity: 10, condition: 'intact' }, { lineId: 'L2', deliveredQuantity: 4, condition: 'damaged' }], occurredAt: at() }, ['OrderDelivered']);
  s('order.complete', { orderId: o1, occurredAt: at() }, ['OrderCompleted']);
  // return 1: approved and settled
  s('return.request', { returnId: r1, orderId: o1, customerId: c, slipNumber: `RS-${suffix}-1`, reason: 'damage', lines: [{ lineId: 'L2', quantity: 2 }], occurredAt: at() }, ['ReturnRequested']);
  s('return.inspect', { returnId: r1, clerk: 'returns.clerk', lines: [{ lineId: 'L2', actualQuantity: 2 }], causeConfirmed: true, confirmedReason: 'damage', occurredAt: at() }, ['ReturnInspected']);
  s('return.notifyDistributionCentre', { returnId: r1, reference: 'DC-77', occurredAt: at() }, ['ReturnSentToDistributionCentre']);
  s('return.review', { returnId: r1, reviewer: 'second.reviewer', passed: true, occurredAt: at() }, ['ReturnReviewed']);
  s('return.approve', { returnId: r1, by: 'returns.manager', occurredAt: at() }, ['ReturnApproved']);
  s('return.settle', { returnId: r1, outcome: 'refund', amountFen: 19_800, occurredAt: at() }, ['ReturnSettled']);
  s('return.recordDisposition', { returnId: r1, disposition: 'scrapped', occurredAt: at() }, ['ReturnDispositionRecorded']);
  s('return.close', { returnId: r1, occurredAt: at() }, ['ReturnClosed']);
  // return 2: rejected after inspection (its quantities are released on the order)
  s('return.request', { returnId: r2, orderId: o1, customerId: c, slipNumber: `RS-${suffix}-2`, reason: 'error', lines: [{ lineId: 'L1', quantity: 1 }], occurredAt: at() }, ['ReturnRequested']);
  s('return.inspect', { returnId: r2, clerk: 'returns.clerk', lines: [{ lineId: 'L1', actualQuantity: 1 }], causeConfirmed: false, occurredAt: at() }, ['ReturnInspected']);
  s('return.reject', { returnId: r2, by: 'returns.manager', reason: 'goods were as ordered', occurredAt: at() }, ['ReturnRejected']);
  // a return reservation taken and freed directly on the order
  s('order.reserveReturn', { orderId: o1, returnId: `RX-${suffix}`, lines: [{ lineId: 'L1', quantity: 3 }], occurredAt: at() }, ['OrderReturnReserved']);
  s('order.releaseReturn', { orderId: o1, returnId: `RX-${suffix}`, reason: 'customer changed mind', occurredAt: at() }, ['OrderReturnReleased']);
  // order 2: rejected; order 3: accepted then cancelled (its credit is released)
  s('order.place', placeOrder(o2, c, at()), ['OrderPlaced']);
  s('order.reject', { orderId: o2, reason: 'out_of_service_area', occurredAt: at() }, ['OrderRejected']);
  s('order.place', placeOrder(o3, c, at()), ['OrderPlaced']);
  s('order.accept', { orderId: o3, occurredAt: at() }, ['OrderAccepted']);
  s('order.cancel', { orderId: o3, reason: 'customer withdrew', occurredAt: at() }, ['OrderCancelled']);
  // credit: a direct reservation and its release, then order 1 paid
  s('customer.reserveCredit', { customerId: c, reservationId: `M-${suffix}`, amountFen: 5000, occurredAt: at() }, ['CreditReserved']);
  s('customer.releaseCredit', { customerId: c, reservationId: `M-${suffix}`, reason: 'cancellation', occurredAt: at() }, ['CreditReleased']);
  s('customer.releaseCredit', { customerId: c, reservationId: o1, reason: 'payment', occurredAt: at() }, ['CreditReleased']);
  // complaint: received, handled, closed, reopened, escalated
  s('complaint.receive', { complaintId: k, number: num, customerId: c, orderId: o1, channel: 'phone', category: 'damage', description: 'two cartons crushed', remedySought: 'refund', occurredAt: at() }, ['ComplaintReceived']);
  s('complaint.acknowledge', { complaintId: k, by: 'call.centre', occurredAt: at() }, ['ComplaintAcknowledged']);
  s('complaint.assess', { complaintId: k, severity: 'medium', owner: 'li.na', urgent: false, occurredAt: at() }, ['ComplaintAssessed']);
  s('complaint.investigate', { complaintId: k, rootCause: 'bad stacking', correctiveAction: 'stacking training', occurredAt: at() }, ['ComplaintInvestigated']);
  s('complaint.notifyProgress', { complaintId: k, message: 'refund under way', via: 'sms', occurredAt: at() }, ['ComplaintProgressNotified']);
  s('complaint.resolve', { complaintId: k, resolution: 'refunded', compensationFen: 19_800, carrierClaimFen: 10_000, occurredAt: at() }, ['ComplaintResolved']);
  s('complaint.recordCallback', { complaintId: k, by: 'call.centre', properlyHandled: true, customerSatisfied: true, occurredAt: at() }, ['ComplaintCallbackRecorded']);
  s('complaint.close', { complaintId: k, occurredAt: at() }, ['ComplaintClosed']);
  s('complaint.reopen', { complaintId: k, reason: 'more damage found', occurredAt: at() }, ['ComplaintReopened']);
  s('complaint.escalate', { complaintId: k, reason: 'customer unhappy', escalatedTo: 'general manager', appealRightsNotified: true, occurredAt: at() }, ['ComplaintEscalated']);
  // company-level records: a service standard with its checklist, an improvement item
  const std = `STD-${suffix}`;
  const imp = `IMP-${suffix}`;
  s('standard.publish', { ...defaultServiceStandard, standardId: std, occurredAt: at() }, ['ServiceStandardPublished']);
  const areas = ['credit_rules', 'order_acceptance', 'service_organisation', 'delivery_time', 'service_authority', 'complaints_and_appeal', 'warehousing', 'service_levels_and_standards'];
  s('standard.recordChecklist', { standardId: std, checklistId: `CL-${suffix}`, formNumber: 'F-002', date: '2026-02-01', filledBy: 'li.na', reviewedBy: 'manager', areas: areas.map((area) => ({ area, satisfactory: true, result: 'ok' })), occurredAt: at() }, ['ServiceChecklistRecorded']);
  s('improvement.open', { improvementId: imp, indicator: 'on_time_delivery', description: 'fewer late deliveries', startDate: '2026-02-01', endDate: '2026-04-30', valueBefore: 9100, occurredAt: at() }, ['ServiceImprovementOpened']);
  s('improvement.recordResult', { improvementId: imp, valueAfter: 9500, occurredAt: at() }, ['ServiceImprovementResultRecorded']);
  for (const role of ['customer_service_manager', 'department_manager', 'general_manager']) {
    s('improvement.confirm', { improvementId: imp, role, by: role.replace(/_/g, '.'), occurredAt: at() }, ['ServiceImprovementConfirmed']);
  }
  s('improvement.close', { improvementId: imp, occurredAt: at() }, ['ServiceImprovementClosed']);
  // the account: suspended, reinstated, closed (nothing outstanding any more)
  s('customer.suspend', { customerId: c, reason: 'payment audit', occurredAt: at() }, ['CustomerAccountSuspended']);
  s('customer.reinstate', { customerId: c, occurredAt: at() }, ['CustomerAccountReinstated']);
  s('customer.close', { customerId: c, reason: 'moved to another provider', occurredAt: at() }, ['CustomerAccountClosed']);
  return steps;
};

const hash = (s: string) => [...s].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) | 0, 7);
