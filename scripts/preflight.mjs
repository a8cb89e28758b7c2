// Fails at once, naming what is missing, when the servers the tests need are not reachable.
import net from 'node:net';

const check = (name, host, port, howToStart) =>
  new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 2000 });
    const fail = () => {
      s.destroy();
      resolve(`${name} is not reachable at ${host}:${port}. Start it with:\n    ${howToStart}`);
    };
    s.once('connect', () => {
      s.end();
      resolve(undefined);
    });
    s.once('timeout', fail);
    s.once('error', fail);
  });

const pgUrl = new URL(process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://root@127.0.0.1:5432/postgres');
const natsUrl = new URL((process.env.NATS_URL ?? 'nats://127.0.0.1:4222').split(',')[0]);
const problems = (
  await Promise.all([
    check('PostgreSQL', pgUrl.hostname, Number(pgUrl.port || 5432),
      'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'),
    check('NATS (with JetStream)', natsUrl.hostname, Number(natsUrl.port || 4222),
      'start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log'),
  ])
).filter(Boolean);
if (problems.length > 0) {
  console.error('The test suite needs servers that are not running:\n');
  for (const p of problems) console.error(`  - ${p}\n`);
  console.error('(.ci/run starts both when they are down.)');
  process.exit(2);
}
