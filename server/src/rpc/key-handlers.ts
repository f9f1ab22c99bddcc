import type { ApiKey, KeyServiceServer } from "@flowgate/contract/flowgate/v1/key_service.js";
import type { ApiKeyService } from "../app/api-keys.js";
import type { ApiKeyRecord } from "../domain/access.js";
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

/** KeyService: thin handlers over the key service; who may call them is the middleware's business. */
export function keyHandlers(a: HandlerAdapter, keys: ApiKeyService): KeyServiceServer {
  return {
    createKey: a.unary("CreateKey", async (req, ctx) => {
      const { key, secret } = await keys.create(
        { name: req.name, groups: req.groups, scopes: req.scopes, expiresInSeconds: req.expiresInSeconds },
        ctx.principal?.name ?? "anonymous",
      );
      return { key: keyToWire(key), secret };
    }),
    listKeys: a.unary("ListKeys", async (req) => {
      const r = await keys.list(req.pageSize, req.pageToken, req.includeRevoked);
      return { keys: r.keys.map(keyToWire), nextPageToken: r.nextPageToken };
    }),
    revokeKey: a.unary("RevokeKey", async (req) => ({ key: keyToWire(await keys.revoke(req.keyId)) })),
    getCaller: a.unary("GetCaller", (_req, ctx) =>
      Promise.resolve({
        name: ctx.principal?.name ?? "",
        keyId: ctx.principal?.keyId ?? "",
        groups: [...(ctx.principal?.groups ?? [])],
        scopes: [...(ctx.principal?.scopes ?? [])],
      }),
    ),
  };
}
