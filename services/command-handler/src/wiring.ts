import { requestFromEnvelope, type AnyAggregate, type CommandHandler } from '@cs/application';
import type { CatalogueEntry, Envelope, Reply } from '@cs/messaging';
import type { z } from 'zod';

/**
 * The NATS catalogue of every command of the given aggregates.
 *
 * @example
 * startCommandService(nc, { ..., catalogue: catalogueOf(aggregates) });
 */
export const catalogueOf = (aggregates: readonly AnyAggregate[]): CatalogueEntry[] =>
  aggregates.flatMap((a) =>
    Object.entries(a.commands as Record<string, { description: string; schema: z.ZodType }>).map(([type, def]) => ({
      type,
      description: def.description,
      schema: def.schema,
    })),
  );

/**
 * Runs a validated NATS envelope through the write path, the acting service being the one NATS
 * authenticated.
 *
 * @example
 * handle: (envelope, ctx) => handleEnvelope(handler, envelope, ctx.service)
 */
export const handleEnvelope = (handler: CommandHandler, envelope: Envelope, service: string): Promise<Reply> =>
  handler.handle(requestFromEnvelope(envelope, service));
