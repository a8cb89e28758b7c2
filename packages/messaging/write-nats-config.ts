// Writes docs/nats-server.conf from the one source of truth, src/security.ts.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { natsServerConfig } from './src/security.ts';

const target = fileURLToPath(new URL('../../docs/nats-server.conf', import.meta.url));
writeFileSync(target, natsServerConfig());
console.log(`wrote ${target}`);
