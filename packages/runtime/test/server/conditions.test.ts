import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../../src/index.ts';
import { fakeProvider } from '../security/fake-provider.ts';

// Init condition values chosen by the learner (site) or lab dev: the server
// takes only keys the playground declares and values from their options.
const content = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/conditions');
const ITEM = 'challenge:pick-a-flavour';
let handle: ServeHandle | undefined;

afterEach(async () => {
  await handle?.close();
  handle = undefined;
});

async function start(): Promise<string> {
  handle = await serve({ dir: content, port: 0, provider: fakeProvider() });
  return handle.url;
}

const post = (base: string, body: string) => fetch(`${base}sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('init condition values chosen before start', () => {
  it('lists what may be chosen, with the defaults', async () => {
    const base = await start();
    const info = (await (await fetch(`${base}items/${ITEM}`)).json()) as { conditions: unknown };
    expect(info.conditions).toEqual([
      { key: 'FLAVOUR', default: 'vanilla', options: ['vanilla', 'chocolate'] },
      { key: 'NOTE', default: '', nullable: true },
    ]);
  });

  it('starts a session with a declared value: only that variant\'s tasks are listed', async () => {
    const base = await start();
    const r = await post(base, JSON.stringify({ item: ITEM, conditions: { FLAVOUR: 'chocolate', NOTE: 'any text' } }));
    expect(r.status).toBe(201);
    const body = (await r.json()) as { token: string; conditions: Record<string, string> };
    expect(body.conditions).toEqual({ FLAVOUR: 'chocolate', NOTE: 'any text' });
    const snap = (await (await fetch(`${base}sessions/${body.token}`)).json()) as { tasks: Array<{ name: string }> };
    expect(snap.tasks.map((t) => t.name).sort()).toEqual(['init_chocolate', 'verify_chocolate']);
    // No choice at all: the defaults.
    const d = (await (await post(base, JSON.stringify({ item: ITEM, replace: body.token }))).json()) as { token: string; conditions: Record<string, string> };
    expect(d.conditions).toEqual({ FLAVOUR: 'vanilla', NOTE: '' });
  });

  it('refuses undeclared keys and malformed values with 400, and starts nothing', async () => {
    const base = await start();
    const bad: Array<[string, RegExp]> = [
      [JSON.stringify({ item: ITEM, conditions: { EVIL: 'x' } }), /declares no init condition "EVIL"/],
      ['{"item":"challenge:pick-a-flavour","conditions":{"__proto__":{"FLAVOUR":"chocolate"}}}', /declares no init condition "__proto__"/],
      [JSON.stringify({ item: ITEM, conditions: { FLAVOUR: 'strawberry' } }), /"strawberry" is not one of vanilla, chocolate/],
      [JSON.stringify({ item: ITEM, conditions: { FLAVOUR: 'chocolate; rm -rf /' } }), /is not one of/],
      [JSON.stringify({ item: ITEM, conditions: { FLAVOUR: '' } }), /may not be empty/],
      [JSON.stringify({ item: ITEM, conditions: { FLAVOUR: 1 } }), /must be a string/],
      [JSON.stringify({ item: ITEM, conditions: { FLAVOUR: ['chocolate'] } }), /must be a string/],
      [JSON.stringify({ item: ITEM, conditions: { NOTE: 'a\nb' } }), /printable characters/],
      [JSON.stringify({ item: ITEM, conditions: { NOTE: 'x'.repeat(257) } }), /at most 256/],
      [JSON.stringify({ item: ITEM, conditions: ['FLAVOUR=chocolate'] }), /must be an object/],
      [JSON.stringify({ item: ITEM, conditions: 'FLAVOUR=chocolate' }), /must be an object/],
    ];
    for (const [body, message] of bad) {
      const r = await post(base, body);
      expect(r.status, body).toBe(400);
      expect(((await r.json()) as { error: string }).error, body).toMatch(message);
    }
    expect(handle!.playgrounds.sessions).toHaveLength(0);
  });
});
