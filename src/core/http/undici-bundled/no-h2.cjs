'use strict';
// What the bundles give undici's client for its HTTP/2 part (lib/dispatcher/client-h2.js;
// esbuild.config.mjs, undiciTrims). Every connector and agent here is made with allowH2: false
// (src/core/http/dispatchers.ts, timed-connector.ts), so no connection negotiates h2 and undici
// never calls it; requiring it loaded node:http2 at every request-sending start (issue #14).
module.exports = function connectH2() {
  throw new Error('HTTP/2 is not used by OIDC Flow Debugger (allowH2: false), yet a connection negotiated h2.');
};
