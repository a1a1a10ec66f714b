import { z } from 'zod';

/** A browser origin's host, optionally with a port: what the safe-domain check compares against. */
const safeDomain = z
  .string()
  .min(1)
  .max(253)
  .regex(/^(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?$/, 'a safe domain is a host name, optionally *. prefixed, with an optional :port');

export const appSettingsSchema = z
  .object({
    name: z.string().trim().min(1).max(64),
    tokenLifetimeSeconds: z.number().int().min(0).max(10 * 365 * 24 * 3600),
    devicePolicy: z.enum(['per-class', 'single', 'multi']),
    maxDevices: z.number().int().min(1).max(100),
    safeDomains: z.array(safeDomain).max(100),
    signatureMode: z.enum(['compatible', 'strict']),
    apiRateLimit: z.number().int().min(1).max(1_000_000),
  })
  .strict();

export type AppSettingsInput = z.infer<typeof appSettingsSchema>;

export const defaultAppSettings: Omit<AppSettingsInput, 'name'> = {
  tokenLifetimeSeconds: 0,
  devicePolicy: 'per-class',
  maxDevices: 5,
  safeDomains: [],
  signatureMode: 'compatible',
  // RongCloud's public cloud allows 100 calls/s; a self-hosted server can afford more by default.
  apiRateLimit: 1000,
};
