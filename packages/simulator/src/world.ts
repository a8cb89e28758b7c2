import { defaultServiceStandard, SatisfactionAnswer, SurveyItem, type CustomerType } from '@cs/domain';
import { staff } from './catalogue.ts';
import { companyDate, DAY, HOUR, MINUTE, type SimContext } from './types.ts';

/** A simulated customer and what the simulator mirrors of its account (status and credit). */
export type WorldCustomer = {
  id: string;
  index: number;
  runIndex: number;
  classification: 'key' | 'suitable' | 'general';
  column: 'foreign' | 'private' | 'state_owned' | 'individual' | 'government_institution';
  customerType: CustomerType;
  regionalGrade: 'A' | 'B' | 'C' | 'D';
  region: string;
  industry: string;
  name: string;
  contactPerson: string;
  phone: string;
  accountOwner: string;
  localSalesperson: string;
  caps: { singleOrderCapFen: number; outstandingCapFen: number };
  status: 'pending' | 'active' | 'suspended' | 'closed';
  /** Mirror of the account's outstanding balance, to know which acceptances the account refuses. */
  outstandingFen: number;
  reservations: Map<string, number>;
  /** Good and bad experiences so far: they shape survey answers. */
  experience: { good: number; bad: number };
  recentOrders: string[];
  /** The customer is leaving: no new orders; the account closes once its credit is settled. */
  leaving?: boolean;
};


const answers = SatisfactionAnswer.options; // very_good ... very_poor

const surveyAnswers = (ctx: SimContext, c: WorldCustomer): Record<string, string> => {
  const { good, bad } = c.experience;
  // Quality 0..1 from the share of good experiences (a prior of 4 good, 1 bad).
  const quality = (good + 4) / (good + bad + 5);
  const out: Record<string, string> = {};
  for (const item of SurveyItem.options) {
    const score = Math.max(1, Math.min(7, Math.round(1 + 6 * quality + ctx.rng.between(-1.6, 1.2))));
    out[item] = answers[7 - score]!;
  }
  return out;
};

/**
 * The account side of the simulation: opening, daily account events (visits, surveys,
 * feedback, evaluations, classification and type changes, suspension, closing) and the
 * credit mirror that predicts the account's refusals.
 */
export const customerCommands = {
  open: (ctx: SimContext, c: WorldCustomer, at: number): void => {
    c.status = 'active';
    ctx.emit(
      at,
      'customer.open',
      {
        customerId: c.id,
        name: c.name,
        contact: { person: c.contactPerson, phone: c.phone },
        industry: c.industry,
        region: c.region,
        customerType: c.customerType,
        classification: c.classification,
        regionalGrade: c.regionalGrade,
        accountOwner: c.accountOwner,
        localSalesperson: c.localSalesperson,
        needs: ctx.rng.pick(['next-day delivery in the city', 'weekly consolidated shipments', 'temperature-controlled transport', 'delivery before 10:00', 'electronic signature on delivery']),
        creditLimits: c.caps,
      },
      'order-desk',
      c.accountOwner,
      c.id,
    );
  },

  /**
   * Mirrors `customer.reserveCredit` as the account decides it; returns the refusal code the
   * write path will answer, or undefined when the reservation (and the acceptance) go through.
   */
  reserveCredit: (c: WorldCustomer, orderId: string, amountFen: number): string | undefined => {
    if (c.status === 'closed') return 'account_closed';
    if (c.status !== 'active') return 'account_not_active';
    if (amountFen > c.caps.singleOrderCapFen) return 'single_order_limit_exceeded';
    if (c.outstandingFen + amountFen > c.caps.outstandingCapFen) return 'credit_limit_exceeded';
    c.outstandingFen += amountFen;
    c.reservations.set(orderId, amountFen);
    return undefined;
  },

  /** Mirrors a release (payment, cancellation, compensation) of an order's reservation. */
  releaseCredit: (c: WorldCustomer, orderId: string): boolean => {
    const amount = c.reservations.get(orderId);
    if (amount === undefined) return false;
    c.reservations.delete(orderId);
    c.outstandingFen -= amount;
    return true;
  },

  /** Sends `customer.releaseCredit` for an order's reservation (payment or compensation). */
  emitRelease: (ctx: SimContext, c: WorldCustomer, orderId: string, at: number, reason: 'payment' | 'compensation'): void => {
    if (!customerCommands.releaseCredit(c, orderId)) return;
    ctx.emit(at, 'customer.releaseCredit', { customerId: c.id, reservationId: orderId, reason }, 'order-desk', c.accountOwner, c.id);
  },

  afterCompletion: (ctx: SimContext, c: WorldCustomer, completedAt: number): void => {
    const { rng } = ctx;
    const p = c.classification === 'key' ? 0.2 : c.classification === 'suitable' ? 0.1 : 0.03;
    if (!rng.chance(p)) return;
    const at = completedAt + rng.between(24, 72) * HOUR;
    ctx.schedule(at, () => {
      if (c.status === 'closed') return;
      ctx.emit(
        at,
        'customer.recordCallback',
        { customerId: c.id, callbackId: ctx.nextId('CB'), by: rng.pick(staff.callCentre), topic: 'delivery follow-up', outcome: rng.pick(['customer satisfied', 'asked for earlier delivery slots', 'no issues reported']) },
        'order-desk',
        c.accountOwner,
        c.id,
      );
    });
  },

  /** The account's own events of one day (scheduled within that day). */
  daily: (ctx: SimContext, c: WorldCustomer, dayStart: number, day: number, days: number): void => {
    const { rng } = ctx;
    const seg = c.classification;
    const during = () => dayStart + rng.between(9, 17) * HOUR;
    const when = (p: number, step: (at: number) => void) => {
      if (!rng.chance(p)) return;
      const at = during();
      ctx.schedule(at, () => {
        if (c.status !== 'closed') step(at);
      });
    };
    const send = (at: number, type: string, payload: Record<string, unknown>, service = 'order-desk', person: string = c.accountOwner) =>
      ctx.emit(at, type, { customerId: c.id, ...payload }, service, person, c.id);

    // Visits (巡访): the visitor is never the account's local salesperson (001:8).
    when(seg === 'key' ? 1 / 7 : seg === 'suitable' ? 1 / 14 : 1 / 60, (visitedAt) => {
      const at = visitedAt + rng.between(1, 6) * HOUR;
      const visitor = rng.pick(staff.visitors);
      ctx.schedule(at, () =>
        send(
          at,
          'customer.recordVisit',
          {
            visitId: ctx.nextId('V'),
            visitor,
            visitedAt: new Date(visitedAt).toISOString(),
            customerOpinions: rng.pick(['satisfied with delivery times', 'wants better tracking information', 'concerned about damaged cartons', 'asks for lower rates']),
            marketInfo: rng.pick(['volumes growing before the holiday', 'stable demand', 'new warehouse opening nearby']),
            competitorInfo: rng.pick(['competitor offers next-day delivery', 'no competitor activity seen', 'competitor cut prices by 5 %']),
            effect: rng.pick(['good', 'relationship strengthened', 'open issues noted']),
            handling: rng.pick(['passed to operations', 'no action needed', 'follow-up visit planned']),
            result: rng.pick(['customer informed', 'issue closed', 'pending']),
          },
          'call-centre',
          visitor,
        ),
      );
    });
    when(seg === 'key' ? 1 / 20 : seg === 'suitable' ? 1 / 30 : 1 / 60, (at) =>
      send(at, 'customer.recordSurvey', { surveyId: ctx.nextId('S'), answers: surveyAnswers(ctx, c), surveyedBy: rng.pick(staff.callCentre) }),
    );
    when(1 / 100, (at) =>
      send(at, 'customer.recordFeedback', {
        feedbackId: ctx.nextId('F'),
        content: rng.pick(['would like SMS notices before delivery', 'driver was very helpful', 'invoice arrived late', 'asks about cold-chain service']),
        category: rng.pick(['suggestion', 'praise', 'inquiry', 'need', 'complaint'] as const),
        handledBy: rng.pick(staff.callCentre),
      }),
    );
    when(1 / 120, (at) => send(at, 'customer.updateNeeds', { needs: rng.pick(['consolidated weekly delivery', 'delivery to two sites', 'pallet exchange', 'weekend delivery']) }));
    const evaluationDay = Math.floor(days * 0.75);
    if (day === evaluationDay && seg !== 'general') {
      when(0.8, (at) =>
        send(at, 'customer.recordEvaluation', {
          evaluationId: ctx.nextId('E'),
          items: ['on-time delivery', 'goods intact', 'logistics information', 'staff attitude', 'complaint handling'].map((item) => ({
            item,
            customerGrade: rng.weighted({ good: 6, average: 3, poor: 1 }),
            internalGrade: rng.weighted({ good: 5, average: 4, poor: 1 }),
          })),
          evaluator: rng.pick(staff.managers),
          opinion: rng.pick(['service meets the standard', 'delivery times need attention', 'good cooperation this quarter']),
        }),
      );
    }
    const mid = Math.floor(days / 2);
    if (day === mid) {
      // The mid-period account review: some promotions and re-gradings.
      if (seg === 'general' && rng.chance(0.05)) {
        when(1, (at) => {
          c.classification = 'suitable';
          send(at, 'customer.changeClassification', { classification: 'suitable', reason: 'volume grew over the review period' });
        });
      } else if (seg === 'suitable' && rng.chance(0.1)) {
        when(1, (at) => {
          c.classification = 'key';
          send(at, 'customer.changeClassification', { classification: 'key', reason: 'became one of the most profitable accounts' });
        });
      }
      if (c.customerType.kind === 'individual' && c.customerType.frequency === 'occasional' && rng.chance(0.2)) {
        when(1, (at) => {
          c.customerType = { kind: 'individual', frequency: 'frequent' };
          send(at, 'customer.changeType', { customerType: c.customerType, reason: 'three or more uses this month' });
        });
      }
      if (rng.chance(0.03)) {
        const grade = rng.pick((['A', 'B', 'C', 'D'] as const).filter((g) => g !== c.regionalGrade));
        when(1, (at) => {
          c.regionalGrade = grade;
          send(at, 'customer.changeRegionalGrade', { grade, reason: 'annual regional grading' });
        });
      }
      if (seg === 'key' && rng.chance(0.5)) {
        when(1, (at) => {
          c.caps = { singleOrderCapFen: Math.round(c.caps.singleOrderCapFen * 1.2), outstandingCapFen: Math.round(c.caps.outstandingCapFen * 1.2) };
          send(at, 'customer.setCreditLimits', { ...c.caps, reason: 'credit review: limits raised' });
        });
      }
    }
    // A few general accounts are suspended for a few days (overdue payment) and reinstated.
    if (day === Math.floor(days * 0.3) && seg === 'general' && c.caps.singleOrderCapFen > 2_000_000 && rng.chance(0.03)) {
      when(1, (at) => {
        if (c.status !== 'active') return;
        c.status = 'suspended';
        send(at, 'customer.suspend', { reason: 'payment overdue' });
        const back = at + rng.between(3, 6) * DAY;
        ctx.schedule(back, () => {
          c.status = 'active';
          send(back, 'customer.reinstate', { reason: 'overdue amount paid' });
        });
      });
    }
    // Some general accounts leave: from 60 % of the period they place no new orders, and the
    // account is closed once its credit is settled (closing is refused while credit is outstanding).
    if (day === Math.floor(days * 0.6) && seg === 'general' && rng.chance(0.04)) c.leaving = true;
    if (c.leaving && c.status === 'active') {
      when(1, (at) => {
        if (c.status !== 'active' || c.outstandingFen !== 0 || c.reservations.size > 0) return;
        c.status = 'closed';
        send(at, 'customer.close', { reason: 'customer moved its business elsewhere' });
      });
    }
  },

  /** An urgent visit report after a serious incident (a loss) on a valuable account. */
  urgentVisit: (ctx: SimContext, c: WorldCustomer, at: number): void => {
    if (c.classification === 'general' || c.status === 'closed') return;
    ctx.schedule(at, () =>
      ctx.emit(
        at,
        'customer.reportUrgentVisit',
        { customerId: c.id, visitId: ctx.nextId('U'), visitor: c.accountOwner, issue: 'consignment lost in transit', actionTaken: 'apologised in person; compensation and redelivery agreed' },
        'order-desk',
        c.accountOwner,
        c.id,
      ),
    );
  },
};

/** Company-level records: the default service standard, its mid-run revision, a checklist, an improvement. */
export const companyCommands = (ctx: SimContext, runIndex: number, onTimeSoFar: () => number): void => {
  const { rng, window } = ctx;
  const days = Math.round((window.to - window.from) / DAY);
  const send = (at: number, type: string, payload: Record<string, unknown>, person: string) => ctx.emit(at, type, payload, 'order-desk', person, 'company');
  const v1 = 2 * runIndex + 1;
  ctx.schedule(window.from, () =>
    send(window.from, 'standard.publish', { standardId: 'company', version: v1, effectiveFrom: companyDate(window.from), indicators: defaultServiceStandard.indicators }, staff.managers[0]),
  );
  if (days >= 2) {
    const mid = Math.floor(days / 2);
    const at = window.from + Math.max(0, mid - 3) * DAY + 10 * HOUR;
    const effectiveFrom = companyDate(window.from + mid * DAY);
    ctx.schedule(at, () =>
      send(
        at,
        'standard.publish',
        {
          standardId: 'company',
          version: v1 + 1,
          effectiveFrom,
          // The revision tightens on-time delivery and complaint handling (002:10: revised every cycle).
          indicators: defaultServiceStandard.indicators.map((i) =>
            i.indicator === 'on_time_delivery'
              ? { ...i, targets: Object.fromEntries(Object.entries(i.targets).map(([k, v]) => [k, Math.min(10_000, v + 100)])) }
              : i.indicator === 'complaint_handling_time'
                ? { ...i, targets: Object.fromEntries(Object.entries(i.targets).map(([k, v]) => [k, Math.max(1, v - 12)])) }
                : i,
          ),
        },
        staff.managers[0],
      ),
    );
    const checkAt = window.from + mid * DAY + 15 * HOUR;
    ctx.schedule(checkAt, () =>
      send(
        checkAt,
        'standard.recordChecklist',
        {
          standardId: 'company',
          checklistId: ctx.nextId('K'),
          formNumber: `CK-${companyDate(checkAt)}`,
          date: companyDate(checkAt),
          filledBy: staff.managers[0],
          reviewedBy: staff.managers[1],
          areas: ['credit_rules', 'order_acceptance', 'service_organisation', 'delivery_time', 'service_authority', 'complaints_and_appeal', 'warehousing', 'service_levels_and_standards'].map((area) => {
            const satisfactory = rng.chance(0.8);
            return { area, satisfactory, result: satisfactory ? 'meets the standard' : 'needs improvement' };
          }),
        },
        staff.managers[0],
      ),
    );
  }
  // One improvement item on on-time delivery, measured before and after from the simulated deliveries.
  const improvementId = ctx.nextId('I');
  const openAt = window.from + Math.floor(days / 3) * DAY + 9 * HOUR;
  const resultAt = Math.max(openAt + 2 * HOUR, window.to - 20 * HOUR);
  ctx.schedule(openAt, () =>
    send(
      openAt,
      'improvement.open',
      {
        improvementId,
        indicator: 'on_time_delivery',
        description: 'add an afternoon dispatch wave and a second carrier on the busiest routes',
        startDate: companyDate(openAt),
        endDate: companyDate(resultAt),
        valueBefore: onTimeSoFar(),
      },
      staff.managers[0],
    ),
  );
  ctx.schedule(resultAt, () => send(resultAt, 'improvement.recordResult', { improvementId, valueAfter: onTimeSoFar() }, staff.managers[0]));
  const roles = ['customer_service_manager', 'department_manager', 'general_manager'] as const;
  roles.forEach((role, i) => {
    const at = resultAt + (i + 1) * HOUR;
    ctx.schedule(at, () => send(at, 'improvement.confirm', { improvementId, role, by: staff.managers[i]! }, staff.managers[i]!));
  });
  const closeAt = resultAt + 4 * HOUR + 5 * MINUTE;
  ctx.schedule(closeAt, () => send(closeAt, 'improvement.close', { improvementId }, staff.managers[0]));
};
