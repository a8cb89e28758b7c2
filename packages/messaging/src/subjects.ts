/**
 * Prefix of every command subject. Services and clients take a `subjectPrefix` option only to
 * isolate tests (or tenants) sharing one NATS server; production keeps this one.
 */
export const COMMAND_SUBJECT_PREFIX = 'cs.cmd';
/** The queue group every command-handler instance joins, so instances share the load. */
export const COMMAND_QUEUE_GROUP = 'cs-command-handler';

/**
 * The subject a service publishes a command on.
 *
 * @example
 * commandSubject('order.place', 'order-desk'); // 'cs.cmd.order.place.order-desk'
 */
export const commandSubject = (type: string, service: string, prefix: string = COMMAND_SUBJECT_PREFIX): string => `${prefix}.${type}.${service}`;

/**
 * The subject the handler's endpoint for a command type listens on (any sending service).
 *
 * @example
 * commandEndpointSubject('order.place'); // 'cs.cmd.order.place.*'
 */
export const commandEndpointSubject = (type: string, prefix: string = COMMAND_SUBJECT_PREFIX): string => `${prefix}.${type}.*`;

/**
 * Splits a command subject into command type and acting service (the last token, which NATS
 * permissions make trustworthy). Returns undefined for anything that is not `cs.cmd.<type>.<service>`.
 *
 * @example
 * parseCommandSubject('cs.cmd.order.place.order-desk'); // { type: 'order.place', service: 'order-desk' }
 */
export const parseCommandSubject = (
  subject: string,
  prefix: string = COMMAND_SUBJECT_PREFIX,
): { type: string; service: string } | undefined => {
  if (!subject.startsWith(`${prefix}.`)) return undefined;
  const tokens = subject.slice(prefix.length + 1).split('.');
  if (tokens.length < 3 || tokens.some((t) => t === '')) return undefined;
  const service = tokens[tokens.length - 1] as string;
  return { type: tokens.slice(0, -1).join('.'), service };
};
