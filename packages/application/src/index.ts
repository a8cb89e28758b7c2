export {
  createCommandHandler,
  type AnyAggregate,
  type CommandHandler,
  type CommandHandlerOptions,
  type CommandRequest,
  type Logger,
  type ProcessContext,
  type ProcessHandler,
  type StepResult,
} from './command-handler.ts';
export { inProcessCommandBus, requestFromEnvelope, type CommandBus, type CommandEnvelope } from './command-bus.ts';
export { createKeyedLock } from './keyed-lock.ts';
export { applicationErrorCodes, errorReply, type ApplicationErrorCode, type CommandReply, type FieldError } from './reply.ts';
export { crossAggregateProcesses } from './processes.ts';
export { createReservationReconciler, reconcileReservations, type ReconcileOptions, type ReconcileReport } from './reconciler.ts';
