#!/usr/bin/env -S npx tsx
// `cs`: the operator's and auditor's command line. Each sub-command lives in ./commands/.
const usage = `cs <command> [options]

Commands:
  start                 run the whole system on the embedded default and print the KPIs
  send <type> --json <file|->   send one command (cs send --help lists the commands)
  audit complaint <number|id>   a complaint's verified history (cs audit --help)
  projections <status|dead-letter|resume|promote|retire>   operate the projector (cs projections --help)

Environment: DATABASE_URL, EVENTSTORE_URL, NATS_URL (see README "Production mode").`;

const commands: Record<string, () => Promise<{ run: (argv: string[]) => Promise<number> }>> = {
  start: () => import('./commands/start.ts'),
  send: () => import('./commands/send.ts'),
  audit: () => import('./commands/audit.ts'),
  projections: () => import('./commands/projections.ts'),
};

const main = async (): Promise<number> => {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    return name ? 0 : 1;
  }
  const load = commands[name];
  if (!load) {
    console.error(`cs: unknown command '${name}'\n\n${usage}`);
    return 2;
  }
  const mod = await load();
  return mod.run(rest);
};

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`cs: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
