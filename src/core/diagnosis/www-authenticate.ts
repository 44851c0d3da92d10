/** One challenge of a WWW-Authenticate header (RFC 7235 / RFC 6750). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses a WWW-Authenticate value into challenges. Tolerant: gateways differ
 * in quoting, and a malformed header must still yield what can be read.
 */
export function parseWwwAuthenticate(value: string | undefined): AuthChallenge[] {
  if (!value) return [];
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const s = value;
  const skipSpace = () => {
    while (i < s.length && /[\s,]/.test(s[i]!)) i += 1;
  };
  const readToken = () => {
    const start = i;
    while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z/=]/.test(s[i]!)) i += 1;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skipSpace();
    const scheme = readToken();
    if (!scheme) {
      i += 1;
      continue;
    }
    const challenge: AuthChallenge = { scheme, params: {} };
    challenges.push(challenge);
    for (;;) {
      skipSpace();
      const mark = i;
      const nameStart = i;
      while (i < s.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(s[i]!)) i += 1;
      const name = s.slice(nameStart, i);
      while (i < s.length && s[i] === ' ') i += 1;
      if (!name || s[i] !== '=') {
        i = mark; // next scheme (or token68, which we do not need)
        break;
      }
      i += 1;
      while (i < s.length && s[i] === ' ') i += 1;
      let paramValue = '';
      if (s[i] === '"') {
        i += 1;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\' && i + 1 < s.length) i += 1;
          paramValue += s[i];
          i += 1;
        }
        i += 1;
      } else {
        const start = i;
        while (i < s.length && s[i] !== ',') i += 1;
        paramValue = s.slice(start, i).trim();
      }
      challenge.params[name.toLowerCase()] = paramValue;
      if (i >= s.length) break;
    }
  }
  return challenges;
}
