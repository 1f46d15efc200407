// A real OpenID Connect provider for the tests of the company sign-in (tests.identity_provider
// starts it), on loopback only: oidc-provider with its development sign-in pages, where any
// login signs in. Each login's claims come from IDP_ACCOUNTS (JSON: login -> claims); the one
// client is the application, whose id, secret and callback addresses (IDP_REDIRECT_URIS,
// comma-separated) come from the environment.
import Provider from "oidc-provider";

const port = Number(process.env.IDP_PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.IDP_ACCOUNTS || "{}");

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.IDP_CLIENT_ID,
      client_secret: process.env.IDP_CLIENT_SECRET,
      redirect_uris: process.env.IDP_REDIRECT_URIS.split(","),
      token_endpoint_auth_method: "client_secret_post",
      response_types: ["code"],
      grant_types: ["authorization_code"],
    },
  ],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name", "preferred_username"],
    roles: ["roles"],
  },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, ...(accounts[id] || {}) };
      },
    };
  },
  cookies: { keys: ["test-identity-provider-cookie-key"] },
  features: { devInteractions: { enabled: true } },
});

const server = provider.listen(port, "127.0.0.1", () => {
  console.log(`ready ${issuer}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
