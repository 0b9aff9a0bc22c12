/**
 * Defines `target[key]` as computed on first read, then a plain property
 * (writable, enumerable: JSON, spreads and structured clones see it as
 * one); a write before the first read sets it without computing.
 */
export function lazyProperty<T extends object, K extends string, V>(target: T, key: K, compute: () => V): T & Record<K, V> {
  const settle = (value: V) => Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  return Object.defineProperty(target, key, {
    enumerable: true,
    configurable: true,
    get(): V {
      const value = compute();
      settle(value);
      return value;
    },
    set(value: V) {
      settle(value);
    },
  }) as T & Record<K, V>;
}
