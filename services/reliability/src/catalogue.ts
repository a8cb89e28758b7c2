import { requestFromEnvelope, type CommandHandler } from '@cs/application';
import { aggregates } from '@cs/domain';
import { startCommandService, type CatalogueEntry, type CommandService } from '@cs/messaging';
import type { NatsConnection } from 'nats';
import { pino } from 'pino';
import type { z } from 'zod';

/**
 * The NATS catalogue of every command (as the command handler service builds it).
 *
 * @example
 * catalogue().length; // every command type of every aggregate
 */
export const catalogue = (): CatalogueEntry[] =>
  aggregates.flatMap((a) =>
    Object.entries(a.commands as Record<string, { description: string; schema: z.ZodType }>).map(([type, def]) => ({ type, description: def.description, schema: def.schema })),
  );

/**
 * Serves the write path on NATS the way services/command-handler does, in this process.
 *
 * @example
 * const service = await serveCommands(nc, handler);
 */
export const serveCommands = (nc: NatsConnection, handler: CommandHandler): Promise<CommandService> =>
  startCommandService(nc, {
    name: 'cs-command-handler',
    version: '0.1.0',
    catalogue: catalogue(),
    logger: pino({ level: 'silent' }),
    handle: (envelope, context) => handler.handle(requestFromEnvelope(envelope, context.service)),
  });
