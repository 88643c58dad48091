// A merchant server's side of the loyalty API, typed by api.d.ts: when an
// order is paid, record it and tell the shopper what it earned; then read the
// member's view. Node 22's own fetch, no other dependency.
//
//   LOYALTY_URL=http://127.0.0.1:8787 LOYALTY_SHOP=demo LOYALTY_API_KEY=... \
//     node clients/typescript/example.ts
//
// (Node 22.18 and later run a .ts file as it is; `cargo xtask test` only
// type-checks it, with `tsc -p clients/typescript`.)
//
// Every type comes from an operation's path, method and status, not from a
// schema's name: `paths["/v1/shops/{shop}/events"]["post"]` stays put when
// the document's schemas are renamed. (Today the event is also
// `components["schemas"]["Event"]`, and the answer `components["schemas"]["Answer"]`.)

import type { paths } from "./api.js";

// Node's globals; delete this line in a project that has @types/node.
declare const process: { env: Record<string, string | undefined>; exitCode?: number };

type RecordEvents = paths["/v1/shops/{shop}/events"]["post"];
/** The body the operation takes: one event, or a batch `{ events: [...] }`. */
type RecordEventsBody = RecordEvents["requestBody"]["content"]["application/json"];
/** One event: the body that is not a batch. */
type LoyaltyEvent = Exclude<RecordEventsBody, { events: unknown }>;
/** The 200 answer: one award, or `{ results: [...] }` for a batch. */
type RecordEventsAnswer = RecordEvents["responses"]["200"]["content"]["application/json"];
/** The award for one event. */
type Award = Exclude<RecordEventsAnswer, { results: unknown }>;
/** Every refusal is an RFC 9457 problem document with a stable `code`. */
type Problem = RecordEvents["responses"]["default"]["content"]["application/problem+json"];

type GetMember = paths["/v1/shops/{shop}/members/{member_id}"]["get"];
type MemberView = GetMember["responses"]["200"]["content"]["application/json"];

const baseUrl = process.env.LOYALTY_URL ?? "http://127.0.0.1:8787";
const shop: RecordEvents["parameters"]["path"]["shop"] = process.env.LOYALTY_SHOP ?? "demo";
const apiKey = process.env.LOYALTY_API_KEY ?? "";

/** Fails with the problem document's code, title and JSON paths. */
async function refusal(response: Response): Promise<Error> {
  const problem = (await response.json()) as Problem;
  const where = (problem.problems ?? []).map((p) => `\n  ${p.path}: ${p.message}`).join("");
  return new Error(`${response.status} ${problem.code}: ${problem.title}${where}`);
}

async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: {
      Authorization: `Bearer ${apiKey}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) {
    throw await refusal(response);
  }
  return (await response.json()) as T;
}

/** Records one event; the same `id` sent again is answered with `duplicate: true`. */
async function recordEvent(event: LoyaltyEvent): Promise<Award> {
  const answer = await call<RecordEventsAnswer>(
    "POST",
    `/v1/shops/${encodeURIComponent(shop)}/events`,
    event satisfies RecordEventsBody,
  );
  if ("results" in answer) {
    throw new Error("sent one event, got a batch answer");
  }
  return answer;
}

async function member(
  memberId: GetMember["parameters"]["path"]["member_id"],
): Promise<MemberView> {
  const path = `/v1/shops/${encodeURIComponent(shop)}/members/${encodeURIComponent(memberId)}`;
  return call<MemberView>("GET", path);
}

async function main(): Promise<void> {
  const orderId = `o-${Date.now()}`;
  const paid: LoyaltyEvent = {
    id: `${orderId}-paid`,
    kind: "order_paid",
    member_id: "alice",
    occurred_at: new Date().toISOString(),
    order: {
      order_id: orderId,
      currency: "USD",
      subtotal_minor: 12_999,
      channel: "online",
      lines: [
        { sku: "boot-1", category: "shoes", qty: 1, unit_price_minor: 8_999 },
        { sku: "sock-2", category: "socks", qty: 2, unit_price_minor: 2_000 },
      ],
    },
  };

  const award = await recordEvent(paid);
  const points: number = award.points;
  console.log(
    `${paid.member_id} earned ${points} points for ${orderId}` +
      `${award.duplicate ? " (already recorded)" : ""}; balance ${award.balance}`,
  );
  for (const line of award.lines) {
    console.log(`  ${line.rule}: ${line.points}`);
  }
  for (const code of award.codes) {
    console.log(`  reward ${code.reward}: code ${code.code}`);
  }

  const view = await member(paid.member_id);
  console.log(
    `${view.member_id}: balance ${view.balance}, pending ${view.pending}, ` +
      `lifetime ${view.lifetime_earned}`,
  );
  if (view.next_tier?.remaining !== undefined) {
    console.log(`  ${view.next_tier.remaining} points to ${view.next_tier.name ?? "the next tier"}`);
  }
  if (view.expiring?.points) {
    console.log(`  ${view.expiring.points} points expire at ${view.expiring.at ?? "?"}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
