import type { ApiKey, KeyServiceServer } from "@flowgate/contract/flowgate/v1/key_service.js";
import type { ApiKeyService } from "../app/api-keys.js";
import type { ApiKeyRecord } from "../domain/access.js";
import { actorOf, type Actor, type AuditFacts } from "../domain/audit.js";
import type { HandlerAdapter } from "./adapter.js";

function keyToWire(k: ApiKeyRecord): ApiKey {
  return {
    id: k.id,
    name: k.name,
    groups: [...k.groups],
    scopes: [...k.scopes],
    createdAt: k.createdAt,
    expiresAt: k.expiresAt,
    revokedAt: k.revokedAt,
    createdBy: k.createdBy,
  };
}

/**
 * KeyService: thin handlers over the key service; who may call them is the middleware's business.
 * Creating and revoking a key are audited (`audit`), never with the secret. GetCaller also tells the
 * web UI's address (`uiUrl`, read per call: the HTTP port is known only once that server is up).
 */
export function keyHandlers(
  a: HandlerAdapter,
  keys: ApiKeyService,
  audit: (actor: Actor, facts: AuditFacts) => Promise<void>,
  uiUrl: () => string = () => "",
): KeyServiceServer {
  return {
    createKey: a.unary("CreateKey", async (req, ctx) => {
      const actor = actorOf(ctx);
      const { key, secret } = await keys.create(
        { name: req.name, groups: req.groups, scopes: req.scopes, expiresInSeconds: req.expiresInSeconds },
        actor.principal,
      );
      await audit(actor, { subject: `key:${key.id}` });
      return { key: keyToWire(key), secret };
    }),
    listKeys: a.unary("ListKeys", async (req) => {
      const r = await keys.list(req.pageSize, req.pageToken, req.includeRevoked);
      return { keys: r.keys.map(keyToWire), nextPageToken: r.nextPageToken };
    }),
    revokeKey: a.unary("RevokeKey", async (req, ctx) => {
      const key = await keys.revoke(req.keyId);
      await audit(actorOf(ctx), { subject: `key:${key.id}` });
      return { key: keyToWire(key) };
    }),
    getCaller: a.unary("GetCaller", (_req, ctx) =>
      Promise.resolve({
        name: ctx.principal?.name ?? "",
        keyId: ctx.principal?.keyId ?? "",
        groups: [...(ctx.principal?.groups ?? [])],
        scopes: [...(ctx.principal?.scopes ?? [])],
        uiUrl: uiUrl(),
      }),
    ),
  };
}
