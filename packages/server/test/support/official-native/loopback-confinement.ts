import { expect } from 'vitest';
import type { NativeClient } from './native-client.js';

/** The one outside host the wrapper calls (RongCloud's cloud control, at init); the harness sends it to a closed loopback port. */
const CLOUD_CONTROL_HOST = 'dualstack-cloudcontrol.rong-edge.com';
const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[?::1\]?)$/;
const LOOPBACK_ADDRESS = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\]):\d+$/;

/**
 * The SDK reached nothing off this machine: the C++ stack was handed loopback addresses only, every
 * socket opened in JavaScript went to loopback, and the only outside request was the one the harness
 * redirects (cloud control).
 */
export function expectConfinedToLoopback(client: NativeClient): void {
  const label = client.label;
  const outside = client.outsideRequests.map((r) => ('host' in r ? r.host : r.address));
  expect({ label, outside: outside.filter((host) => host !== CLOUD_CONTROL_HOST) }).toEqual({ label, outside: [] });
  for (const { address } of client.stackAddresses) expect({ label, address }).toEqual({ label, address: expect.stringMatching(LOOPBACK_ADDRESS) });
  for (const connection of client.connections) {
    expect({ label, sentTo: connection.sentTo }).toEqual({ label, sentTo: expect.stringMatching(LOOPBACK_ADDRESS) });
    if (!LOOPBACK_HOST.test(connection.host)) expect({ label, connection }).toEqual({ label, connection: expect.objectContaining({ redirectedToClosedPort: true }) });
  }
}
