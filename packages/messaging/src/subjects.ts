/** Prefix of every command subject. */
export const COMMAND_SUBJECT_PREFIX = 'cs.cmd';
/** The queue group every command-handler instance joins, so instances share the load. */
export const COMMAND_QUEUE_GROUP = 'cs-command-handler';

/**
 * The subject a service publishes a command on.
 *
 * @example
 * commandSubject('order.place', 'order-desk'); // 'cs.cmd.order.place.order-desk'
 */
export const commandSubject = (type: string, service: string): string => `${COMMAND_SUBJECT_PREFIX}.${type}.${service}`;

/**
 * The subject the handler's endpoint for a command type listens on (any sending service).
 *
 * @example
 * commandEndpointSubject('order.place'); // 'cs.cmd.order.place.*'
 */
export const commandEndpointSubject = (type: string): string => `${COMMAND_SUBJECT_PREFIX}.${type}.*`;

/**
 * Splits a command subject into command type and acting service (the last token, which NATS
 * permissions make trustworthy). Returns undefined for anything that is not `cs.cmd.<type>.<service>`.
 *
 * @example
 * parseCommandSubject('cs.cmd.order.place.order-desk'); // { type: 'order.place', service: 'order-desk' }
 */
export const parseCommandSubject = (subject: string): { type: string; service: string } | undefined => {
  const prefix = `${COMMAND_SUBJECT_PREFIX}.`;
  if (!subject.startsWith(prefix)) return undefined;
  const tokens = subject.slice(prefix.length).split('.');
  if (tokens.length < 3 || tokens.some((t) => t === '')) return undefined;
  const service = tokens[tokens.length - 1] as string;
  return { type: tokens.slice(0, -1).join('.'), service };
};
