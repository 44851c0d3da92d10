import type { KeyValue } from './types';

/** Defensive readers for untrusted export data: wrong types read as absent. */

export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function obj(value: unknown): Json | undefined {
  return isObject(value) ? value : undefined;
}

export function arr(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Strings as they are, numbers and booleans as text, everything else absent. */
export function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function bool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/** Enabled `{name|key, value}` pairs (Insomnia uses `name`, Postman `key`). */
export function pairs(value: unknown): KeyValue[] {
  return arr(value).flatMap((item) => {
    const o = obj(item);
    if (!o || o.disabled === true || o.enabled === false) return [];
    const name = str(o.name) ?? str(o.key);
    if (name === undefined || name === '') return [];
    return [{ name, value: str(o.value) ?? '' }];
  });
}

/**
 * A URL as Postman and Insomnia send it: without a scheme, both use http://
 * (Insomnia's setDefaultProtocol, Postman's request sender).
 */
export function withHttpScheme(url: string): string {
  const trimmed = url.trim();
  // Only a host can start it (localhost:3000/x, api.example.com/x, [::1]:8080); a path or a template stays as is.
  if (!/^[A-Za-z0-9[]/.test(trimmed) || /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) return url;
  return `http://${trimmed}`;
}
