/**
 * Prometheus text exposition (version 0.0.4) of a few gauges and counters.
 * Hand-written on purpose: `lab serve` reports a handful of values it already
 * keeps; prom-client would add a global registry and its own collectors.
 */
export interface MetricSample {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  value: number;
  labels?: Record<string, string>;
}

export function formatMetrics(samples: MetricSample[]): string {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const s of samples) {
    if (!seen.has(s.name)) {
      seen.add(s.name);
      out.push(`# HELP ${s.name} ${s.help}`, `# TYPE ${s.name} ${s.type}`);
    }
    const labels = s.labels && Object.keys(s.labels).length
      ? `{${Object.entries(s.labels).map(([k, v]) => `${k}="${v.replace(/["\\\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`))}"`).join(',')}}`
      : '';
    out.push(`${s.name}${labels} ${Number.isFinite(s.value) ? s.value : 0}`);
  }
  return out.join('\n') + '\n';
}
