import { COMMAND_SUBJECT_PREFIX } from './subjects.ts';

/** The internal services that send commands; each is a NATS user of the same name. */
export const internalServices = ['order-desk', 'warehouse', 'dispatch', 'call-centre', 'returns-desk'] as const;
export type InternalService = (typeof internalServices)[number];

/**
 * Which command types each internal service may send (`aggregate.*` = every command of that
 * aggregate). NATS enforces it: a service's user may publish only `cs.cmd.<type>.<its name>`.
 */
export const commandPermissions: Record<InternalService, readonly string[]> = {
  'order-desk': ['customer.*', 'order.place', 'order.verify', 'order.accept', 'order.reject', 'order.cancel', 'order.complete', 'standard.*', 'improvement.*'],
  warehouse: ['order.prepare'],
  dispatch: ['order.dispatch', 'order.recordTracking', 'order.deliver', 'order.raiseException', 'order.resolveException'],
  'call-centre': ['complaint.*', 'customer.recordSurvey', 'customer.recordEvaluation', 'customer.recordVisit'],
  'returns-desk': ['return.*', 'order.reserveReturn', 'order.releaseReturn'],
};

/**
 * The JetStream API subjects that erase or rewrite stored messages (the audit anchors in
 * CS_AUDIT_HEADS above all: deny_delete and deny_purge guard its messages, not the stream
 * itself, whose deletion or reconfiguration, e.g. max_msgs 1, would throw the anchors away). No
 * user of the system may send them; an operator manages streams as the system account.
 */
const jetStreamDestructive = [
  '$JS.API.STREAM.DELETE.>',
  '$JS.API.STREAM.PURGE.>',
  '$JS.API.STREAM.UPDATE.>',
  '$JS.API.STREAM.MSG.DELETE.>',
  '$JS.API.STREAM.RESTORE.>',
  '$JS.API.STREAM.PEER.REMOVE.>',
  '$JS.API.ACCOUNT.PURGE.>',
  '$JS.API.META.>',
];

/** Subjects of the micro-service discovery and monitoring API. */
const serviceApi = ['$SRV.PING', '$SRV.PING.>', '$SRV.INFO', '$SRV.INFO.>', '$SRV.STATS', '$SRV.STATS.>'];

/**
 * The environment variable holding a user's password in the generated server configuration
 * (nats-server resolves `$NAME` from the environment, so no secret is committed).
 *
 * @example
 * passwordVariable('order-desk'); // 'CS_NATS_ORDER_DESK_PASSWORD'
 */
export const passwordVariable = (user: string): string => `CS_NATS_${user.toUpperCase().replace(/-/g, '_')}_PASSWORD`;

/** The reply-subject prefix of a user: clients set it as `inboxPrefix`, permissions allow only it. */
export const inboxPrefixOf = (user: string): string => `_INBOX.${user}`;

type UserPermissions = {
  publish: { allow: string[]; deny?: string[] };
  subscribe: { allow: string[]; deny?: string[] };
  allow_responses?: boolean;
};

/**
 * Every NATS user of the system with its permissions; `natsServerConfig` renders it.
 *
 * @example
 * natsUsers().find((u) => u.user === 'auditor')?.permissions.publish.allow; // ['cs.query.audit.>']
 */
export const natsUsers = (): { user: string; permissions: UserPermissions }[] => [
  ...internalServices.map((service) => ({
    user: service,
    permissions: {
      publish: { allow: commandPermissions[service].map((type) => `${COMMAND_SUBJECT_PREFIX}.${type}.${service}`) },
      subscribe: { allow: [`${inboxPrefixOf(service)}.>`] },
    },
  })),
  {
    user: 'command-handler',
    permissions: {
      // replies go to the requester's reply subject (allow_responses), anchors to JetStream
      publish: { allow: ['$JS.API.>', 'cs.audit.head.>'], deny: [`${COMMAND_SUBJECT_PREFIX}.>`, ...jetStreamDestructive] },
      subscribe: { allow: [`${COMMAND_SUBJECT_PREFIX}.>`, ...serviceApi, `${inboxPrefixOf('command-handler')}.>`] },
      allow_responses: true,
    },
  },
  {
    user: 'audit-query',
    permissions: {
      // reads the anchors; may create CS_AUDIT_HEADS when it starts first, never erase it
      publish: { allow: ['$JS.API.>'], deny: jetStreamDestructive },
      subscribe: { allow: ['cs.query.audit.>', ...serviceApi, `${inboxPrefixOf('audit-query')}.>`] },
      allow_responses: true,
    },
  },
  {
    user: 'analyst',
    permissions: {
      // analysts read SQL read models; on NATS they only look at service health
      publish: { allow: serviceApi, deny: [`${COMMAND_SUBJECT_PREFIX}.>`, 'cs.query.>'] },
      subscribe: { allow: [`${inboxPrefixOf('analyst')}.>`] },
    },
  },
  {
    user: 'auditor',
    permissions: {
      // cs audit reads the anchors in JetStream; it holds the key, so it may not add heads
      publish: { allow: ['cs.query.audit.>', '$JS.API.>'], deny: ['cs.audit.head.>', '$JS.API.STREAM.CREATE.>', ...jetStreamDestructive] },
      subscribe: { allow: [`${inboxPrefixOf('auditor')}.>`] },
    },
  },
];

const list = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;

/**
 * Renders the nats-server configuration (one account `CS` with JetStream, every user with its
 * permissions, passwords from the environment). docs/nats-server.conf is this output; a test
 * keeps them equal.
 *
 * @example
 * writeFileSync('docs/nats-server.conf', natsServerConfig());
 */
export const natsServerConfig = (): string => {
  const users = natsUsers()
    .map(({ user, permissions: p }) => {
      const lines = [
        `      {`,
        `        user: ${JSON.stringify(user)}`,
        `        password: $${passwordVariable(user)}`,
        `        permissions: {`,
        `          publish: { allow: ${list(p.publish.allow)}${p.publish.deny ? `, deny: ${list(p.publish.deny)}` : ''} }`,
        `          subscribe: { allow: ${list(p.subscribe.allow)}${p.subscribe.deny ? `, deny: ${list(p.subscribe.deny)}` : ''} }`,
        ...(p.allow_responses ? [`          allow_responses: true`] : []),
        `        }`,
        `      }`,
      ];
      return lines.join('\n');
    })
    .join('\n');
  return `# GENERATED by packages/messaging/src/security.ts (natsServerConfig): edit that file, then run
#   cd packages/messaging && npx -y pnpm@10.34.0 run nats-config
# Passwords (CS_NATS_<USER>_PASSWORD) and the JetStream directory (CS_NATS_STORE_DIR) come from
# the environment; nats-server refuses to start when one is missing.
# Command subjects are cs.cmd.<command type>.<service>: each service may
# publish only its own, so the last token names the acting service and cannot be forged.

listen: 0.0.0.0:4222
max_payload: 1MB

jetstream {
  store_dir: $CS_NATS_STORE_DIR
}

accounts {
  CS {
    jetstream: enabled
    users: [
${users}
    ]
  }
}
`;
};
