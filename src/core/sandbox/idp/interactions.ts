import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnyObject, Provider } from 'oidc-provider';
import { consentPage, escapeHtml, loginPage, page } from './pages';
import { checkPassword } from './users';
import type { SandboxUser } from './users';

/**
 * The sign-in and consent steps of the authorization and device flows.
 * oidc-provider's devInteractions accept any password and print warnings,
 * so the sandbox serves its own: a login form that checks the sandbox users
 * and a consent form, at `<mount>/interaction/<uid>[/login|/consent|/abort]`.
 */

const BODY_LIMIT = 16 * 1024;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new Error('form body too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(html);
}

interface MissingDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

/** The interactions URL oidc-provider redirects to (`interactions.url`). */
export function interactionPath(mountPath: string, uid: string): string {
  return `${mountPath}/interaction/${uid}`;
}

/** Serves one interaction request; `rest` is the path below the mount, e.g. `/interaction/abc/login`. */
export async function handleInteraction(
  req: IncomingMessage,
  res: ServerResponse,
  rest: string,
  provider: Provider,
  users: readonly SandboxUser[],
  mountPath: string,
): Promise<void> {
  const match = /^\/interaction\/([\w-]+)(?:\/(login|consent|abort))?$/.exec(rest);
  if (!match) {
    sendHtml(res, 404, page('Not found', '<p>No such interaction page.</p>'));
    return;
  }
  const [, uid, step] = match as unknown as [string, string, string | undefined];

  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    sendHtml(
      res,
      400,
      page(
        'Sign-in expired',
        '<p>This sign-in request is unknown or has expired. Start again from the application.</p>',
      ),
    );
    return;
  }
  if (details.uid !== uid) {
    sendHtml(
      res,
      400,
      page(
        'Sign-in mismatch',
        '<p>This page belongs to another sign-in request. Start again from the application.</p>',
      ),
    );
    return;
  }

  const base = interactionPath(mountPath, uid);
  const clientId = String(details.params.client_id ?? '');
  const prompt = details.prompt.name;

  if (step === 'abort') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'End-User aborted interaction' },
      { mergeWithLastSubmission: false },
    );
    return;
  }

  if (req.method === 'GET' && step === undefined) {
    if (prompt === 'login') sendHtml(res, 200, loginPage(`${base}/login`, clientId, `${base}/abort`));
    else if (prompt === 'consent') {
      const scopes = String(details.params.scope ?? '')
        .split(' ')
        .filter(Boolean);
      sendHtml(res, 200, consentPage(`${base}/consent`, clientId, scopes, `${base}/abort`));
    } else
      sendHtml(
        res,
        501,
        page('Not supported', `<p>The sandbox does not implement the ${escapeHtml(prompt)} prompt.</p>`),
      );
    return;
  }

  if (req.method === 'POST' && step === 'login' && prompt === 'login') {
    const form = await readForm(req);
    const user = checkPassword(users, form.get('username') ?? '', form.get('password') ?? '');
    if (!user) {
      sendHtml(
        res,
        401,
        loginPage(`${base}/login`, clientId, `${base}/abort`, 'Unable to sign in: wrong username or password.'),
      );
      return;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.username } },
      { mergeWithLastSubmission: false },
    );
    return;
  }

  if (req.method === 'POST' && step === 'consent' && prompt === 'consent') {
    await readForm(req);
    const accountId = details.session?.accountId;
    if (!accountId) {
      sendHtml(res, 400, page('Sign-in expired', '<p>Sign in again.</p>'));
      return;
    }
    const existing = details.grantId ? await provider.Grant.find(details.grantId) : undefined;
    const grant = existing ?? new provider.Grant({ accountId, clientId });
    const missing = details.prompt.details as MissingDetails;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    const result: AnyObject = { consent: { grantId } };
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
    return;
  }

  sendHtml(
    res,
    400,
    page(
      'Unexpected step',
      `<p>This sign-in request is at the ${escapeHtml(prompt)} step.</p><p><a href="${escapeHtml(base)}">Continue</a></p>`,
    ),
  );
}
