import type { KpiEvent } from '../src/index.ts';

/** Hand-written event histories for the fixtures (shapes of the domain's event schemas). */
export const history = () => {
  const events: KpiEvent[] = [];
  let n = 0;
  const push = (streamId: string, type: string, data: Record<string, unknown>) => {
    n += 1;
    events.push({ id: `ev-${n}`, streamId, position: String(n).padStart(12, '0'), type, data });
    return events;
  };
  const o = (orderId: string, customerId: string, occurredAt: string) => ({ orderId, customerId, occurredAt });
  const api = {
    events,
    push,
    placed: (orderId: string, customerId: string, at: string, promise: { dispatch: string; delivery: string }, lines = [{ lineId: 'l1', quantity: 2 }]) =>
      push(`Order-${orderId}`, 'OrderPlaced', {
        ...o(orderId, customerId, at),
        channel: 'phone',
        lines: lines.map((l) => ({ ...l, sku: 'SKU', description: 'goods', unitPriceFen: 100, amountFen: 100 * l.quantity })),
        totalAmountFen: 200,
        urgent: false,
        dispatchPreference: 'standard',
        promisedDispatchAt: promise.dispatch,
        promisedDeliveryAt: promise.delivery,
        promiseSource: 'customer',
      }),
    accepted: (orderId: string, customerId: string, at: string) =>
      push(`Order-${orderId}`, 'OrderAccepted', { ...o(orderId, customerId, at), totalAmountFen: 200, placedAt: at }),
    rejected: (orderId: string, customerId: string, at: string) =>
      push(`Order-${orderId}`, 'OrderRejected', { ...o(orderId, customerId, at), reason: 'credit_refused', totalAmountFen: 200, placedAt: at }),
    prepared: (orderId: string, customerId: string, at: string, lines = [{ lineId: 'l1', orderedQuantity: 2, pickedQuantity: 2, stockDamaged: false }]) =>
      push(`Order-${orderId}`, 'OrderPrepared', {
        ...o(orderId, customerId, at),
        lines: lines.map((l) => ({ ...l, stockOut: l.pickedQuantity < l.orderedQuantity })),
        pickedInFull: lines.every((l) => l.pickedQuantity === l.orderedQuantity),
        acceptedAt: at,
      }),
    dispatched: (orderId: string, customerId: string, at: string, promisedDispatchAt = at) =>
      push(`Order-${orderId}`, 'OrderDispatched', {
        ...o(orderId, customerId, at),
        carrier: 'carrier',
        transportMode: 'road',
        trackingNumber: 'T1',
        promisedDispatchAt,
        pickedInFull: true,
        placedAt: at,
        acceptedAt: at,
      }),
    tracking: (orderId: string, customerId: string, at: string) =>
      push(`Order-${orderId}`, 'OrderTrackingUpdated', { ...o(orderId, customerId, at), location: 'hub', statusNote: 'ok', previousPointAt: at, dispatchedAt: at }),
    delivered: (orderId: string, customerId: string, at: string, opts: { inFull?: boolean; damaged?: boolean } = {}) =>
      push(`Order-${orderId}`, 'OrderDelivered', {
        ...o(orderId, customerId, at),
        signatory: 'someone',
        lines: [{ lineId: 'l1', orderedQuantity: 2, deliveredQuantity: opts.inFull === false ? 1 : 2, condition: opts.damaged ? 'damaged' : 'intact' }],
        inFull: opts.inFull ?? true,
        damageRecorded: opts.damaged ?? false,
        promisedDeliveryAt: at,
        placedAt: at,
        dispatchedAt: at,
        previousPointAt: at,
      }),
    lost: (orderId: string, customerId: string, at: string) => {
      push(`Order-${orderId}`, 'OrderExceptionRaised', { ...o(orderId, customerId, at), exceptionId: 'x1', kind: 'loss', description: 'lost', orderStatus: 'dispatched' });
      return push(`Order-${orderId}`, 'OrderLost', {
        ...o(orderId, customerId, at),
        exceptionId: 'x1',
        description: 'lost',
        totalAmountFen: 200,
        promisedDeliveryAt: at,
        placedAt: at,
        dispatchedAt: at,
        previousPointAt: at,
      });
    },
    complaint: (complaintId: string, customerId: string, at: string, opts: { category?: string; orderId?: string | null; channel?: string } = {}) =>
      push(`Complaint-${complaintId}`, 'ComplaintReceived', {
        complaintId,
        customerId,
        occurredAt: at,
        number: `TS-2026-${complaintId.replace(/\D/g, '').padStart(6, '0')}`,
        orderId: opts.orderId ?? null,
        channel: opts.channel ?? 'phone',
        category: opts.category ?? 'delay',
        description: 'late',
        remedySought: 'sorry',
      }),
    acknowledged: (complaintId: string, customerId: string, at: string, receivedAt: string) =>
      push(`Complaint-${complaintId}`, 'ComplaintAcknowledged', { complaintId, customerId, occurredAt: at, by: 'agent', receivedAt }),
    assessed: (complaintId: string, customerId: string, at: string, severity: string) =>
      push(`Complaint-${complaintId}`, 'ComplaintAssessed', { complaintId, customerId, occurredAt: at, number: 'TS-2026-000001', category: 'delay', severity, owner: 'o', urgent: false, receivedAt: at }),
    resolved: (complaintId: string, customerId: string, at: string, first: { receivedAt: string; firstResolvedAt: string; reopenCount: number }) =>
      push(`Complaint-${complaintId}`, 'ComplaintResolved', {
        complaintId,
        customerId,
        occurredAt: at,
        resolution: 'fixed',
        compensationFen: 0,
        carrierClaimFen: 0,
        isFirstResolution: at === first.firstResolvedAt,
        receivedAt: first.receivedAt,
        firstResolvedAt: first.firstResolvedAt,
        category: 'delay',
        severity: 'low',
        reopenCount: first.reopenCount,
      }),
    reopened: (complaintId: string, customerId: string, at: string, reopenCount: number, receivedAt: string, firstResolvedAt: string) =>
      push(`Complaint-${complaintId}`, 'ComplaintReopened', { complaintId, customerId, occurredAt: at, reason: 'again', reopenCount, receivedAt, firstResolvedAt }),
    returnRequested: (returnId: string, orderId: string, customerId: string, at: string, reason = 'damage') =>
      push(`ReturnRequest-${returnId}`, 'ReturnRequested', {
        returnId,
        orderId,
        customerId,
        occurredAt: at,
        slipNumber: 'S1',
        reason,
        lines: [{ lineId: 'l1', quantity: 1 }],
        description: null,
      }),
    returnInspected: (returnId: string, orderId: string, customerId: string, at: string, confirmedReason: string | null) =>
      push(`ReturnRequest-${returnId}`, 'ReturnInspected', {
        returnId,
        orderId,
        customerId,
        occurredAt: at,
        clerk: 'clerk',
        lines: [{ lineId: 'l1', requestedQuantity: 1, actualQuantity: 1 }],
        statedReason: 'damage',
        causeConfirmed: confirmedReason !== null,
        confirmedReason,
        requestedAt: at,
      }),
    opened: (customerId: string, at: string, attrs: { classification: string; standardColumn: string; region: string }) =>
      push(`CustomerAccount-${customerId}`, 'CustomerAccountOpened', {
        customerId,
        occurredAt: at,
        name: 'ACME',
        contact: { person: 'Li', phone: '123' },
        industry: 'retail',
        region: attrs.region,
        customerType: attrs.standardColumn === 'individual' ? { kind: 'individual', frequency: 'frequent' } : { kind: 'enterprise', sizeTier: 'large', ownership: attrs.standardColumn },
        standardColumn: attrs.standardColumn,
        classification: attrs.classification,
        regionalGrade: 'A',
        accountOwner: 'owner',
        localSalesperson: 'sales',
        creditLimits: { singleOrderCapFen: 1, outstandingCapFen: 1 },
      }),
    reclassified: (customerId: string, at: string, from: string, to: string) =>
      push(`CustomerAccount-${customerId}`, 'CustomerClassificationChanged', { customerId, occurredAt: at, from, to, reason: 'review' }),
    standard: (version: number, effectiveFrom: string, targets: { indicator: string; weightBp: number; unit: string; direction: string; target: number }[]) =>
      push('ServiceStandard-company', 'ServiceStandardPublished', {
        standardId: 'company',
        version,
        effectiveFrom,
        indicators: targets.map((t) => ({
          indicator: t.indicator,
          department: 'transport_delivery',
          weightBp: t.weightBp,
          unit: t.unit,
          direction: t.direction,
          targets: { foreign: t.target, private: t.target, state_owned: t.target, individual: t.target, government_institution: t.target },
        })),
        occurredAt: `${effectiveFrom}T00:00:00+08:00`,
      }),
    survey: (surveyId: string, customerId: string, at: string, answers: Record<string, string>, scores: Record<string, number>, segment: { classification: string; standardColumn: string; region: string }) =>
      push(`CustomerAccount-${customerId}`, 'CustomerSurveyRecorded', {
        customerId,
        occurredAt: at,
        surveyId,
        answers,
        scores,
        scoreSum: Object.values(scores).reduce((a, b) => a + b, 0),
        segment,
      }),
  };
  return api;
};
