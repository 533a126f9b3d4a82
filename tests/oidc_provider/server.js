// A real OpenID Provider for the register's single sign-on tests: panva's certified
// oidc-provider, configured with one confidential client (the register), PKCE required, the
// provider's own development login form, and the accounts given in OIDC_TEST_ACCOUNTS.
//
// Started by the pytest fixture in tests/browser/sso.py, which reads its first line of output:
//   issuer http://127.0.0.1:<port>
// Listens on loopback only, on a free port; stops when its standard input closes.
//
// Environment:
//   OIDC_TEST_CLIENT_ID, OIDC_TEST_CLIENT_SECRET  the register's client credentials
//   OIDC_TEST_REDIRECT_URI                        the register's callback (/auth/sso/callback)
//   OIDC_TEST_POST_LOGOUT_REDIRECT_URI            where RP-initiated logout may return
//   OIDC_TEST_ACCOUNTS                            JSON {"login": {"email": ..., "email_verified": ...}}

import http from 'node:http';

import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} must be set`);
  }
  return value;
};

const clientId = env('OIDC_TEST_CLIENT_ID');
const accounts = JSON.parse(env('OIDC_TEST_ACCOUNTS'));

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: env('OIDC_TEST_CLIENT_SECRET'),
        client_name: 'Register of interests',
        redirect_uris: [env('OIDC_TEST_REDIRECT_URI')],
        post_logout_redirect_uris: [env('OIDC_TEST_POST_LOGOUT_REDIRECT_URI')],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    // Every authorization request must carry an S256 code challenge, whatever the client.
    pkce: { required: () => true },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    // The email claims go in the ID token, as Entra ID and most providers put them.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    // A first-party client: the scopes it asks for are granted without a consent screen, as an
    // Entra ID tenant administrator's consent does.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
    findAccount: async (_ctx, sub) => {
      const account = accounts[sub];
      if (!account) {
        return undefined;
      }
      return { accountId: sub, claims: async () => ({ sub, ...account }) };
    },
    // The register's tests allow loopback traffic only: the built-in pages' web font is left out.
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><html lang="en"><head><title>Error</title></head><body>
        <h1>oops! something went wrong</h1><pre>${JSON.stringify(out).replace(/</g, '&lt;')}</pre>
        </body></html>`;
    },
  });
  // The development login and logout pages import a web font from the internet: no network
  // here beyond loopback, so the import is taken out of the provider's HTML.
  provider.use(async (ctx, next) => {
    await next();
    if (typeof ctx.body === 'string' && ctx.type.startsWith('text/html')) {
      ctx.body = ctx.body.replace(/@import url\(https:[^)]*\);?/g, '');
    }
  });
  server.on('request', provider.callback());
  process.stdout.write(`issuer ${issuer}\n`);
});

process.stdin.on('end', () => server.close(() => process.exit(0)));
process.stdin.resume();
