import type { KoaContext } from 'oidc-provider';

/**
 * The sandbox IdP's HTML pages: plain forms a person can use in a browser
 * and test/support/idp-login.ts can fill in. No external assets, so they
 * work offline.
 */

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A whole page around the given body HTML. */
export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - OIDC Flow Debugger sandbox</title>
<style>body{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem}input,button{display:block;width:100%;margin:.5rem 0;padding:.5rem;box-sizing:border-box}.error{color:#b00020}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${body}
</body>
</html>`;
}

/** The sign-in form of an authorization interaction. */
export function loginPage(action: string, clientId: string, abortUrl: string, error?: string): string {
  return page(
    'Sign in',
    `<p>Sign in to continue to <strong>${escapeHtml(clientId)}</strong>.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form id="login" method="post" action="${escapeHtml(action)}">
<label>Username <input type="text" name="username" autocomplete="username" autofocus required></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>
<p><a href="${escapeHtml(abortUrl)}">Cancel</a></p>`,
  );
}

/** The consent form listing the scopes the client asks for. */
export function consentPage(action: string, clientId: string, scopes: string[], abortUrl: string): string {
  const items = scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('');
  return page(
    'Allow access',
    `<p><strong>${escapeHtml(clientId)}</strong> asks for:</p>
<ul>${items}</ul>
<form id="consent" method="post" action="${escapeHtml(action)}">
<button type="submit">Allow</button>
</form>
<p><a href="${escapeHtml(abortUrl)}">Deny</a></p>`,
  );
}

/** `features.deviceFlow.userCodeInputSource`. */
export async function userCodeInputSource(
  ctx: KoaContext,
  form: string,
  _out: unknown,
  err?: { name?: string; userCode?: string },
): Promise<void> {
  let message = 'Enter the code shown on your device.';
  if (err && (err.userCode || err.name === 'NoCodeError')) message = 'The code you entered is incorrect. Try again.';
  else if (err?.name === 'AbortedError') message = 'The sign-in request was cancelled.';
  else if (err) message = 'There was an error processing your request.';
  ctx.type = 'html';
  ctx.body = page(
    'Activate a device',
    `<p${err ? ' class="error" role="alert"' : ''}>${escapeHtml(message)}</p>
${form}
<button type="submit" form="op.deviceInputForm">Next</button>`,
  );
}

/** `features.deviceFlow.userCodeConfirmSource`. */
export async function userCodeConfirmSource(
  ctx: KoaContext,
  form: string,
  client: { clientId: string },
  _deviceInfo: unknown,
  userCode: string,
): Promise<void> {
  ctx.type = 'html';
  ctx.body = page(
    'Confirm the device',
    `<p><strong>${escapeHtml(client.clientId)}</strong> wants to sign in on a device showing the code <code>${escapeHtml(userCode)}</code>.</p>
${form}
<button type="submit" form="op.deviceConfirmForm">Continue</button>`,
  );
}

/** `features.deviceFlow.successSource`. */
export async function deviceSuccessSource(ctx: KoaContext): Promise<void> {
  ctx.type = 'html';
  ctx.body = page(
    'Device activated',
    '<p id="device-activated">Your device is now signed in. You can close this page.</p>',
  );
}

/** `features.rpInitiatedLogout.logoutSource`. */
export async function logoutSource(ctx: KoaContext, form: string): Promise<void> {
  ctx.type = 'html';
  ctx.body = page(
    'Sign out',
    `${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button>`,
  );
}

/** `features.rpInitiatedLogout.postLogoutSuccessSource`. */
export async function postLogoutSuccessSource(ctx: KoaContext): Promise<void> {
  ctx.type = 'html';
  ctx.body = page('Signed out', '<p>You are signed out.</p>');
}

/** `renderError` for errors shown to the browser instead of redirected to the client. */
export async function renderError(ctx: KoaContext, out: Record<string, string>): Promise<void> {
  ctx.type = 'html';
  const rows = Object.entries(out).map(
    ([key, value]) =>
      `<p><strong>${escapeHtml(key)}</strong>: <span data-key="${escapeHtml(key)}">${escapeHtml(String(value))}</span></p>`,
  );
  ctx.body = page('Something went wrong', rows.join('\n'));
}
