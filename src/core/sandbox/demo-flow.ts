/**
 * The built-in demo: the introspection scenario and its cached variant,
 * against the sandbox only. examples/introspection-scenario.yaml tells the
 * same story for a real Okta and Kong as well, so the two differ on purpose;
 * test/integration/sandbox.test.ts runs this one, cli-run.test.ts the example.
 */
export const DEMO_FLOW_FILE = `
version: 1
defaultEnvironment: sandbox
environments:
  sandbox:
    issuer: \${env:SANDBOX_ISSUER}
    caFile: \${env:SANDBOX_CA_FILE}
    clientId: \${env:SANDBOX_CLIENT_ID}
    clientSecret: \${env:SANDBOX_CLIENT_SECRET}
    kongUrl: \${env:SANDBOX_GATEWAY_URL}
    gatewayClientId: \${env:SANDBOX_GATEWAY_CLIENT_ID}
    gatewayClientSecret: \${env:SANDBOX_GATEWAY_CLIENT_SECRET}
    oktaOrgUrl: \${env:SANDBOX_OKTA_ORG_URL}
    oktaApiToken: \${env:SANDBOX_OKTA_API_TOKEN}
idps:
  okta:
    description: The sandbox IdP, laid out like an Okta custom authorization server.
    issuer: "{{env.issuer}}"
    caFile: "{{env.caFile}}"
    clientId: "{{env.clientId}}"
    clientAuth: client_secret_basic
    clientSecret: "{{env.clientSecret}}"
    scopes: [orders:read]
    oktaApi: { orgUrl: "{{env.oktaOrgUrl}}", apiToken: "{{env.oktaApiToken}}" }
  okta-as-gateway:
    description: The same IdP seen with the gateway's own client (what the gateway hears).
    issuer: "{{env.issuer}}"
    caFile: "{{env.caFile}}"
    clientId: "{{env.gatewayClientId}}"
    clientAuth: client_secret_basic
    clientSecret: "{{env.gatewayClientSecret}}"
routes:
  orders:
    description: Kong route, openid-connect with auth_methods [introspection], no cache.
    baseUrl: "{{env.kongUrl}}"
    path: /orders
    gateway:
      kind: kong
      config: { issuer: "{{env.issuer}}", auth_methods: [introspection], client_id: ["{{env.gatewayClientId}}"], cache_introspection: false, scopes_required: [orders:read], bearer_token_param_type: [header], ssl_verify: true }
  orders-cached:
    description: The same route with introspection caching on (cache_ttl_max 20 s).
    baseUrl: "{{env.kongUrl}}"
    path: /cached/orders
    gateway:
      kind: kong
      config: { issuer: "{{env.issuer}}", auth_methods: [introspection], client_id: ["{{env.gatewayClientId}}"], cache_introspection: true, cache_ttl_max: 20, bearer_token_param_type: [header], ssl_verify: true }
flows:
  introspection-scenario:
    description: Token, route 200, introspection active, deactivate the app, route 401 with the verdict (Okta's management API confirms the app is INACTIVE).
    steps:
      - { id: token, name: Client-credentials token from the IdP, type: token, idp: okta, grant: client_credentials, reuse: false, assert: [{ expiresIn: { atLeast: 60 } }] }
      - { id: call-ok, name: Call the route (the gateway introspects), type: call, route: orders, assert: [{ status: 200 }] }
      - { id: introspect, name: Introspect the token as the gateway does, type: introspect, idp: okta-as-gateway, token: "{{steps.token.token.access_token}}", assert: [{ active: true }] }
      - { id: deactivate, name: Deactivate the client application at the IdP, type: admin, idp: okta, action: deactivateClient }
      - { id: call-refused, name: Call the route again, type: call, route: orders, assert: [{ status: 401 }] }
      - { id: reactivate, name: Reactivate the application, type: admin, idp: okta, action: reactivateClient }
  cached-variant:
    description: With introspection caching on, the dead token is still accepted until the cache entry expires.
    steps:
      - { id: token, name: Client-credentials token from the IdP, type: token, idp: okta, grant: client_credentials, reuse: false }
      - { id: call-ok, name: Call the cached route (the gateway introspects and caches), type: call, route: orders-cached, assert: [{ status: 200 }] }
      - { id: deactivate, name: Deactivate the client application at the IdP, type: admin, idp: okta, action: deactivateClient }
      - { id: introspect, name: The IdP now says inactive, type: introspect, idp: okta-as-gateway, token: "{{steps.token.token.access_token}}", assert: [{ active: false }] }
      - { id: call-cached, name: Call again (answered from the gateway's cache), type: call, route: orders-cached, assert: [{ status: 200 }] }
      - id: until-refused
        name: Call every 5 s until the cache entry expires
        type: repeat
        every: 5
        times: 8
        step: { id: call, type: call, route: orders-cached }
        until: { status: 401 }
        assert: [{ status: 401 }]
      - { id: reactivate, name: Reactivate the application, type: admin, idp: okta, action: reactivateClient }
`;
