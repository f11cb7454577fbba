// A local OpenID Connect provider for the tests (oidc-provider, OpenID-certified): it plays
// FranceConnect and ProConnect as their documentation describes them (claims per scope, a
// signed userinfo answer, "acr" and "amr" in the ID token, logout), without the network.
//
// Usage: node fournisseur.mjs <configuration.json>. The file gives the port, the clients and
// the accounts: {"port": 0, "clients": [...], "comptes": {"<login>": {"claims": {...},
// "acr": "eidas1", "amr": ["pwd", "mfa"]}}}. A login is scripted: the interaction page is a
// form with one field, "login", which names the account; consent is given at once.
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider, { interactionPolicy } from 'oidc-provider';

const configuration = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const { port, clients, comptes } = configuration;
const issuer = `http://127.0.0.1:${port}`;

const echapper = (texte) => String(texte).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

// An "acr" asked as essential with values that the account's login did not reach would make
// the provider ask for the login again and again: the account's own "acr" is kept as is, so
// that the platform's check of it (mentorat.connexion) is what the tests see.
const policy = interactionPolicy.base();
policy.get('login').checks.remove('essential_acrs');

const provider = new Provider(issuer, {
  clients,
  // FranceConnect and ProConnect name one scope per claim.
  claims: {
    openid: ['sub'],
    email: ['email'],
    given_name: ['given_name'],
    family_name: ['family_name'],
    usual_name: ['usual_name'],
    birthdate: ['birthdate'],
    birthplace: ['birthplace'],
    birthcountry: ['birthcountry'],
    // How the person authenticated (ProConnect: "mfa" after a second factor).
    amr: null,
  },
  acrValues: [
    'eidas1',
    'eidas2',
    'eidas3',
    'https://proconnect.gouv.fr/assurance/self-asserted',
    'https://proconnect.gouv.fr/assurance/self-asserted-2fa',
  ],
  features: {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: true },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  cookies: { keys: ['cle-de-test-du-fournisseur-local'] },
  findAccount: async (ctx, id) => {
    const compte = comptes[id];
    if (!compte) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...compte.claims }) };
  },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // Consent is given at once, for every scope and claim asked (as the real providers do
  // once the person has agreed).
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope);
    grant.addOIDCClaims(Object.keys(ctx.oidc.claims?.id_token || {}));
    grant.addOIDCClaims(Object.keys(ctx.oidc.claims?.userinfo || {}));
    await grant.save();
    return grant;
  },
});

async function corps(req) {
  let donnees = '';
  for await (const morceau of req) donnees += morceau;
  return new URLSearchParams(donnees);
}

async function interaction(req, res, uid) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(`<!doctype html><html lang="fr"><title>Connexion</title>
<form method="post" action="/interaction/${echapper(uid)}">
<label for="login">Identifiant</label><input id="login" name="login">
<button type="submit">Se connecter</button></form></html>`);
    return;
  }
  const login = (await corps(req)).get('login');
  const compte = comptes[login];
  if (!compte) {
    res.statusCode = 400;
    res.end('compte inconnu');
    return;
  }
  await provider.interactionFinished(req, res, {
    login: { accountId: login, acr: compte.acr, amr: compte.amr },
  }, { mergeWithLastSubmission: false });
  void details;
}

const serveur = http.createServer(async (req, res) => {
  const chemin = new URL(req.url, issuer).pathname;
  const trouve = chemin.match(/^\/interaction\/([^/]+)$/);
  try {
    if (trouve) {
      await interaction(req, res, trouve[1]);
    } else {
      await provider.callback()(req, res);
    }
  } catch (erreur) {
    res.statusCode = 500;
    res.end(String(erreur));
  }
});

serveur.listen(port, '127.0.0.1', () => {
  process.stdout.write(`pret ${issuer}\n`);
});
