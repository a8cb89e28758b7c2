import { z } from 'zod';
import { Classification, CustomerType, EvaluationGrade, RegionalGrade, SatisfactionAnswer, SurveyItem } from '../shared/reference.ts';
import { Id, IsoDateTime, MoneyFen, OptionalText, Text, isBefore } from '../shared/values.ts';

/**
 * The customer's contact: ALL personal data of the account lives in this one nested object,
 * so that it can be encrypted with a per-customer key and crypto-shredded later.
 */
export const CustomerContact = z.object({
  person: Text(256),
  phone: OptionalText(64),
  email: OptionalText(320),
  address: OptionalText(1000),
});
export type CustomerContact = z.infer<typeof CustomerContact>;

/** Credit caps (002:43-46): a single order's amount and the outstanding balance, integer fen. */
export const CreditLimits = z.object({
  singleOrderCapFen: MoneyFen,
  outstandingCapFen: MoneyFen,
});
export type CreditLimits = z.infer<typeof CreditLimits>;

/** Why a credit reservation is released (our design). */
export const CreditReleaseReason = z.enum(['payment', 'cancellation', 'rejection', 'compensation']);
export type CreditReleaseReason = z.infer<typeof CreditReleaseReason>;

/** Kinds of customer feedback sheet (客户信息反馈单, 000:57); our design. */
export const FeedbackCategory = z.enum(['suggestion', 'praise', 'complaint', 'inquiry', 'need', 'other']);
export type FeedbackCategory = z.infer<typeof FeedbackCategory>;

const base = { customerId: Id, occurredAt: IsoDateTime };

export const OpenCustomerAccountData = z.object({
  ...base,
  name: Text(300),
  contact: CustomerContact,
  industry: Text(200),
  region: Text(200),
  customerType: CustomerType,
  classification: Classification,
  regionalGrade: RegionalGrade,
  /** The named person responsible for the account (专人负责, 001:6). */
  accountOwner: Text(256),
  localSalesperson: Text(256),
  needs: OptionalText(4000),
  creditLimits: CreditLimits,
});
export type OpenCustomerAccountData = z.infer<typeof OpenCustomerAccountData>;

export const ChangeCustomerClassificationData = z.object({ ...base, classification: Classification, reason: Text(1000) });
export type ChangeCustomerClassificationData = z.infer<typeof ChangeCustomerClassificationData>;

export const ChangeCustomerRegionalGradeData = z.object({ ...base, grade: RegionalGrade, reason: Text(1000) });
export type ChangeCustomerRegionalGradeData = z.infer<typeof ChangeCustomerRegionalGradeData>;

/** E.g. an individual becoming frequent, or an enterprise moving size tier. */
export const ChangeCustomerTypeData = z.object({ ...base, customerType: CustomerType, reason: Text(1000) });
export type ChangeCustomerTypeData = z.infer<typeof ChangeCustomerTypeData>;

export const UpdateCustomerNeedsData = z.object({ ...base, needs: Text(4000) });
export type UpdateCustomerNeedsData = z.infer<typeof UpdateCustomerNeedsData>;

/** Lowering a cap below the current outstanding balance is allowed: only new reservations are refused. */
export const SetCustomerCreditLimitsData = z.object({ ...base, ...CreditLimits.shape, reason: Text(1000) });
export type SetCustomerCreditLimitsData = z.infer<typeof SetCustomerCreditLimitsData>;

export const ReserveCreditData = z.object({
  ...base,
  /** The order id: one reservation per order, idempotent for retries. */
  reservationId: Id,
  amountFen: MoneyFen,
});
export type ReserveCreditData = z.infer<typeof ReserveCreditData>;

export const ReleaseCreditData = z.object({
  ...base,
  reservationId: Id,
  reason: CreditReleaseReason,
  /** Partial release (e.g. a partial payment); default: the whole remaining amount. */
  amountFen: MoneyFen.positive().optional(),
});
export type ReleaseCreditData = z.infer<typeof ReleaseCreditData>;

export const SuspendCustomerAccountData = z.object({ ...base, reason: Text(1000) });
export type SuspendCustomerAccountData = z.infer<typeof SuspendCustomerAccountData>;

export const ReinstateCustomerAccountData = z.object({ ...base, reason: OptionalText(1000) });
export type ReinstateCustomerAccountData = z.infer<typeof ReinstateCustomerAccountData>;

/** Closing is final, and refused (`invalid_state`) while any credit is outstanding. */
export const CloseCustomerAccountData = z.object({ ...base, reason: Text(1000) });
export type CloseCustomerAccountData = z.infer<typeof CloseCustomerAccountData>;

/**
 * The daily visit record (巡访, 001:17-31). `visitedAt` is when the visit took place,
 * `occurredAt` when the record was made: a visit is not recorded before it happened.
 */
export const RecordCustomerVisitData = z
  .object({
    ...base,
    visitId: Id,
    visitor: Text(256),
    visitedAt: IsoDateTime,
    customerOpinions: Text(4000),
    marketInfo: Text(4000),
    competitorInfo: Text(4000),
    effect: Text(2000),
    handling: Text(2000),
    result: Text(2000),
    other: OptionalText(2000),
  })
  .superRefine((d, ctx) => {
    if (isBefore(d.occurredAt, d.visitedAt)) {
      ctx.addIssue({ code: 'custom', path: ['visitedAt'], message: 'visitedAt is after the record time occurredAt' });
    }
  });
export type RecordCustomerVisitData = z.infer<typeof RecordCustomerVisitData>;

/** The urgent visit report; `occurredAt` is the time of the urgent visit. */
export const ReportUrgentCustomerVisitData = z.object({
  ...base,
  visitId: Id,
  visitor: Text(256),
  issue: Text(4000),
  actionTaken: Text(4000),
});
export type ReportUrgentCustomerVisitData = z.infer<typeof ReportUrgentCustomerVisitData>;

/** A callback (回访) to the customer. */
export const RecordCustomerCallbackData = z.object({
  ...base,
  callbackId: Id,
  by: Text(256),
  topic: Text(1000),
  outcome: Text(2000),
});
export type RecordCustomerCallbackData = z.infer<typeof RecordCustomerCallbackData>;

/** A customer feedback sheet (客户信息反馈单, 000:57). */
export const RecordCustomerFeedbackData = z.object({
  ...base,
  feedbackId: Id,
  content: Text(4000),
  category: FeedbackCategory,
  handledBy: OptionalText(256),
});
export type RecordCustomerFeedbackData = z.infer<typeof RecordCustomerFeedbackData>;

/** The customer service survey (客户服务调查表): all nine items answered; surveyed at `occurredAt`. */
export const RecordCustomerSurveyData = z.object({
  ...base,
  surveyId: Id,
  /** Exhaustive: every one of the nine SurveyItem keys is required. */
  answers: z.record(SurveyItem, SatisfactionAnswer),
  surveyedBy: OptionalText(256),
});
export type RecordCustomerSurveyData = z.infer<typeof RecordCustomerSurveyData>;

/** One evaluated item of the service evaluation (客户服务评价表). */
export const EvaluationItemInput = z.object({
  item: Text(300),
  customerGrade: EvaluationGrade,
  internalGrade: EvaluationGrade,
});
export type EvaluationItemInput = z.infer<typeof EvaluationItemInput>;

export const RecordCustomerEvaluationData = z
  .object({
    ...base,
    evaluationId: Id,
    items: z.array(EvaluationItemInput).min(1).max(100),
    evaluator: Text(256),
    opinion: Text(4000),
  })
  .superRefine((d, ctx) => {
    const seen = new Set<string>();
    d.items.forEach((it, i) => {
      if (seen.has(it.item)) ctx.addIssue({ code: 'custom', path: ['items', i, 'item'], message: `item '${it.item}' given twice` });
      seen.add(it.item);
    });
  });
export type RecordCustomerEvaluationData = z.infer<typeof RecordCustomerEvaluationData>;

export type OpenCustomerAccount = { type: 'customer.open'; data: OpenCustomerAccountData };
export type ChangeCustomerClassification = { type: 'customer.changeClassification'; data: ChangeCustomerClassificationData };
export type ChangeCustomerRegionalGrade = { type: 'customer.changeRegionalGrade'; data: ChangeCustomerRegionalGradeData };
export type ChangeCustomerType = { type: 'customer.changeType'; data: ChangeCustomerTypeData };
export type UpdateCustomerNeeds = { type: 'customer.updateNeeds'; data: UpdateCustomerNeedsData };
export type SetCustomerCreditLimits = { type: 'customer.setCreditLimits'; data: SetCustomerCreditLimitsData };
export type ReserveCredit = { type: 'customer.reserveCredit'; data: ReserveCreditData };
export type ReleaseCredit = { type: 'customer.releaseCredit'; data: ReleaseCreditData };
export type SuspendCustomerAccount = { type: 'customer.suspend'; data: SuspendCustomerAccountData };
export type ReinstateCustomerAccount = { type: 'customer.reinstate'; data: ReinstateCustomerAccountData };
export type CloseCustomerAccount = { type: 'customer.close'; data: CloseCustomerAccountData };
export type RecordCustomerVisit = { type: 'customer.recordVisit'; data: RecordCustomerVisitData };
export type ReportUrgentCustomerVisit = { type: 'customer.reportUrgentVisit'; data: ReportUrgentCustomerVisitData };
export type RecordCustomerCallback = { type: 'customer.recordCallback'; data: RecordCustomerCallbackData };
export type RecordCustomerFeedback = { type: 'customer.recordFeedback'; data: RecordCustomerFeedbackData };
export type RecordCustomerSurvey = { type: 'customer.recordSurvey'; data: RecordCustomerSurveyData };
export type RecordCustomerEvaluation = { type: 'customer.recordEvaluation'; data: RecordCustomerEvaluationData };

/** Every command the CustomerAccount aggregate takes. */
export type CustomerAccountCommand =
  | OpenCustomerAccount
  | ChangeCustomerClassification
  | ChangeCustomerRegionalGrade
  | ChangeCustomerType
  | UpdateCustomerNeeds
  | SetCustomerCreditLimits
  | ReserveCredit
  | ReleaseCredit
  | SuspendCustomerAccount
  | ReinstateCustomerAccount
  | CloseCustomerAccount
  | RecordCustomerVisit
  | ReportUrgentCustomerVisit
  | RecordCustomerCallback
  | RecordCustomerFeedback
  | RecordCustomerSurvey
  | RecordCustomerEvaluation;

/** Command type name -> zod schema of its data. */
export const customerAccountCommandSchemas = {
  'customer.open': OpenCustomerAccountData,
  'customer.changeClassification': ChangeCustomerClassificationData,
  'customer.changeRegionalGrade': ChangeCustomerRegionalGradeData,
  'customer.changeType': ChangeCustomerTypeData,
  'customer.updateNeeds': UpdateCustomerNeedsData,
  'customer.setCreditLimits': SetCustomerCreditLimitsData,
  'customer.reserveCredit': ReserveCreditData,
  'customer.releaseCredit': ReleaseCreditData,
  'customer.suspend': SuspendCustomerAccountData,
  'customer.reinstate': ReinstateCustomerAccountData,
  'customer.close': CloseCustomerAccountData,
  'customer.recordVisit': RecordCustomerVisitData,
  'customer.reportUrgentVisit': ReportUrgentCustomerVisitData,
  'customer.recordCallback': RecordCustomerCallbackData,
  'customer.recordFeedback': RecordCustomerFeedbackData,
  'customer.recordSurvey': RecordCustomerSurveyData,
  'customer.recordEvaluation': RecordCustomerEvaluationData,
} as const satisfies {
  [T in CustomerAccountCommand['type']]: z.ZodType<Extract<CustomerAccountCommand, { type: T }>['data']>;
};
