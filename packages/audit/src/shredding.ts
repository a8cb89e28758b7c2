import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Personal data as stored in an event: AES-256-GCM ciphertext under the subject's own key. */
export type SealedValue = { sealed: 'aes-256-gcm/1'; subject: string; iv: string; ct: string; tag: string };

/** Per-subject (per-customer) data keys, held OUTSIDE the event store; erasing a key shreds the data. */
export interface KeyRing {
  /** the subject's key, created on first use; undefined once erased */
  keyFor(subject: string, create: boolean): Promise<Buffer | undefined>;
  erase(subject: string): Promise<void>;
}

/**
 * A key ring in memory (tests; production keeps keys in a KMS or a separate database).
 *
 * @example
 * const ring = memoryKeyRing();
 */
export const memoryKeyRing = (): KeyRing => {
  const keys = new Map<string, Buffer | null>();
  return {
    keyFor: async (subject, create) => {
      const k = keys.get(subject);
      if (k === null) return undefined;
      if (k) return k;
      if (!create) return undefined;
      const fresh = randomBytes(32);
      keys.set(subject, fresh);
      return fresh;
    },
    erase: async (subject) => {
      keys.set(subject, null);
    },
  };
};

/**
 * Seals a personal value (name, phone, address…) for an event's data. The event hash covers
 * the ciphertext, so erasing the key later leaves the chain verifiable.
 *
 * @example
 * const contact = await seal(ring, customerId, { name: '王芳', phone: '138…' });
 */
export const seal = async (ring: KeyRing, subject: string, value: unknown): Promise<SealedValue> => {
  const key = await ring.keyFor(subject, true);
  if (!key) throw new Error(`the data key of ${subject} was erased: no new personal data can be sealed for it`);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(subject, 'utf8'));
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { sealed: 'aes-256-gcm/1', subject, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
};

/**
 * Opens a sealed value; `{ erased: true }` once the subject's key was shredded.
 *
 * @example
 * const r = await unseal(ring, sealed); if ('value' in r) show(r.value);
 */
export const unseal = async (ring: KeyRing, v: SealedValue): Promise<{ value: unknown } | { erased: true }> => {
  const key = await ring.keyFor(v.subject, false);
  if (!key) return { erased: true };
  const d = createDecipheriv('aes-256-gcm', key, Buffer.from(v.iv, 'base64'));
  d.setAAD(Buffer.from(v.subject, 'utf8'));
  d.setAuthTag(Buffer.from(v.tag, 'base64'));
  return { value: JSON.parse(Buffer.concat([d.update(Buffer.from(v.ct, 'base64')), d.final()]).toString('utf8')) };
};

/**
 * True when `v` is a sealed value (the timeline shows it as `[sealed]` or `[erased]`).
 *
 * @example
 * isSealed(event.data.contact);
 */
export const isSealed = (v: unknown): v is SealedValue =>
  typeof v === 'object' && v !== null && (v as { sealed?: unknown }).sealed === 'aes-256-gcm/1';
