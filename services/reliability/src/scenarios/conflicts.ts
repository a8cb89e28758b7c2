import type { CommandHandler, CommandReply } from '@cs/application';
import { createPostgresEventStore, type EventStore } from '@cs/event-store';
import { simulate, type SimCommand } from '@cs/simulator';
import { createTestDatabase } from '@cs/testing';
import { figures, isCoded, readEverything, seeded, writePath, type Scenario } from '../support.ts';

const CUSTOMERS = 4;
const COMPLAINTS_SHARE = 0.2;
const COPIES_PER_STAGE = 3;
const stages = ['complaint.acknowledge', 'complaint.assess', 'complaint.investigate', 'complaint.resolve'] as const;
const stageEvents = ['ComplaintReceived', 'ComplaintAcknowledged', 'ComplaintAssessed', 'ComplaintInvestigated', 'ComplaintResolved'];
/** Replies a client retries with the same command id (as the reply contract says). */
const transient = new Set(['conflict_exhausted', 'unavailable']);

type Cmd = { commandId: string; type: string; payload: Record<string, unknown>; service: string };

/**
 * Conflicts: `size` commands contending on a few streams, sent concurrently through two handler
 * instances on one PostgreSQL store: orders of 4 customers accepted (credit reserved on the
 * customer's stream against its outstanding cap) and cancelled (credit released) at once, and
 * complaints whose stage commands arrive three at a time. Clients retry `conflict_exhausted`
 * with the same id. Checks: every reply coded; the caps hold at every step; each customer's
 * outstanding balance equals the orders accepted and not cancelled (no lost update); each ok
 * reply has its events and each refusal none; each complaint passes each stage once, in order.
 *
 * @example
 * const result = await conflicts.run(500, console.log);
 */
export const conflicts: Scenario = {
  name: 'conflicts',
  title: 'concurrent commands on a few streams (credit caps, complaint stages)',
  sizes: { full: 10_000, short: 500 },
  run: async (size, log) => {
    const random = seeded(size + 11);
    const sim = [...simulate({ customers: 1, days: 2, seed: 3 })];
    const openTemplate = sim.find((c) => c.type === 'customer.open')!;
    const placeTemplate = sim.find((c) => c.type === 'order.place')!;
    const complaints = Math.max(1, Math.round((size * COMPLAINTS_SHARE) / (1 + stages.length * COPIES_PER_STAGE)));
    const orders = Math.max(4, Math.round((size - complaints * (1 + stages.length * COPIES_PER_STAGE) - CUSTOMERS) / 2.5));
    const base = Date.parse('2026-03-02T01:00:00Z');
    const at = (minutes: number) => new Date(base + minutes * 60_000).toISOString();
    const lines = placeTemplate.payload.lines as { quantity: number; unitPriceFen: number }[];
    const orderTotal = lines.reduce((s, l) => s + l.quantity * l.unitPriceFen, 0);
    const perCustomer = Math.ceil(orders / CUSTOMERS);
    // About a third of each customer's orders fit under the cap at once.
    const cap = orderTotal * Math.max(2, Math.round(perCustomer / 3));

    const setup: Cmd[] = [];
    const customerIds = Array.from({ length: CUSTOMERS }, (_, i) => `rel-c${i + 1}`);
    for (const customerId of customerIds) {
      setup.push({
        commandId: `open-${customerId}`,
        type: 'customer.open',
        service: 'order-desk',
        payload: { ...openTemplate.payload, customerId, occurredAt: at(0), creditLimits: { singleOrderCapFen: orderTotal * 10, outstandingCapFen: cap } },
      });
    }
    const orderCustomer = new Map<string, string>();
    for (let i = 0; i < orders; i++) {
      const orderId = `rel-o${i + 1}`;
      orderCustomer.set(orderId, customerIds[i % CUSTOMERS]!);
      setup.push({ commandId: `place-${orderId}`, type: 'order.place', service: 'order-desk', payload: { ...placeTemplate.payload, orderId, customerId: customerIds[i % CUSTOMERS]!, occurredAt: at(1) } });
    }
    for (let k = 0; k < complaints; k++) {
      setup.push({
        commandId: `receive-k${k + 1}`,
        type: 'complaint.receive',
        service: 'call-centre',
        payload: { complaintId: `rel-k${k + 1}`, number: `TS-2026-${String(900_000 + k).padStart(6, '0')}`, customerId: customerIds[k % CUSTOMERS]!, channel: 'phone', category: 'delay', description: 'late', remedySought: 'apology', occurredAt: at(1) },
      });
    }
    const contended: Cmd[] = [];
    for (const orderId of orderCustomer.keys()) {
      contended.push({ commandId: `accept-${orderId}`, type: 'order.accept', service: 'order-desk', payload: { orderId, occurredAt: at(10) } });
      if (random() < 0.5) contended.push({ commandId: `cancel-${orderId}`, type: 'order.cancel', service: 'order-desk', payload: { orderId, reason: 'customer changed plans', occurredAt: at(20) } });
    }
    const stageData: Record<string, Record<string, unknown>> = {
      'complaint.acknowledge': { by: 'agent' },
      'complaint.assess': { severity: 'high', owner: 'owner', urgent: true },
      'complaint.investigate': { rootCause: 'cause', correctiveAction: 'action' },
      'complaint.resolve': { resolution: 'done', compensationFen: 100 },
    };
    for (let k = 0; k < complaints; k++) {
      stages.forEach((type, s) => {
        for (let copy = 0; copy < COPIES_PER_STAGE; copy++) {
          contended.push({ commandId: `${type}-k${k + 1}-${copy}`, type, service: 'call-centre', payload: { complaintId: `rel-k${k + 1}`, ...stageData[type], occurredAt: at(30 + s * 10) } });
        }
      });
    }
    for (let i = contended.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [contended[i], contended[j]] = [contended[j]!, contended[i]!];
    }
    const total = setup.length + contended.length;
    const f = figures('conflicts', `${total} commands: ${orders} orders of ${CUSTOMERS} customers, ${complaints} complaints`);
    const database = await createTestDatabase('rel_conflicts');
    const stores: EventStore[] = [];
    try {
      for (let i = 0; i < 2; i++) stores.push(await createPostgresEventStore({ connectionString: database.url, max: 16 }));
      const handlers: CommandHandler[] = stores.map((s) => writePath(s));
      const replies = new Map<string, CommandReply>();
      let exhausted = 0;
      let retries = 0;
      const send = async (c: Cmd, n: number): Promise<void> => {
        for (let attempt = 0; ; attempt++) {
          const reply = await handlers[(n + attempt) % 2]!.handle({ commandId: c.commandId, type: c.type, payload: c.payload, service: c.service });
          if (!reply.ok && reply.error.code === 'conflict_exhausted') exhausted += 1;
          if (reply.ok || !transient.has(reply.error.code) || attempt >= 20) return void replies.set(c.commandId, reply);
          retries += 1;
        }
      };
      const pool = async (cmds: Cmd[], width: number) => {
        let next = 0;
        await Promise.all(Array.from({ length: width }, async () => {
          while (next < cmds.length) {
            const i = next++;
            await send(cmds[i]!, i);
          }
        }));
      };
      const t0 = Date.now();
      await pool(setup, 16);
      const t1 = Date.now();
      await pool(contended, 64);
      const t2 = Date.now();
      f.r.runs = total;

      const codes: Record<string, number> = {};
      for (const r of replies.values()) {
        const k = r.ok ? 'ok' : r.error.code;
        codes[k] = (codes[k] ?? 0) + 1;
        if (!isCoded(r) || (!r.ok && transient.has(r.error.code))) f.r.wrongReplies += 1;
      }
      f.check(replies.size === total, `${total - replies.size} commands without a reply`);
      for (const c of setup) f.check(replies.get(c.commandId)?.ok === true, `setup command ${c.commandId} refused: ${JSON.stringify(replies.get(c.commandId))}`);

      const events = await readEverything(stores[0]!, database.url);
      const byCommand = new Map<string, number>();
      const ownEvents = new Map<string, number>();
      for (const e of events) {
        const root = e.metadata.commandId.split('/')[0]!;
        byCommand.set(root, (byCommand.get(root) ?? 0) + 1);
        if (root === e.metadata.commandId) ownEvents.set(root, (ownEvents.get(root) ?? 0) + 1);
      }
      // Every command: ok with events <=> events stored under its id. A refusal stores none
      // under its own id; a process's sub-steps (credit reserved, then released when the order
      // step is refused, or the order rejected on a credit refusal) are checked by the credit
      // invariants below.
      for (const [id, r] of replies) {
        if (r.ok && r.eventTypes.length > 0 && (byCommand.get(id) ?? 0) === 0) {
          f.r.lost += 1;
          f.r.problems.push(`${id}: ok reply but no events stored`);
        }
        const own = ownEvents.get(id) ?? 0;
        if (!r.ok && own > 0) {
          f.r.duplicated += 1;
          f.r.problems.push(`${id}: refused (${r.error.code}) but ${own} events stored under its id`);
        }
      }
      // Credit: caps at every step, no reservation twice, outstanding = accepted and not cancelled.
      const ordersOf = new Map<string, { accepted: boolean; cancelled: boolean; rejected: boolean }>();
      for (const e of events) {
        if (!e.streamId.startsWith('Order-')) continue;
        const id = (e.data as { orderId: string }).orderId;
        const o = ordersOf.get(id) ?? { accepted: false, cancelled: false, rejected: false };
        if (e.type === 'OrderAccepted') o.accepted = true;
        if (e.type === 'OrderCancelled') o.cancelled = true;
        if (e.type === 'OrderRejected') o.rejected = true;
        ordersOf.set(id, o);
      }
      let acceptedTotal = 0;
      for (const customerId of customerIds) {
        let outstanding = 0;
        let peak = 0;
        const reserved = new Map<string, number>();
        for (const e of events.filter((x) => x.streamId === `CustomerAccount-${customerId}`)) {
          const d = e.data as { reservationId?: string; amountFen?: number; outstandingAfterFen?: number };
          if (e.type === 'CreditReserved') {
            f.check(!reserved.has(d.reservationId!), `${customerId}: reservation ${d.reservationId} made twice`);
            reserved.set(d.reservationId!, d.amountFen!);
            outstanding += d.amountFen!;
          }
          if (e.type === 'CreditReleased') outstanding -= d.amountFen!;
          if (d.outstandingAfterFen !== undefined) f.check(d.outstandingAfterFen === outstanding, `${customerId}: event says outstanding ${d.outstandingAfterFen}, sum of events ${outstanding}`);
          peak = Math.max(peak, outstanding);
        }
        f.check(peak <= cap, `${customerId}: outstanding reached ${peak} > cap ${cap}`);
        const expected = [...orderCustomer].filter(([id, c]) => c === customerId && ordersOf.get(id)?.accepted && !ordersOf.get(id)?.cancelled).length * orderTotal;
        acceptedTotal += expected / orderTotal;
        f.check(outstanding === expected, `${customerId}: outstanding ${outstanding} but accepted and not cancelled orders total ${expected} (lost update)`);
      }
      for (const orderId of orderCustomer.keys()) {
        const o = ordersOf.get(orderId);
        const r = replies.get(`accept-${orderId}`);
        f.check(!!o && o.accepted === (r?.ok === true), `${orderId}: accept reply ${JSON.stringify(r)} but accepted=${o?.accepted}`);
        f.check(!o || !(o.accepted && o.rejected), `${orderId}: both accepted and rejected`);
      }
      // Complaints: each stage at most once, in order; ok replies = stages reached.
      let okStageReplies = 0;
      for (let k = 0; k < complaints; k++) {
        const types = events.filter((e) => e.streamId === `Complaint-rel-k${k + 1}`).map((e) => e.type);
        f.check(types.every((t, i) => t === stageEvents[i]), `complaint rel-k${k + 1}: stages ${types.join(', ')}`);
        okStageReplies += types.length - 1;
      }
      const okStages = contended.filter((c) => c.type.startsWith('complaint.') && replies.get(c.commandId)?.ok === true && (replies.get(c.commandId) as { eventTypes: string[] }).eventTypes.length > 0).length;
      f.check(okStages === okStageReplies, `${okStages} stage commands answered ok with events, ${okStageReplies} stage events stored`);

      const exhaustedShare = (100 * exhausted) / total;
      f.note(`replies by code: ${Object.entries(codes).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      f.note(`conflict_exhausted replies: ${exhausted} of ${total} commands (${exhaustedShare.toFixed(2)} %; goal 0), retried with the same id: ${retries}`);
      f.note(`${acceptedTotal} orders hold credit at the end; setup ${((t1 - t0) / 1000).toFixed(1)} s, contended phase ${((t2 - t1) / 1000).toFixed(1)} s (${Math.round((contended.length / (t2 - t1)) * 1000)} commands/s through 2 handler instances)`);
      log(`conflicts: ${total} commands, exhausted ${exhausted}, failures ${f.r.failures}`);
      return f.result();
    } finally {
      for (const s of stores) await s.close().catch(() => undefined);
      await database.drop();
    }
  },
};
