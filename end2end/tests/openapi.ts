import { createHmac, randomUUID } from "node:crypto";
import { expect, type APIRequestContext } from "@playwright/test";

/** Percent-encoding as Alibaba Cloud's signature version 1.0 wants it (RFC 3986: only A-Z a-z 0-9 - _ . ~ kept). */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export const POLARDB_VERSION = "2017-08-01";

/** An OpenAPI call signed with HMAC-SHA1 (signature version 1.0), as the `aliyun` CLI and older SDKs sign
 *  it: a GET to `/` with every parameter in the query. Returns the answer's status and JSON body. */
export async function openApiCall(
  request: APIRequestContext,
  key: { id: string; secret: string },
  action: string,
  version: string,
  params: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const all: Record<string, string> = {
    ...params,
    Action: action,
    Version: version,
    Format: "JSON",
    AccessKeyId: key.id,
    SignatureMethod: "HMAC-SHA1",
    SignatureVersion: "1.0",
    SignatureNonce: randomUUID(),
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
  };
  const canonical = Object.keys(all)
    .sort()
    .map((k) => `${encode(k)}=${encode(all[k])}`)
    .join("&");
  const signature = createHmac("sha1", `${key.secret}&`).update(`GET&%2F&${encode(canonical)}`).digest("base64");
  const response = await request.get(`/?${canonical}&Signature=${encode(signature)}`);
  const body = await response.json();
  return { status: response.status(), body };
}

/** The parameters of CreateDBCluster that restore backup set `backupSetId` of the owner's orders-prod
 *  (pc-bp1orders0001, Hangzhou) into a new cluster named `name`. */
export function restoreParams(backupSetId: string, ownerUid: string, name: string): Record<string, string> {
  return {
    RegionId: "cn-hangzhou", ZoneId: "cn-hangzhou-h", DBType: "MySQL", DBVersion: "8.0", PayType: "Postpaid",
    DBNodeClass: "polar.mysql.x4.medium", CreationOption: "CloneFromPolarDB", SourceResourceId: "pc-bp1orders0001",
    CloneDataPoint: backupSetId, SourceUid: ownerUid, DBClusterDescription: name,
  };
}

export async function expectOk(call: Promise<{ status: number; body: Record<string, unknown> }>) {
  const { status, body } = await call;
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}
