import { readComponentProps } from '../parse/mdc-props.ts';

/**
 * MDC props of a component, as the renderer's handlers read them.
 *
 * They come from the SDK's one props reader (`readComponentProps`: inline
 * and YAML-block props merged, YAML wins, `:` binding prefix dropped), the
 * same reader the validation rules use, so what is checked is what is shown.
 * Props are never copied onto HTML elements wholesale: each component reads
 * the few it knows and validates them, so an attribute like `onclick` in a
 * prop block cannot reach the page.
 */
export type Props = Record<string, unknown>;

export function readProps(node: Parameters<typeof readComponentProps>[0]): Props {
  return readComponentProps(node).values;
}

export function propString(props: Props, key: string): string | undefined {
  const v = props[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Inline props carry arrays/objects as JSON strings; YAML blocks as values. */
export function propList(props: Props, key: string): unknown[] {
  const v = props[key];
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') {
    try {
      const parsed: unknown = JSON.parse(v);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // not JSON: fall through
    }
  }
  return [];
}

/** A CSS length we are willing to put in a style attribute: `600px`, `80%`, `40rem`, `0px auto`. */
export function safeCssLength(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.trim();
  return /^(?:\d+(?:\.\d+)?(?:px|%|rem|em|vw|ch)?|auto)(?:\s+(?:\d+(?:\.\d+)?(?:px|%|rem|em|vw|ch)?|auto)){0,3}$/.test(v) ? v : undefined;
}

const SAFE_URL = /^(?:https?:|mailto:|\/|\.{0,2}\/|#|[\w.-]+(?:\/|$))/i;

/** Relative paths and http(s)/mailto only: never `javascript:`, `data:`, `vbscript:`. */
export function safeUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.trim();
  // Browsers ignore control characters and whitespace inside the scheme.
  const compact = v.replace(/[\u0000-\u0020]/g, '');
  if (/^[a-z][a-z0-9+.-]*:/i.test(compact) && !/^(?:https?|mailto):/i.test(compact)) return undefined;
  return SAFE_URL.test(v) ? v : undefined;
}
