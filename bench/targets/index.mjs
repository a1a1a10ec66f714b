// Every system the benchmark can drive. A cluster variant of Parley plugs in here.
import { mosquittoTarget } from './mosquitto.mjs';
import { parleyTarget } from './parley.mjs';
import { relayTarget } from './relay.mjs';

/** The peers come first so Parley's bar checks can use their figures from the same run. */
export const TARGET_ORDER = ['ws', 'socketio', 'mosquitto', 'parley'];

/** @param {string} name @param {{tmpDir: string}} ctx */
export function makeTarget(name, ctx) {
  switch (name) {
    case 'parley':
      return parleyTarget(ctx);
    case 'ws':
    case 'socketio':
      return relayTarget(name, ctx);
    case 'mosquitto':
      return mosquittoTarget();
    default:
      throw new Error(`unknown target ${name}`);
  }
}
