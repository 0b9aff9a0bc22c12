import { readComponentProps, type MdcComponentNode } from '@labkit/sdk';

interface Node {
  type: string;
  children?: Node[];
}

/**
 * `:destination:` files of a body's `::user-input-task` components, by task
 * name, read with the SDK's one MDC props reader (so the engine writes where
 * the validator and the renderer say). A component without `name` or with
 * an empty destination is left out.
 */
export function inputDestinations(body: Node | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (node: Node): void => {
    if (node.type === 'containerComponent' && (node as unknown as MdcComponentNode).name === 'user-input-task') {
      const { values } = readComponentProps(node as unknown as MdcComponentNode);
      const name = values['name'];
      const destination = values['destination'];
      if (typeof name === 'string' && name && typeof destination === 'string' && destination.trim()) out[name] = destination.trim();
    }
    for (const child of node.children ?? []) walk(child);
  };
  if (body) walk(body);
  return out;
}
