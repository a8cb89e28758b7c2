import { aggregates } from '@cs/domain';
import { commandPermissions, internalServices } from '@cs/messaging';
import { describe, expect, it } from 'vitest';

// NATS subject matching of one command-type pattern (`*` is one token) against a command type.
const matches = (pattern: string, type: string): boolean => {
  const p = pattern.split('.');
  const t = type.split('.');
  return p.length === t.length && p.every((token, i) => token === '*' || token === t[i]);
};

const commandTypes = aggregates.flatMap((a) => Object.keys(a.commands));

describe('command permissions of the internal services', () => {
  it('every pattern a service is granted matches at least one command type (none is a dead rule)', () => {
    const dead = internalServices.flatMap((service) => commandPermissions[service].filter((pattern) => !commandTypes.some((type) => matches(pattern, type))).map((pattern) => `${service}: ${pattern}`));
    expect(dead).toEqual([]);
  });

  it('every command type may be sent by at least one service', () => {
    const orphans = commandTypes.filter((type) => !internalServices.some((service) => commandPermissions[service].some((pattern) => matches(pattern, type))));
    expect(orphans).toEqual([]);
  });

  it('the call centre records satisfaction surveys and service evaluations (DOMAIN.md: recorded on the account)', () => {
    for (const type of ['customer.recordSurvey', 'customer.recordEvaluation']) expect(commandPermissions['call-centre'].some((p) => matches(p, type)), type).toBe(true);
  });
});
