// One `lab serve` replica for the swarm tests, started by the test inside
// the network namespace of a container attached to the session overlay (so
// it reaches runners at their overlay addresses, as a replica deployed as a
// Swarm service would). It serves on 127.0.0.1 in that namespace and
// forwards a unix socket to it, which the test (in the host's namespace)
// uses. Argument: JSON {socketPath, dockerSocket, image, network, pool, poolSize, dir, redis?, advertiseHost?}.
import net from 'node:net';
import Docker from 'dockerode';
import { serve } from '../../src/server/serve.ts';
import { SwarmProvider } from '../../src/providers/swarm/swarm-provider.ts';
import { SharedState } from '../../src/server/shared-state.ts';

const config = JSON.parse(process.argv[2]!) as { socketPath: string; dockerSocket: string; image: string; network: string; pool: string; poolSize: number; dir: string; redis?: string; advertiseHost?: string };
const shared = config.redis ? new SharedState({ redis: config.redis, replica: 'pool', url: '' }) : undefined;
await shared?.connect();
const provider = new SwarmProvider({ docker: new Docker({ socketPath: config.dockerSocket }), image: config.image, network: config.network, pool: config.pool, poolSize: config.poolSize, ...(shared ? { coordinator: shared } : {}), onLog: (l) => process.stderr.write(`${l}\n`) });
const handle = await serve({
  dir: config.dir,
  port: 0,
  // With shared state the replica listens on the overlay too: the other replicas forward sessions to it.
  host: config.redis ? '0.0.0.0' : '127.0.0.1',
  provider,
  limits: { maxSessions: 8, maxSessionsPerClient: 0 },
  ...(config.redis ? { shared: { redis: config.redis, ...(config.advertiseHost ? { advertiseHost: config.advertiseHost } : {}), maxSessions: 8 } } : {}),
  onLog: (l) => process.stderr.write(`${l}\n`),
});
const forward = net.createServer((client) => {
  const upstream = net.connect({ host: '127.0.0.1', port: handle.port });
  client.pipe(upstream).pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
await new Promise<void>((resolve) => forward.listen(config.socketPath, resolve));
void provider.fill();
const stop = async () => {
  forward.close();
  await handle.close();
  // One replica of several leaves the pool to the others; a lone one removes it.
  if (shared) provider.release();
  else await provider.dispose();
  await shared?.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
process.stdout.write(`${JSON.stringify({ ready: true, port: handle.port })}\n`);
