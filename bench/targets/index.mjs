// Every system the benchmark can drive.
import { jetstreamTarget } from './jetstream.mjs';
import { mosquittoTarget } from './mosquitto.mjs';
import { parleyClusterTarget } from './parley-cluster.mjs';
import { parleyTarget } from './parley.mjs';
import { rabbitmqTarget } from './rabbitmq.mjs';
import { relayTarget } from './relay.mjs';

/**
 * The peers come first so Parley's bar checks can use their figures from the same run. Parley over
 * native TCP runs only the connect storm and the messaging ramp, after Parley over WebSocket. The
 * cluster runs only its own scenario (cluster-scale), last.
 */
export const TARGET_ORDER = ['ws', 'socketio', 'mosquitto', 'rabbitmq', 'jetstream', 'parley', 'parley-native', 'parley-cluster'];

/** @param {string} name @param {{tmpDir: string}} ctx */
export function makeTarget(name, ctx) {
  switch (name) {
    case 'parley':
      return parleyTarget(ctx);
    case 'parley-native':
      return parleyTarget(ctx, 'native');
    case 'parley-cluster':
      return parleyClusterTarget(ctx);
    case 'ws':
    case 'socketio':
      return relayTarget(name, ctx);
    case 'mosquitto':
      return mosquittoTarget();
    case 'rabbitmq':
      return rabbitmqTarget(ctx);
    case 'jetstream':
      return jetstreamTarget(ctx);
    default:
      throw new Error(`unknown target ${name}`);
  }
}
