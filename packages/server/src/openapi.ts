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
  recordSchema,
  refSchema,
  stateJSONSchema,
  stateSchema,
  storeSchema,
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
  requestBody: { required: true; content: { 'application/json': { schema: JSONSchema } } };
  responses: Record<
    string,
    { description: string; content?: { 'application/json': { schema: JSONSchema } } }
  >;
}

const componentRef = (id: string): JSONSchema => ({ $ref: `#/components/schemas/${id}` });

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
    const name = refOfModelName(context.zodSchema as z.ZodType);
    if (name === undefined) return;
    for (const key of Object.keys(context.jsonSchema)) delete context.jsonSchema[key];
    Object.assign(context.jsonSchema, { ...componentRef('Ref'), description: `A Ref to a ${name}` });
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

  const paths: OpenAPIDocument['paths'] = {};
  const add = (
    path: string,
    operation: Omit<OpenAPIOperation, 'responses' | 'requestBody'>,
    body: JSONSchema,
    result: JSONSchema,
  ) => {
    paths[path] = {
      post: {
        ...operation,
        requestBody: { required: true, content: { 'application/json': { schema: body } } },
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
    add(
      `${run.path}${path}`,
      { operationId: `protocols.${path}`, summary: definition.name, tags: [run.tag], ...description },
      body,
      returnSchema(definition, models),
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
      componentRef('Job'),
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
