import type { AggregateDefinition } from '../shared/aggregate.ts';
import type { ReturnRequestCommand } from './commands.ts';
import { returnRequestCommandSchemas } from './commands.ts';
import { returnRequestDecider } from './decider.ts';
import type { ReturnRequestEvent } from './events.ts';
import { returnRequestEventSchemas } from './events.ts';
import type { ReturnRequestState } from './state.ts';

const byId = (d: { returnId: string }) => d.returnId;
const s = returnRequestCommandSchemas;
const e = returnRequestEventSchemas;

/**
 * The ReturnRequest aggregate: stream `ReturnRequest-<returnId>`.
 *
 * @example
 * const stream = streamName(returnRequestAggregate.category, 'r-1'); // 'ReturnRequest-r-1'
 */
export const returnRequestAggregate: AggregateDefinition<ReturnRequestCommand, ReturnRequestEvent, ReturnRequestState> = {
  category: 'ReturnRequest',
  decider: returnRequestDecider,
  commands: {
    'return.request': {
      schema: s['return.request'],
      aggregateId: byId,
      creates: true,
      description: 'Request a return against a delivered order (reserve it on the order first)',
    },
    'return.inspect': {
      schema: s['return.inspect'],
      aggregateId: byId,
      description: 'Returns clerk checks the goods against the slip: actual quantities, confirmed cause',
    },
    'return.notifyDistributionCentre': {
      schema: s['return.notifyDistributionCentre'],
      aggregateId: byId,
      description: 'Send the return information to the distribution centre',
    },
    'return.review': { schema: s['return.review'], aggregateId: byId, description: 'Second review of the documents' },
    'return.approve': { schema: s['return.approve'], aggregateId: byId, description: 'Approve after a passed review' },
    'return.reject': {
      schema: s['return.reject'],
      aggregateId: byId,
      description: 'Reject the return (its reservation on the order is then released)',
    },
    'return.settle': {
      schema: s['return.settle'],
      aggregateId: byId,
      description: 'Settle an approved return: refund, exchange or compensation',
    },
    'return.recordDisposition': {
      schema: s['return.recordDisposition'],
      aggregateId: byId,
      description: 'Record what became of the returned goods',
    },
    'return.close': {
      schema: s['return.close'],
      aggregateId: byId,
      description: 'Close after settlement and disposition, or after rejection',
    },
  },
  events: {
    ReturnRequested: { ...e.ReturnRequested, description: 'A return was requested' },
    ReturnInspected: { ...e.ReturnInspected, description: 'The goods were checked against the slip' },
    ReturnSentToDistributionCentre: {
      ...e.ReturnSentToDistributionCentre,
      description: 'The return information went to the distribution centre',
    },
    ReturnReviewed: { ...e.ReturnReviewed, description: 'The second review passed or failed' },
    ReturnApproved: { ...e.ReturnApproved, description: 'The return was approved' },
    ReturnRejected: { ...e.ReturnRejected, description: 'The return was rejected' },
    ReturnSettled: { ...e.ReturnSettled, description: 'Refund, exchange or compensation was settled' },
    ReturnDispositionRecorded: {
      ...e.ReturnDispositionRecorded,
      description: 'The disposition of the returned goods was recorded',
    },
    ReturnClosed: { ...e.ReturnClosed, description: 'The return was closed' },
  },
};

export {
  ApproveReturnData,
  CloseReturnData,
  InspectReturnData,
  InspectedLineInput,
  MAX_RETURN_LINES,
  NotifyDistributionCentreData,
  RecordReturnDispositionData,
  RejectReturnData,
  RequestReturnData,
  ReturnDisposition,
  ReturnLineRequest,
  ReturnOutcome,
  ReturnReason,
  ReviewReturnData,
  SettleReturnData,
  returnRequestCommandSchemas,
} from './commands.ts';
export type {
  ApproveReturn,
  CloseReturn,
  InspectReturn,
  NotifyDistributionCentre,
  RecordReturnDisposition,
  RejectReturn,
  RequestReturn,
  ReturnRequestCommand,
  ReviewReturn,
  SettleReturn,
} from './commands.ts';
export {
  InspectedLine,
  ReturnApprovedData,
  ReturnClosedData,
  ReturnDispositionRecordedData,
  ReturnInspectedData,
  ReturnRejectedData,
  ReturnRequestedData,
  ReturnReviewedData,
  ReturnSentToDistributionCentreData,
  ReturnSettledData,
  ReturnStatus,
  returnRequestEventSchemas,
} from './events.ts';
export type {
  ReturnApproved,
  ReturnClosed,
  ReturnDispositionRecorded,
  ReturnInspected,
  ReturnRejected,
  ReturnRequestEvent,
  ReturnRequested,
  ReturnReviewed,
  ReturnSentToDistributionCentre,
  ReturnSettled,
} from './events.ts';
export { returnRequestDecider } from './decider.ts';
export { initialReturnRequestState } from './state.ts';
export type { OpenedReturn, ReturnRequestState } from './state.ts';
