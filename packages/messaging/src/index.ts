export { Envelope, EnvelopeMetadata, CommandId, CommandType, ServiceName, type EnvelopeInput } from './envelope.ts';
export { Reply, SuccessReply, ErrorReply, FieldError, errorReply, fieldErrors } from './reply.ts';
export {
  transportErrorCodes,
  replyErrorCodes,
  isReplyErrorCode,
  MessagingError,
  type TransportErrorCode,
  type ReplyErrorCode,
  type MessagingErrorCode,
} from './errors.ts';
export {
  COMMAND_SUBJECT_PREFIX,
  COMMAND_QUEUE_GROUP,
  commandSubject,
  commandEndpointSubject,
  parseCommandSubject,
} from './subjects.ts';
export { parseUntrustedJson, type SafeJsonLimits, type SafeJsonResult } from './safe-json.ts';
export {
  startCommandService,
  type CatalogueEntry,
  type CommandContext,
  type CommandService,
  type CommandServiceOptions,
} from './service.ts';
export { retryDelayMs, sendCommand, natsCommandBus, type SendCommandOptions, type CommandBus } from './client.ts';
export { NatsEnv, natsConnectionOptionsFromEnv, connectNats } from './env.ts';
export {
  internalServices,
  commandPermissions,
  natsUsers,
  natsServerConfig,
  passwordVariable,
  inboxPrefixOf,
  type InternalService,
} from './security.ts';
