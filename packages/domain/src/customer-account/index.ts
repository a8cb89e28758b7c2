import type { AggregateDefinition } from '../shared/aggregate.ts';
import { customerAccountCommandSchemas } from './commands.ts';
import type { CustomerAccountCommand } from './commands.ts';
import { customerAccountDecider } from './decider.ts';
import { customerAccountEventSchemas } from './events.ts';
import type { CustomerAccountEvent } from './events.ts';
import type { CustomerAccountState } from './state.ts';

/**
 * The CustomerAccount aggregate (客户档案): stream category `CustomerAccount`, its decider and its
 * command/event schemas.
 *
 * @example
 * const def = customerAccountAggregate.commands['customer.reserveCredit'];
 * const data = def.schema.parse(input); // then decide on stream `CustomerAccount-${def.aggregateId(data)}`
 */
export const customerAccountAggregate: AggregateDefinition<CustomerAccountCommand, CustomerAccountEvent, CustomerAccountState> = {
  category: 'CustomerAccount',
  decider: customerAccountDecider,
  commands: {
    'customer.open': {
      schema: customerAccountCommandSchemas['customer.open'],
      aggregateId: (d) => d.customerId,
      creates: true,
      description: 'Open a customer account: contact (personal data), type, classification, grade, owner, salesperson, credit caps.',
    },
    'customer.changeClassification': {
      schema: customerAccountCommandSchemas['customer.changeClassification'],
      aggregateId: (d) => d.customerId,
      description: 'Change the classification (key / suitable / general) with a reason.',
    },
    'customer.changeRegionalGrade': {
      schema: customerAccountCommandSchemas['customer.changeRegionalGrade'],
      aggregateId: (d) => d.customerId,
      description: 'Change the regional grade (A-D) with a reason.',
    },
    'customer.changeType': {
      schema: customerAccountCommandSchemas['customer.changeType'],
      aggregateId: (d) => d.customerId,
      description: 'Change the customer type within its kind (frequency, size tier, ownership, grade) with a reason.',
    },
    'customer.updateNeeds': {
      schema: customerAccountCommandSchemas['customer.updateNeeds'],
      aggregateId: (d) => d.customerId,
      description: "Update the customer's needs (需求).",
    },
    'customer.setCreditLimits': {
      schema: customerAccountCommandSchemas['customer.setCreditLimits'],
      aggregateId: (d) => d.customerId,
      description: 'Set the single-order and outstanding credit caps, with a reason.',
    },
    'customer.reserveCredit': {
      schema: customerAccountCommandSchemas['customer.reserveCredit'],
      aggregateId: (d) => d.customerId,
      description: 'Reserve credit for an order against the caps (idempotent by reservationId and amount).',
    },
    'customer.releaseCredit': {
      schema: customerAccountCommandSchemas['customer.releaseCredit'],
      aggregateId: (d) => d.customerId,
      description: 'Release a credit reservation wholly or partly (payment, cancellation, rejection, compensation); a fully released one is forgotten (reservation_not_found).',
    },
    'customer.suspend': {
      schema: customerAccountCommandSchemas['customer.suspend'],
      aggregateId: (d) => d.customerId,
      description: 'Suspend an active account: no new reservations.',
    },
    'customer.reinstate': {
      schema: customerAccountCommandSchemas['customer.reinstate'],
      aggregateId: (d) => d.customerId,
      description: 'Reinstate a suspended account.',
    },
    'customer.close': {
      schema: customerAccountCommandSchemas['customer.close'],
      aggregateId: (d) => d.customerId,
      description: 'Close an account (final); refused while credit is outstanding.',
    },
    'customer.recordVisit': {
      schema: customerAccountCommandSchemas['customer.recordVisit'],
      aggregateId: (d) => d.customerId,
      description: 'Record a daily visit (巡访); the visitor must not be the local salesperson.',
    },
    'customer.reportUrgentVisit': {
      schema: customerAccountCommandSchemas['customer.reportUrgentVisit'],
      aggregateId: (d) => d.customerId,
      description: 'Report an urgent visit; the visitor must not be the local salesperson.',
    },
    'customer.recordCallback': {
      schema: customerAccountCommandSchemas['customer.recordCallback'],
      aggregateId: (d) => d.customerId,
      description: 'Record a callback (回访) to the customer.',
    },
    'customer.recordFeedback': {
      schema: customerAccountCommandSchemas['customer.recordFeedback'],
      aggregateId: (d) => d.customerId,
      description: 'Record a customer feedback sheet (客户信息反馈单).',
    },
    'customer.recordSurvey': {
      schema: customerAccountCommandSchemas['customer.recordSurvey'],
      aggregateId: (d) => d.customerId,
      description: 'Record a satisfaction survey: all nine items on the 7-point scale.',
    },
    'customer.recordEvaluation': {
      schema: customerAccountCommandSchemas['customer.recordEvaluation'],
      aggregateId: (d) => d.customerId,
      description: 'Record a service evaluation: per item customer and internal grades, combined scores.',
    },
  },
  events: {
    CustomerAccountOpened: { ...customerAccountEventSchemas.CustomerAccountOpened, description: 'Account opened (contact holds all personal data).' },
    CustomerClassificationChanged: { ...customerAccountEventSchemas.CustomerClassificationChanged, description: 'Classification changed: from, to, reason.' },
    CustomerRegionalGradeChanged: { ...customerAccountEventSchemas.CustomerRegionalGradeChanged, description: 'Regional grade changed: from, to, reason.' },
    CustomerTypeChanged: { ...customerAccountEventSchemas.CustomerTypeChanged, description: 'Customer type changed: from, to, standard columns, reason.' },
    CustomerNeedsUpdated: { ...customerAccountEventSchemas.CustomerNeedsUpdated, description: 'Needs updated.' },
    CustomerCreditLimitsSet: { ...customerAccountEventSchemas.CustomerCreditLimitsSet, description: 'Credit caps changed: from, to, outstanding at the time, reason.' },
    CreditReserved: { ...customerAccountEventSchemas.CreditReserved, description: 'Credit reserved for an order, with the outstanding balance after and the caps checked.' },
    CreditReleased: { ...customerAccountEventSchemas.CreditReleased, description: 'Credit released (wholly or partly), with the remaining reservation and outstanding after.' },
    CustomerAccountSuspended: { ...customerAccountEventSchemas.CustomerAccountSuspended, description: 'Account suspended.' },
    CustomerAccountReinstated: { ...customerAccountEventSchemas.CustomerAccountReinstated, description: 'Account reinstated.' },
    CustomerAccountClosed: { ...customerAccountEventSchemas.CustomerAccountClosed, description: 'Account closed (final).' },
    CustomerVisitRecorded: { ...customerAccountEventSchemas.CustomerVisitRecorded, description: 'Daily visit recorded.' },
    CustomerUrgentVisitReported: { ...customerAccountEventSchemas.CustomerUrgentVisitReported, description: 'Urgent visit reported.' },
    CustomerCallbackRecorded: { ...customerAccountEventSchemas.CustomerCallbackRecorded, description: 'Callback recorded.' },
    CustomerFeedbackRecorded: { ...customerAccountEventSchemas.CustomerFeedbackRecorded, description: 'Customer feedback sheet recorded.' },
    CustomerSurveyRecorded: { ...customerAccountEventSchemas.CustomerSurveyRecorded, description: 'Satisfaction survey recorded with per-item scores and the customer segment.' },
    CustomerEvaluationRecorded: { ...customerAccountEventSchemas.CustomerEvaluationRecorded, description: 'Service evaluation recorded with scores, combined scores (x10) and the customer segment.' },
  },
};

export { customerAccountDecider, decideCustomerAccount, evolveCustomerAccount, combinedScoreX10 } from './decider.ts';
export { initialCustomerAccountState, remainingReservedFen } from './state.ts';
export type { CreditReservationState, CustomerAccountState, ExistingCustomerAccount, RecordIds } from './state.ts';
export {
  customerAccountCommandSchemas,
  CustomerContact,
  CreditLimits,
  CreditReleaseReason,
  FeedbackCategory,
  EvaluationItemInput,
  OpenCustomerAccountData,
  ChangeCustomerClassificationData,
  ChangeCustomerRegionalGradeData,
  ChangeCustomerTypeData,
  UpdateCustomerNeedsData,
  SetCustomerCreditLimitsData,
  ReserveCreditData,
  ReleaseCreditData,
  SuspendCustomerAccountData,
  ReinstateCustomerAccountData,
  CloseCustomerAccountData,
  RecordCustomerVisitData,
  ReportUrgentCustomerVisitData,
  RecordCustomerCallbackData,
  RecordCustomerFeedbackData,
  RecordCustomerSurveyData,
  RecordCustomerEvaluationData,
} from './commands.ts';
export type {
  CustomerAccountCommand,
  OpenCustomerAccount,
  ChangeCustomerClassification,
  ChangeCustomerRegionalGrade,
  ChangeCustomerType,
  UpdateCustomerNeeds,
  SetCustomerCreditLimits,
  ReserveCredit,
  ReleaseCredit,
  SuspendCustomerAccount,
  ReinstateCustomerAccount,
  CloseCustomerAccount,
  RecordCustomerVisit,
  ReportUrgentCustomerVisit,
  RecordCustomerCallback,
  RecordCustomerFeedback,
  RecordCustomerSurvey,
  RecordCustomerEvaluation,
} from './commands.ts';
export {
  customerAccountEventSchemas,
  CustomerAccountStatus,
  CustomerSegment,
  EvaluatedItem,
  CustomerAccountOpenedData,
  CustomerClassificationChangedData,
  CustomerRegionalGradeChangedData,
  CustomerTypeChangedData,
  CustomerNeedsUpdatedData,
  CustomerCreditLimitsSetData,
  CreditReservedData,
  CreditReleasedData,
  CustomerAccountSuspendedData,
  CustomerAccountReinstatedData,
  CustomerAccountClosedData,
  CustomerVisitRecordedData,
  CustomerUrgentVisitReportedData,
  CustomerCallbackRecordedData,
  CustomerFeedbackRecordedData,
  CustomerSurveyRecordedData,
  CustomerEvaluationRecordedData,
} from './events.ts';
export type {
  CustomerAccountEvent,
  CustomerAccountOpened,
  CustomerClassificationChanged,
  CustomerRegionalGradeChanged,
  CustomerTypeChanged,
  CustomerNeedsUpdated,
  CustomerCreditLimitsSet,
  CreditReserved,
  CreditReleased,
  CustomerAccountSuspended,
  CustomerAccountReinstated,
  CustomerAccountClosed,
  CustomerVisitRecorded,
  CustomerUrgentVisitReported,
  CustomerCallbackRecorded,
  CustomerFeedbackRecorded,
  CustomerSurveyRecorded,
  CustomerEvaluationRecorded,
} from './events.ts';
