// A local OpenID Provider configured like ID-porten / Ansattporten, for tests only.
//
// Environment: PORT (required), CLIENTS_FILE (JSON list of client metadata),
// ID_TOKEN_TTL (seconds, default 300), ISSUER_HOST (default 127.0.0.1; it always
// listens on 127.0.0.1). Prints "ready <issuer>" when it listens.
//
// The login is non-interactive for tests: the interaction page takes `pid` and
// `acr` as query parameters (GET /interaction/<uid>?pid=...&acr=...) and finishes
// at once; without them it shows a small form (for the browser test).
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://${process.env.ISSUER_HOST || '127.0.0.1'}:${port}`;
const clients = JSON.parse(fs.readFileSync(process.env.CLIENTS_FILE, 'utf8'));
const ACR_VALUES = ['idporten-loa-substantial', 'idporten-loa-high'];

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [signingKey] },
  cookies: { keys: ['tverrnett-test-only-cookie-key'] },
  acrValues: ACR_VALUES,
  scopes: ['openid', 'profile'],
  // ID-porten puts `pid` in the ID token (scope openid), not only in userinfo.
  claims: { openid: ['sub', 'pid'], acr: null, amr: null, sid: null, auth_time: null },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      // No confirmation page in tests: the form posts itself (ID-porten logs out at once).
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html><head><title>Logg ut</title></head><body>${form}
          <button id="confirm-logout" type="submit" form="op.logoutForm" value="yes" name="logout">Logg ut</button>
          </body></html>`;
      },
    },
  },
  ttl: {
    AccessToken: 300,
    AuthorizationCode: 60,
    IdToken: Number(process.env.ID_TOKEN_TTL || 300),
    Interaction: 600,
    Session: 3600,
    Grant: 3600,
  },
  async findAccount(ctx, sub) {
    return { accountId: sub, async claims() { return { sub, pid: sub }; } };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  extraClientMetadata: { properties: ['frontchannel_logout_uri'] },
});
// ID-porten always sends `sid` in the ID token (for front-channel logout).
provider.Client.prototype.includeSid = () => true;

// Front-channel logout (OpenID Connect Front-Channel Logout 1.0), as ID-porten does it:
// oidc-provider 9 no longer implements it, so this wraps the end-session confirmation.
// After the session ends, the answer is a page that loads every client's
// frontchannel_logout_uri (with iss and sid) in a frame, then continues where the
// provider would have redirected.
const escapeHtml = (value) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
provider.use(async (ctx, next) => {
  if (ctx.method !== 'POST' || ctx.path !== '/session/end/confirm') return next();
  const session = await provider.Session.get(ctx);
  const frames = [];
  for (const [clientId, authorization] of Object.entries(session.authorizations || {})) {
    const client = await provider.Client.find(clientId);
    const uri = client?.metadata().frontchannel_logout_uri;
    if (uri && authorization.sid) {
      const query = new URLSearchParams({ iss: issuer, sid: authorization.sid });
      frames.push(`${uri}${uri.includes('?') ? '&' : '?'}${query}`);
    }
  }
  await next();
  const location = ctx.response.get('Location');
  if (frames.length && location && ctx.status >= 300 && ctx.status < 400) {
    ctx.status = 200;
    ctx.remove('Location');
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><head><title>Logget ut</title>
      <meta http-equiv="refresh" content="1;url=${escapeHtml(location)}"></head><body>
      ${frames.map((src) => `<iframe class="frontchannel" src="${escapeHtml(src)}"></iframe>`).join('')}
      <a id="continue" href="${escapeHtml(location)}">Fortsett</a></body></html>`;
  }
});

async function finish(req, res, pid, acr) {
  const details = await provider.interactionDetails(req, res);
  const { params } = details;
  const grant = new provider.Grant({ accountId: pid, clientId: params.client_id });
  grant.addOIDCScope(params.scope);
  const grantId = await grant.save();
  await provider.interactionFinished(
    req, res,
    { login: { accountId: pid, acr, amr: ['TestID'], remember: true }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

function readBody(req) {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => { data += chunk; });
    req.on('end', () => resolve(new URLSearchParams(data)));
  });
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, issuer);
  const match = url.pathname.match(/^\/interaction\/([\w-]+)$/);
  if (!match) return callback(req, res);
  try {
    const values = req.method === 'POST' ? await readBody(req) : url.searchParams;
    const pid = values.get('pid');
    const acr = values.get('acr') || ACR_VALUES[0];
    if (pid) return await finish(req, res, pid, acr);
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(`<!DOCTYPE html><html><head><title>Test-ID</title></head><body>
      <form method="post" action="${url.pathname}">
        <label>Fødselsnummer <input name="pid" id="pid"></label>
        <select name="acr" id="acr">${ACR_VALUES.map((v) => `<option>${v}</option>`).join('')}</select>
        <button type="submit" id="login">Logg inn</button>
      </form></body></html>`);
  } catch (err) {
    res.statusCode = 400;
    res.end(String(err));
  }
});
server.listen(port, '127.0.0.1', () => { console.log(`ready ${issuer}`); });
