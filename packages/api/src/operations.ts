import { type AnyState, type Ref, ValidationError } from '@constelite/core';
import type { EndpointName } from '@constelite/core/wire';
import { endpoints, formatIssues, issuesJSON } from '@constelite/core/wire';
import type { Store } from '@constelite/store';
import type { z } from 'zod';
import type { ConsteliteAPI } from './api.js';
import { countOperation, queryOperation, queryPageOperation } from './queries.js';

/** What a transport passes with a body: the protocol path of `/protocols/<path>` and `/jobs/<path>`. */
export interface OperationContext {
  /** The protocol path of a prefix endpoint (`cats/herd_a_cat`). */
  protocolPath?: string;
}

type BodyOf<N extends EndpointName> = z.output<(typeof endpoints)[N]['body']>;

type Operation<N extends EndpointName> = (
  api: ConsteliteAPI,
  body: BodyOf<N>,
  context: OperationContext,
) => Promise<unknown>;

/**
 * The handling of every endpoint, independent of the transport: pick the store, resolve refs,
 * apply the wire rules, run, and answer a JSON-ready value. A `Record` over the endpoint table,
 * so an endpoint without an operation does not compile (docs/architecture.md, "Adding an endpoint").
 */
export const operations: { [N in EndpointName]: Operation<N> } = {
  'store.put': refCall('put'),
  'store.get': (api, body) => {
    const target = api.registry.refFromWire(body.ref, { unknownFields: api.unknownFields });
    const window = { from: body.from ?? undefined, to: body.to ?? undefined };
    return storeFor(api, target, body.store?.uid, 'get').get(target, window);
  },
  'store.patch': refCall('patch'),
  'store.delete': async (api, body) => {
    // The body schema has validated the ref envelope: only its state is left to its model.
    const target = api.registry.refFromWire(body.ref, { unknownFields: api.unknownFields });
    await storeFor(api, target, body.store?.uid, 'delete').delete(target);
    return null;
  },
  'store.query': queryOperation,
  'store.queryPage': queryPageOperation,
  'store.count': countOperation,
  'jobs.fetch': async (api, body) => api.fetchJob(typeof body.job === 'string' ? body.job : body.job.uid),
  'jobs.cancel': async (api, body) => api.cancelJob(typeof body.job === 'string' ? body.job : body.job.uid),
  'protocols.run': async (api, body, context) =>
    api.runProtocol(protocolPath(context), body.args ?? {}, body.logger),
  'jobs.start': async (api, body, context) =>
    api.startJob(protocolPath(context), body.args ?? {}, body.logger, {
      idempotencyKey: body.idempotency_key ?? null,
    }),
};

/** An operation that resolves the body's ref and calls the store method of the same name. */
function refCall(method: 'put' | 'patch'): Operation<'store.put' | 'store.patch'> {
  // Not async: the store's promise is answered as it is (`handleEndpoint` turns a throw into a rejection).
  return (api, body) => {
    // The body schema has validated the ref envelope: only its state is left to its model.
    const target = api.registry.refFromWire(body.ref, { unknownFields: api.unknownFields });
    return storeFor(api, target, body.store?.uid, method)[method](target);
  };
}

/**
 * Validates `body` with the endpoint's schema and runs its operation. Unknown protocols are
 * reported before the body is looked at, as the caller's first mistake.
 */
export async function handleEndpoint(
  api: ConsteliteAPI,
  name: EndpointName,
  body: unknown,
  context: OperationContext = {},
): Promise<unknown> {
  const endpoint = endpoints[name];
  if (endpoint.match === 'prefix') api.getProtocol(protocolPath(context));
  const parsed = endpoint.body.safeParse(body);
  if (!parsed.success) {
    const at = endpoint.match === 'prefix' ? `${endpoint.path}${context.protocolPath}` : endpoint.path;
    throw new ValidationError(`Invalid body of POST ${at}: ${formatIssues(parsed.error)}`, {
      extra: { issues: issuesJSON(parsed.error) },
    });
  }
  return await (operations[name] as Operation<EndpointName>)(api, parsed.data as never, context);
}

function protocolPath(context: OperationContext): string {
  if (!context.protocolPath) {
    throw new ValidationError('A protocol endpoint needs the protocol path after /protocols/ or /jobs/');
  }
  return context.protocolPath;
}

function storeFor(
  api: ConsteliteAPI,
  target: Ref<AnyState>,
  storeUid: string | undefined,
  method: string,
): Store {
  const uid = storeUid ?? target.record?.store.uid;
  if (uid === undefined) {
    throw new ValidationError(
      `store/${method} of a ${target.state_model_name} ref without a record needs 'store': {uid} in the body`,
      { extra: { model: target.state_model_name } },
    );
  }
  return api.getStore(uid);
}
