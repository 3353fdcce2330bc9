import type { AnyProtocol, ConsteliteAPI } from '@constelite/api';
import {
  type AnyStateModel,
  type FieldInfo,
  fieldKinds,
  refOfModelName,
  unreachable,
} from '@constelite/core';
import {
  type EndpointName,
  endpointNames,
  endpoints,
  errorBodySchema,
  jobSchema,
  jsonObjectSchema,
  loggerSelectionSchema,
  type QueryOperandKind,
  queryOperators,
  recordSchema,
  refSchema,
  stateJSONSchema,
  stateSchema,
  storeSchema,
  whereSchema,
} from '@constelite/core/wire';
import { z } from 'zod';

/** A JSON Schema object as it appears in the OpenAPI document. */
export type JSONSchema = Record<string, unknown>;

/** The parts of an OpenAPI 3.1 document this server produces. */
export interface OpenAPIDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, { post?: OpenAPIOperation }>;
  components: { schemas: Record<string, JSONSchema>; securitySchemes?: Record<string, JSONSchema> };
  security?: Record<string, string[]>[];
}

/** One operation of the document. */
export interface OpenAPIOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  requestBody: { required: true; content: { 'application/json': { schema: JSONSchema; example?: unknown } } };
  responses: Record<
    string,
    { description: string; content?: { 'application/json': { schema: JSONSchema } } }
  >;
}

const componentRef = (id: string): JSONSchema => ({ $ref: `#/components/schemas/${id}` });

/** The example store uid and record uid of example Refs (version-4 UUIDs). */
const EXAMPLE_STORE_UID = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const EXAMPLE_RECORD_UID = '9b2e7c1a-4d3f-4e8b-a6c5-0f1e2d3c4b5a';

/** An example of the Ref JSON of a record of `modelName`. */
function refExample(modelName: string): JSONSchema {
  return {
    record: { store: { uid: EXAMPLE_STORE_UID }, uid: EXAMPLE_RECORD_UID },
    state_model_name: modelName,
    model_name: 'Ref',
  };
}

/** The component id of an endpoint's body: `store.put` → `StorePutBody`. */
function bodyId(name: EndpointName): string {
  return `${name
    .split('.')
    .map((part) => `${part[0]?.toUpperCase()}${part.slice(1)}`)
    .join('')}Body`;
}

const conversion = {
  target: 'draft-2020-12',
  unrepresentable: 'any',
  uri: (id: string) => `#/components/schemas/${id}`,
  // A `refOf(Model)` schema is opaque to zod (it resolves refs at run time): document it as the Ref schema.
  override: (context: { zodSchema: unknown; jsonSchema: JSONSchema }) => {
    if (context.zodSchema === stateSchema) {
      Object.assign(context.jsonSchema, stateJSONSchema);
      return;
    }
    if (context.zodSchema === jsonObjectSchema) {
      Object.assign(context.jsonSchema, { type: 'object', additionalProperties: true });
      return;
    }
    if (context.zodSchema === whereSchema) {
      Object.assign(context.jsonSchema, componentRef('QueryWhere'));
      return;
    }
    const name = refOfModelName(context.zodSchema as z.ZodType);
    if (name === undefined) return;
    for (const key of Object.keys(context.jsonSchema)) delete context.jsonSchema[key];
    Object.assign(context.jsonSchema, {
      ...componentRef('Ref'),
      description: `A Ref to a ${name}`,
      examples: [refExample(name)],
    });
  },
} as const;

/**
 * Builds the OpenAPI 3.1 document of `api` from the endpoint table (`@constelite/core/wire`),
 * the API's models and its protocols.
 */
export function buildOpenAPI(api: ConsteliteAPI, options: { auth: boolean }): OpenAPIDocument {
  const registry = z.registry<{ id: string; description?: string }>();
  registry.add(storeSchema, { id: 'Store' });
  registry.add(recordSchema, { id: 'StoreRecord' });
  registry.add(refSchema, {
    id: 'Ref',
    description:
      'A pointer to one record in one store, optionally carrying a state (validated by its model).',
  });
  registry.add(loggerSelectionSchema, { id: 'LoggerSelection' });
  registry.add(jobSchema, { id: 'Job' });
  registry.add(errorBodySchema, {
    id: 'Error',
    description: 'Every error answer: a stable code and a message.',
  });
  const exact = endpointNames.filter((name) => endpoints[name].match === 'exact');
  for (const name of exact) {
    // Endpoints that share a body schema share its component (the first name gives the id).
    if (!registry.has(endpoints[name].body)) registry.add(endpoints[name].body, { id: bodyId(name) });
  }

  const models = new Map<string, AnyStateModel>();
  for (const model of [...api.models, ...api.registry.all()]) models.set(model.modelName, model);
  for (const model of models.values()) registry.add(model.schema, { id: model.modelName });

  const protocolIds = new Map<string, string>();
  const argsIds = new Set<z.ZodType>();
  for (const [path, definition] of api.protocols) {
    const id = `protocol.${path.replaceAll('/', '.')}`;
    protocolIds.set(path, id);
    // One protocol may be served at several paths: its args schema gets the first path's id.
    if (!argsIds.has(definition.args)) {
      argsIds.add(definition.args);
      registry.add(definition.args, {
        id: `${id}.args`,
        ...(definition.description ? { description: definition.description } : {}),
      });
    }
    registry.add(z.object({ args: definition.args, logger: loggerSelectionSchema.nullish() }), {
      id: `${id}.body`,
    });
  }

  const converted = z.toJSONSchema(registry, { ...conversion, io: 'input' }) as {
    schemas: Record<string, JSONSchema>;
  };
  const schemas: Record<string, JSONSchema> = {};
  for (const [id, schema] of Object.entries(converted.schemas)) {
    const { $schema: _schema, $id: _id, ...rest } = schema;
    schemas[id] = rest;
  }
  // A model's zod schema is opaque (it resolves refs at run time), so its document is built from its fields.
  for (const model of models.values()) schemas[model.modelName] = modelSchema(model);
  Object.assign(schemas, whereSchemas());
  // Each protocol's job: the Job whose `result` is the protocol's result.
  for (const [path, definition] of api.protocols) {
    const id = protocolIds.get(path) ?? path;
    schemas[`${id}.job`] ??= {
      description: `A job of ${definition.name}: its result is the protocol's result once status is success`,
      allOf: [
        componentRef('Job'),
        { type: 'object', properties: { result: nullable(returnSchema(definition, models)) } },
      ],
    };
  }
  const modelIds = new Set(models.keys());

  const paths: OpenAPIDocument['paths'] = {};
  const add = (
    path: string,
    operation: Omit<OpenAPIOperation, 'responses' | 'requestBody'>,
    body: JSONSchema,
    result: JSONSchema,
    example?: unknown,
  ) => {
    paths[path] = {
      post: {
        ...operation,
        requestBody: {
          required: true,
          content: { 'application/json': { schema: body, ...(example === undefined ? {} : { example }) } },
        },
        responses: responses(result, options.auth),
      },
    };
  };
  for (const name of exact) {
    const endpoint = endpoints[name];
    add(
      endpoint.path,
      { operationId: name.replace('.', '_'), summary: endpoint.summary, tags: [endpoint.tag] },
      componentRef(registry.get(endpoint.body)?.id ?? bodyId(name)),
      resultSchema(endpoint.result),
    );
  }
  const run = endpoints['protocols.run'];
  const start = endpoints['jobs.start'];
  for (const [path, definition] of api.protocols) {
    const id = protocolIds.get(path) ?? path;
    const body = componentRef(`${id}.body`);
    const description = definition.description ? { description: definition.description } : {};
    const args = schemas[registry.get(definition.args)?.id ?? `${id}.args`] ?? {};
    const example = { args: exampleOf(args, { schemas, modelIds, depth: 0 }) };
    add(
      `${run.path}${path}`,
      { operationId: `protocols.${path}`, summary: definition.name, tags: [run.tag], ...description },
      body,
      returnSchema(definition, models),
      example,
    );
    // An exact endpoint such as `/jobs/fetch` wins over a protocol of that slug, which then runs only synchronously.
    if (exact.some((name) => endpoints[name].path === `${start.path}${path}`)) continue;
    add(
      `${start.path}${path}`,
      {
        operationId: `jobs.${path}`,
        summary: `${definition.name} (as a background job)`,
        tags: [start.tag],
        ...description,
      },
      body,
      componentRef(`${id}.job`),
      example,
    );
  }

  return {
    openapi: '3.1.0',
    info: {
      title: api.name,
      version: api.version,
      description: `Constelite API ${api.name}: every endpoint is POST with a JSON body and answers 201; errors answer the Error body.`,
    },
    paths,
    components: {
      schemas,
      ...(options.auth ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } } : {}),
    },
    ...(options.auth ? { security: [{ bearer: [] }] } : {}),
  };
}

function responses(result: JSONSchema, auth: boolean): OpenAPIOperation['responses'] {
  const error = (description: string) => ({
    description,
    content: { 'application/json': { schema: componentRef('Error') } },
  });
  return {
    '201': { description: 'Success', content: { 'application/json': { schema: result } } },
    '400': error(
      'The request was wrong: malformed JSON, schema violation, body too large, unknown store/model/logger/job, missing record',
    ),
    ...(auth ? { '401': error('Missing or wrong bearer token') } : {}),
    '404': error('Unknown route or protocol'),
    '500': error('Server fault, or a protocol that threw'),
  };
}

/** The JSON schema of an endpoint's answer: the Ref, Job and Error components by reference. */
function resultSchema(schema: z.ZodType): JSONSchema {
  if (schema === refSchema) return componentRef('Ref');
  if (schema === jobSchema) return componentRef('Job');
  const element = (schema as { element?: unknown }).element;
  if (element === refSchema) return { type: 'array', items: componentRef('Ref') };
  return strip(z.toJSONSchema(schema, { ...conversion, io: 'output' }));
}

function returnSchema(definition: AnyProtocol, models: Map<string, AnyStateModel>): JSONSchema {
  for (const model of models.values()) {
    if (definition.returns === model.schema) {
      return { ...componentRef('Ref'), description: `A Ref to a ${model.modelName}` };
    }
  }
  if (definition.returns instanceof z.ZodVoid) return { type: 'null' };
  return strip(z.toJSONSchema(definition.returns, { ...conversion, io: 'output' }));
}

function modelSchema(model: AnyStateModel): JSONSchema {
  const properties: Record<string, JSONSchema> = { model_name: { const: model.modelName } };
  for (const [field, info] of Object.entries(model.fields)) properties[field] = fieldSchema(info);
  return {
    type: 'object',
    description: `State of ${model.modelName}${model.parent ? ` (extends ${model.parent.modelName})` : ''}; every field is optional and null means "not given".`,
    properties,
    required: ['model_name'],
  };
}

/** The JSON schema of one field, by kind; the description is the kind's rule from core's table. */
function fieldSchema(info: FieldInfo): JSONSchema {
  switch (info.kind) {
    case 'static':
      return strip(z.toJSONSchema(info.schema, { ...conversion, io: 'input' }));
    case 'dynamic':
      return {
        ...strip(z.toJSONSchema(info.schema, { ...conversion, io: 'input' })),
        description: fieldKinds.dynamic.summary,
      };
    case 'backref':
      return {
        type: 'array',
        items: componentRef('Ref'),
        readOnly: true,
        description: `Backref of ${safeName(info.target)}.${info.field}: ${fieldKinds.backref.summary}`,
      };
    case 'association':
    case 'aggregation':
    case 'composition':
      return {
        type: 'array',
        items: componentRef('Ref'),
        description: `${info.kind[0]?.toUpperCase()}${info.kind.slice(1)} of ${safeName(info.target)}: ${fieldKinds[info.kind].summary}`,
      };
    default:
      return unreachable(info, 'field kind');
  }
}

function safeName(target: () => AnyStateModel): string {
  try {
    return target().modelName;
  } catch {
    return 'a model';
  }
}

function strip(schema: JSONSchema): JSONSchema {
  const { $schema: _schema, ...rest } = schema;
  return rest;
}

function nullable(schema: JSONSchema): JSONSchema {
  return schema.type === 'null' ? schema : { anyOf: [schema, { type: 'null' }] };
}

/** The JSON schema of the operand of each kind of query operator. */
const operandSchemas: Record<QueryOperandKind, JSONSchema> = {
  value: {},
  values: { type: 'array', items: {} },
  ordered: { type: ['string', 'number'] },
  string: { type: 'string' },
  boolean: { type: 'boolean' },
  ref: componentRef('Ref'),
  conditions: { type: 'array', minItems: 1, items: componentRef('QueryWhere') },
};

/**
 * The components of a query's `where`, built from core's `queryOperators` (one definition with
 * the query types). They document it; the store's query compiler is what checks it.
 */
function whereSchemas(): Record<string, JSONSchema> {
  const operator = (on: 'field' | 'where') =>
    Object.fromEntries(
      Object.entries(queryOperators)
        .filter(([, definition]) => definition.on === on)
        .map(([name, definition]) => [
          name,
          { ...operandSchemas[definition.operand], description: definition.summary },
        ]),
    );
  return {
    QueryWhere: {
      type: 'object',
      description:
        "A query's conditions, all of which must hold (docs/queries.md): each key is a field of the model (its condition) or $and/$or. Checked by the store against the model.",
      properties: operator('where'),
      additionalProperties: componentRef('QueryCondition'),
    },
    QueryCondition: {
      description:
        "A field's condition: an object of operators, all of which must hold, or a plain JSON value (equality; to match an object whose keys start with $, wrap it in $eq).",
      anyOf: [componentRef('QueryOperators'), { description: 'A plain value: equality' }],
    },
    QueryOperators: {
      type: 'object',
      description:
        'The operators of a field: which ones a field accepts depends on its type; $has (relationship fields) stands alone.',
      properties: operator('field'),
      additionalProperties: false,
      minProperties: 1,
    },
  };
}

interface ExampleContext {
  /** The components, to follow `$ref`. */
  schemas: Record<string, JSONSchema>;
  /** The component ids of state models: their example is the smallest state, `{ model_name }`. */
  modelIds: Set<string>;
  depth: number;
}

/**
 * A deterministic example value of a JSON schema (as zod writes them): the first of `const`,
 * `examples`, `default` and `enum`, else a value of its type within its bounds. Objects get
 * every property, arrays one item (or `minItems`), unions their first branch that is not null.
 */
function exampleOf(schema: JSONSchema, context: ExampleContext): unknown {
  if (context.depth > 12) return null;
  const inner = { ...context, depth: context.depth + 1 };
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('default' in schema) return schema.default;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (typeof schema.$ref === 'string') {
    const id = decodeURIComponent(schema.$ref.replace('#/components/schemas/', ''));
    if (context.modelIds.has(id)) return { model_name: id };
    const target = context.schemas[id];
    return target === undefined ? null : exampleOf(target, inner);
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches) && branches.length > 0) {
      const branch = (branches as JSONSchema[]).find((b) => b.type !== 'null') ?? (branches[0] as JSONSchema);
      return exampleOf(branch, inner);
    }
  }
  if (Array.isArray(schema.allOf)) {
    const parts = (schema.allOf as JSONSchema[]).map((part) => exampleOf(part, inner));
    return parts.every((part) => typeof part === 'object' && part !== null && !Array.isArray(part))
      ? Object.assign({}, ...parts)
      : parts[0];
  }
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type];
  const type = types.find((t) => t !== 'null') ?? types[0];
  switch (type) {
    case 'string':
      return stringExample(schema);
    case 'number':
    case 'integer':
      return numberExample(schema, type === 'integer');
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      if (Array.isArray(schema.prefixItems)) {
        return (schema.prefixItems as JSONSchema[]).map((item) => exampleOf(item, inner));
      }
      const count =
        typeof schema.maxItems === 'number' && schema.maxItems < 1
          ? 0
          : Math.max(1, Number(schema.minItems ?? 1));
      const items =
        typeof schema.items === 'object' && schema.items !== null ? (schema.items as JSONSchema) : {};
      return Array.from({ length: count }, () => exampleOf(items, inner));
    }
    case 'object': {
      const result: Record<string, unknown> = {};
      const properties = (schema.properties ?? {}) as Record<string, JSONSchema>;
      for (const [name, property] of Object.entries(properties)) result[name] = exampleOf(property, inner);
      return result;
    }
    default:
      // `{}` (any value), or a schema zod could not express.
      return null;
  }
}

function stringExample(schema: JSONSchema): string {
  const byFormat: Record<string, string> = {
    uuid: EXAMPLE_RECORD_UID,
    email: 'user@example.com',
    'date-time': '2025-01-31T12:00:00.000Z',
    date: '2025-01-31',
    time: '12:00:00',
    duration: 'P1D',
    uri: 'https://example.com',
    url: 'https://example.com',
    ipv4: '192.0.2.1',
    ipv6: '2001:db8::1',
  };
  const formatted = typeof schema.format === 'string' ? byFormat[schema.format] : undefined;
  if (formatted !== undefined) return formatted;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Number.POSITIVE_INFINITY;
  let text = 'string';
  if (text.length < min) text = text.padEnd(min, 'x');
  return text.slice(0, max);
}

function numberExample(schema: JSONSchema, integer: boolean): number {
  const num = (key: string) => (typeof schema[key] === 'number' ? (schema[key] as number) : undefined);
  const step = integer ? 1 : 0.5;
  let value = 1;
  const minimum = num('minimum');
  const exclusiveMinimum = num('exclusiveMinimum');
  const maximum = num('maximum');
  const exclusiveMaximum = num('exclusiveMaximum');
  if (minimum !== undefined && value < minimum) value = minimum;
  if (exclusiveMinimum !== undefined && value <= exclusiveMinimum) value = exclusiveMinimum + step;
  if (maximum !== undefined && value > maximum) value = maximum;
  if (exclusiveMaximum !== undefined && value >= exclusiveMaximum) value = exclusiveMaximum - step;
  const multipleOf = num('multipleOf');
  if (multipleOf !== undefined && multipleOf > 0) value = Math.ceil(value / multipleOf) * multipleOf;
  return integer ? Math.ceil(value) : value;
}
