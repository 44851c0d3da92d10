import { OidcError } from '../errors';
import { findReferences } from './template';

/**
 * A URL written with `{{env.X}}` whose variable is empty: `{{env.baseUrl}}/orders`
 * does not parse, and `https://{{env.domain}}/oauth2/default` parses with the
 * wrong host (`oauth2`). Either way it is the flow file's (or its
 * environment's) doing, named with the variable, never "a bug".
 */

/** The scheme and authority of a URL template: up to the first `/`, `?` or `#` outside a `{{ }}`. */
const ORIGIN = /^(?:[a-z][a-z0-9+.-]*:\/\/)?(?:[^/?#{]|\{(?!\{)|\{\{[^}]*\}\})*/i;

/** The `{{env.X}}` variables in `templates` that are empty or undefined in `env`, without duplicates. */
export function emptyVariables(templates: Array<string | undefined>, env: Record<string, unknown>): string[] {
  let refs: ReturnType<typeof findReferences>;
  try {
    refs = findReferences(templates.filter((t) => t !== undefined));
  } catch {
    // A malformed template is the loader's to report.
    return [];
  }
  const empty = refs.filter((r) => r.root === 'env' && r.name !== undefined && (env[r.name] ?? '') === '');
  return [...new Set(empty.map((r) => r.name!))];
}

/** The empty variables that make up the host of a URL template (an empty path part may be meant). */
export function emptyHostVariables(template: string | undefined, env: Record<string, unknown>): string[] {
  return template === undefined ? [] : emptyVariables([ORIGIN.exec(template)?.[0] ?? ''], env);
}

/** The configuration error for a URL that is none: `subject` is "Step x" or "IdP okta", `shown` the URL as written. */
export function unusableUrl(subject: string, shown: string, empty: string[], where: string): OidcError {
  const vars = empty.map((name) => `{{env.${name}}}`).join(', ');
  return new OidcError(
    'flow.invalid_url',
    empty.length > 0
      ? `${subject} has no usable URL: ${vars} ${empty.length === 1 ? 'is' : 'are'} empty, so ${shown} is not a usable URL.`
      : `${subject} has no usable URL: ${shown} does not give an absolute URL.`,
    {
      where,
      hint:
        empty.length > 0
          ? `Fill in ${empty.join(', ')} under the environment the run uses in the flow file (an import adds the variables it cannot fill as empty values), or choose another environment.`
          : 'Write the URL with its scheme and host, e.g. https://api.example.com/orders.',
    },
  );
}
