import { z } from 'zod';
import {
  Classification,
  CustomerType,
  EvaluationGrade,
  RegionalGrade,
  SatisfactionAnswer,
  StandardColumn,
  SurveyItem,
} from '../shared/reference.ts';
import { Id, IsoDateTime, MoneyFen, Text } from '../shared/values.ts';
import { CreditLimits, CreditReleaseReason, CustomerContact, FeedbackCategory } from './commands.ts';

// Every event carries customerId and occurredAt (the business time of the fact) and everything
// a projection needs, so read models never read other streams. Personal data appears only in
// CustomerAccountOpened.contact (one nested object, for crypto-shredding).

const base = { customerId: Id, occurredAt: IsoDateTime };

/** Account lifecycle statuses. `closed` is final. */
export const CustomerAccountStatus = z.enum(['active', 'suspended', 'closed']);
export type CustomerAccountStatus = z.infer<typeof CustomerAccountStatus>;

/** The customer's slicing attributes at the time of a fact (for survey and evaluation reports). */
export const CustomerSegment = z.object({
  classification: Classification,
  standardColumn: StandardColumn,
  region: Text(200),
});
export type CustomerSegment = z.infer<typeof CustomerSegment>;

export const CustomerAccountOpenedData = z.object({
  ...base,
  name: Text(300),
  contact: CustomerContact,
  industry: Text(200),
  region: Text(200),
  customerType: CustomerType,
  /** Derived from customerType: the service-standard column the customer falls in. */
  standardColumn: StandardColumn,
  classification: Classification,
  regionalGrade: RegionalGrade,
  accountOwner: Text(256),
  localSalesperson: Text(256),
  needs: z.string().max(4000).optional(),
  creditLimits: CreditLimits,
});
export type CustomerAccountOpenedData = z.infer<typeof CustomerAccountOpenedData>;

export const CustomerClassificationChangedData = z.object({
  ...base,
  from: Classification,
  to: Classification,
  reason: Text(1000),
});
export type CustomerClassificationChangedData = z.infer<typeof CustomerClassificationChangedData>;

export const CustomerRegionalGradeChangedData = z.object({
  ...base,
  from: RegionalGrade,
  to: RegionalGrade,
  reason: Text(1000),
});
export type CustomerRegionalGradeChangedData = z.infer<typeof CustomerRegionalGradeChangedData>;

export const CustomerTypeChangedData = z.object({
  ...base,
  from: CustomerType,
  to: CustomerType,
  fromStandardColumn: StandardColumn,
  toStandardColumn: StandardColumn,
  reason: Text(1000),
});
export type CustomerTypeChangedData = z.infer<typeof CustomerTypeChangedData>;

export const CustomerNeedsUpdatedData = z.object({ ...base, needs: Text(4000) });
export type CustomerNeedsUpdatedData = z.infer<typeof CustomerNeedsUpdatedData>;

export const CustomerCreditLimitsSetData = z.object({
  ...base,
  from: CreditLimits,
  to: CreditLimits,
  /** The outstanding balance when the caps changed (may exceed a lowered cap). */
  outstandingFen: MoneyFen,
  reason: Text(1000),
});
export type CustomerCreditLimitsSetData = z.infer<typeof CustomerCreditLimitsSetData>;

export const CreditReservedData = z.object({
  ...base,
  reservationId: Id,
  amountFen: MoneyFen,
  /** Outstanding balance after this reservation (<= outstandingCapFen). */
  outstandingAfterFen: MoneyFen,
  /** The caps the reservation was checked against. */
  singleOrderCapFen: MoneyFen,
  outstandingCapFen: MoneyFen,
});
export type CreditReservedData = z.infer<typeof CreditReservedData>;

export const CreditReleasedData = z.object({
  ...base,
  reservationId: Id,
  reason: CreditReleaseReason,
  /** The amount released now (> 0). */
  amountFen: MoneyFen,
  /** What is still reserved under this reservation after the release (0: fully released). */
  remainingFen: MoneyFen,
  outstandingAfterFen: MoneyFen,
});
export type CreditReleasedData = z.infer<typeof CreditReleasedData>;

export const CustomerAccountSuspendedData = z.object({ ...base, reason: Text(1000) });
export type CustomerAccountSuspendedData = z.infer<typeof CustomerAccountSuspendedData>;

export const CustomerAccountReinstatedData = z.object({ ...base, reason: z.string().max(1000).optional(), suspendedAt: IsoDateTime });
export type CustomerAccountReinstatedData = z.infer<typeof CustomerAccountReinstatedData>;

export const CustomerAccountClosedData = z.object({ ...base, reason: Text(1000), openedAt: IsoDateTime });
export type CustomerAccountClosedData = z.infer<typeof CustomerAccountClosedData>;

export const CustomerVisitRecordedData = z.object({
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
  other: z.string().max(2000).optional(),
});
export type CustomerVisitRecordedData = z.infer<typeof CustomerVisitRecordedData>;

export const CustomerUrgentVisitReportedData = z.object({
  ...base,
  visitId: Id,
  visitor: Text(256),
  issue: Text(4000),
  actionTaken: Text(4000),
});
export type CustomerUrgentVisitReportedData = z.infer<typeof CustomerUrgentVisitReportedData>;

export const CustomerCallbackRecordedData = z.object({
  ...base,
  callbackId: Id,
  by: Text(256),
  topic: Text(1000),
  outcome: Text(2000),
});
export type CustomerCallbackRecordedData = z.infer<typeof CustomerCallbackRecordedData>;

export const CustomerFeedbackRecordedData = z.object({
  ...base,
  feedbackId: Id,
  content: Text(4000),
  category: FeedbackCategory,
  handledBy: z.string().max(256).optional(),
});
export type CustomerFeedbackRecordedData = z.infer<typeof CustomerFeedbackRecordedData>;

export const CustomerSurveyRecordedData = z.object({
  ...base,
  surveyId: Id,
  answers: z.record(SurveyItem, SatisfactionAnswer),
  /** satisfactionScore of each answer: very good 7 ... very poor 1. */
  scores: z.record(SurveyItem, z.number().int().min(1).max(7)),
  /** Sum of the nine scores (9..63); mean = scoreSum / 9, left to readers to avoid floats. */
  scoreSum: z.number().int().min(9).max(63),
  segment: CustomerSegment,
  surveyedBy: z.string().max(256).optional(),
});
export type CustomerSurveyRecordedData = z.infer<typeof CustomerSurveyRecordedData>;

/**
 * One evaluated item with its scores (good 10, average 5, poor 0). The combined score is the
 * average of the customer and internal scores, stored times ten as an integer:
 * `combinedScoreX10 = (customerScore + internalScore) * 5` (e.g. good + average = 75, i.e. 7.5).
 */
export const EvaluatedItem = z.object({
  item: Text(300),
  customerGrade: EvaluationGrade,
  internalGrade: EvaluationGrade,
  customerScore: z.number().int().min(0).max(10),
  internalScore: z.number().int().min(0).max(10),
  combinedScoreX10: z.number().int().min(0).max(100),
});
export type EvaluatedItem = z.infer<typeof EvaluatedItem>;

export const CustomerEvaluationRecordedData = z.object({
  ...base,
  evaluationId: Id,
  items: z.array(EvaluatedItem).min(1),
  /** Sum of the items' combinedScoreX10 (the form's 总分, times ten). */
  totalCombinedScoreX10: z.number().int().nonnegative(),
  evaluator: Text(256),
  opinion: Text(4000),
  segment: CustomerSegment,
});
export type CustomerEvaluationRecordedData = z.infer<typeof CustomerEvaluationRecordedData>;

export type CustomerAccountOpened = { type: 'CustomerAccountOpened'; data: CustomerAccountOpenedData };
export type CustomerClassificationChanged = { type: 'CustomerClassificationChanged'; data: CustomerClassificationChangedData };
export type CustomerRegionalGradeChanged = { type: 'CustomerRegionalGradeChanged'; data: CustomerRegionalGradeChangedData };
export type CustomerTypeChanged = { type: 'CustomerTypeChanged'; data: CustomerTypeChangedData };
export type CustomerNeedsUpdated = { type: 'CustomerNeedsUpdated'; data: CustomerNeedsUpdatedData };
export type CustomerCreditLimitsSet = { type: 'CustomerCreditLimitsSet'; data: CustomerCreditLimitsSetData };
export type CreditReserved = { type: 'CreditReserved'; data: CreditReservedData };
export type CreditReleased = { type: 'CreditReleased'; data: CreditReleasedData };
export type CustomerAccountSuspended = { type: 'CustomerAccountSuspended'; data: CustomerAccountSuspendedData };
export type CustomerAccountReinstated = { type: 'CustomerAccountReinstated'; data: CustomerAccountReinstatedData };
export type CustomerAccountClosed = { type: 'CustomerAccountClosed'; data: CustomerAccountClosedData };
export type CustomerVisitRecorded = { type: 'CustomerVisitRecorded'; data: CustomerVisitRecordedData };
export type CustomerUrgentVisitReported = { type: 'CustomerUrgentVisitReported'; data: CustomerUrgentVisitReportedData };
export type CustomerCallbackRecorded = { type: 'CustomerCallbackRecorded'; data: CustomerCallbackRecordedData };
export type CustomerFeedbackRecorded = { type: 'CustomerFeedbackRecorded'; data: CustomerFeedbackRecordedData };
export type CustomerSurveyRecorded = { type: 'CustomerSurveyRecorded'; data: CustomerSurveyRecordedData };
export type CustomerEvaluationRecorded = { type: 'CustomerEvaluationRecorded'; data: CustomerEvaluationRecordedData };

/** Every event of the CustomerAccount aggregate. */
export type CustomerAccountEvent =
  | CustomerAccountOpened
  | CustomerClassificationChanged
  | CustomerRegionalGradeChanged
  | CustomerTypeChanged
  | CustomerNeedsUpdated
  | CustomerCreditLimitsSet
  | CreditReserved
  | CreditReleased
  | CustomerAccountSuspended
  | CustomerAccountReinstated
  | CustomerAccountClosed
  | CustomerVisitRecorded
  | CustomerUrgentVisitReported
  | CustomerCallbackRecorded
  | CustomerFeedbackRecorded
  | CustomerSurveyRecorded
  | CustomerEvaluationRecorded;

/** Event type name -> zod schema of its data and the schema version written today. */
export const customerAccountEventSchemas = {
  CustomerAccountOpened: { schema: CustomerAccountOpenedData, schemaVersion: 1 },
  CustomerClassificationChanged: { schema: CustomerClassificationChangedData, schemaVersion: 1 },
  CustomerRegionalGradeChanged: { schema: CustomerRegionalGradeChangedData, schemaVersion: 1 },
  CustomerTypeChanged: { schema: CustomerTypeChangedData, schemaVersion: 1 },
  CustomerNeedsUpdated: { schema: CustomerNeedsUpdatedData, schemaVersion: 1 },
  CustomerCreditLimitsSet: { schema: CustomerCreditLimitsSetData, schemaVersion: 1 },
  CreditReserved: { schema: CreditReservedData, schemaVersion: 1 },
  CreditReleased: { schema: CreditReleasedData, schemaVersion: 1 },
  CustomerAccountSuspended: { schema: CustomerAccountSuspendedData, schemaVersion: 1 },
  CustomerAccountReinstated: { schema: CustomerAccountReinstatedData, schemaVersion: 1 },
  CustomerAccountClosed: { schema: CustomerAccountClosedData, schemaVersion: 1 },
  CustomerVisitRecorded: { schema: CustomerVisitRecordedData, schemaVersion: 1 },
  CustomerUrgentVisitReported: { schema: CustomerUrgentVisitReportedData, schemaVersion: 1 },
  CustomerCallbackRecorded: { schema: CustomerCallbackRecordedData, schemaVersion: 1 },
  CustomerFeedbackRecorded: { schema: CustomerFeedbackRecordedData, schemaVersion: 1 },
  CustomerSurveyRecorded: { schema: CustomerSurveyRecordedData, schemaVersion: 1 },
  CustomerEvaluationRecorded: { schema: CustomerEvaluationRecordedData, schemaVersion: 1 },
} as const satisfies {
  [T in CustomerAccountEvent['type']]: { schema: z.ZodType<Extract<CustomerAccountEvent, { type: T }>['data']>; schemaVersion: number };
};
