import type { AnyProtocol, ConsteliteAPI } from '@constelite/api';
import type { AnyStateModel } from '@constelite/core';
import { z } from 'zod';
import {
  errorSchema,
  jobFetchBodySchema,
  jobSchema,
  loggerSchema,
  queryBodySchema,
  recordRefBodySchema,
  recordSchema,
  refBodySchema,
  refSchema,
  storeSchema,
} from './schemas.js';

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

/** Builds the OpenAPI 3.1 document of `api` from the zod schemas of its wire bodies, models and protocols. */
export function buildOpenAPI(api: ConsteliteAPI, options: { auth: boolean }): OpenAPIDocument {
  const registry = z.registry<{ id: string; description?: string }>();
  registry.add(storeSchema, { id: 'Store' });
  registry.add(recordSchema, { id: 'StoreRecord' });
  registry.add(refSchema, {
    id: 'Ref',
    description:
      'A pointer to one record in one store, optionally carrying a state (validated by its model).',
  });
  registry.add(loggerSchema, { id: 'LoggerSelection' });
  registry.add(jobSchema, { id: 'Job' });
  registry.add(errorSchema, { id: 'Error', description: 'Every error answer: a stable code and a message.' });
  registry.add(refBodySchema, { id: 'RefBody' });
  registry.add(recordRefBodySchema, { id: 'RecordRefBody' });
  registry.add(queryBodySchema, { id: 'QueryBody' });
  registry.add(jobFetchBodySchema, { id: 'JobFetchBody' });

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
    registry.add(z.object({ args: definition.args, logger: loggerSchema.nullish() }), { id: `${id}.body` });
  }

  const converted = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    uri: (id) => `#/components/schemas/${id}`,
  }) as { schemas: Record<string, JSONSchema> };
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
  const refList: JSONSchema = { type: 'array', items: componentRef('Ref') };
  add(
    '/store/put',
    {
      operationId: 'store_put',
      summary: 'Create a record, or overwrite the given fields of one',
      tags: ['store'],
    },
    componentRef('RefBody'),
    componentRef('Ref'),
  );
  add(
    '/store/get',
    { operationId: 'store_get', summary: "Read a record's full state", tags: ['store'] },
    componentRef('RefBody'),
    componentRef('Ref'),
  );
  add(
    '/store/patch',
    {
      operationId: 'store_patch',
      summary: 'Overwrite static fields, append dynamic points and members',
      tags: ['store'],
    },
    componentRef('RecordRefBody'),
    componentRef('Ref'),
  );
  add(
    '/store/delete',
    {
      operationId: 'store_delete',
      summary: 'Delete a record, its composition members and links to it',
      tags: ['store'],
    },
    componentRef('RecordRefBody'),
    { type: 'null' },
  );
  add(
    '/store/query',
    {
      operationId: 'store_query',
      summary: 'Refs to the records of a model whose static fields equal the given values',
      tags: ['store'],
    },
    componentRef('QueryBody'),
    refList,
  );
  add(
    '/jobs/fetch',
    { operationId: 'jobs_fetch', summary: 'The current status, result or error of a job', tags: ['jobs'] },
    componentRef('JobFetchBody'),
    componentRef('Job'),
  );
  for (const [path, definition] of api.protocols) {
    const id = protocolIds.get(path) ?? path;
    const body = componentRef(`${id}.body`);
    const description = definition.description ? { description: definition.description } : {};
    add(
      `/protocols/${path}`,
      { operationId: `protocols.${path}`, summary: definition.name, tags: ['protocols'], ...description },
      body,
      returnSchema(definition, models),
    );
    // `/jobs/fetch` is the job poll endpoint; a protocol slugged `fetch` runs only synchronously.
    if (path === 'fetch') continue;
    add(
      `/jobs/${path}`,
      {
        operationId: `jobs.${path}`,
        summary: `${definition.name} (as a background job)`,
        tags: ['jobs'],
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
      'The request was wrong: malformed JSON, schema violation, unknown store/model/logger/job, missing record',
    ),
    ...(auth ? { '401': error('Missing or wrong bearer token') } : {}),
    '404': error('Unknown route or protocol'),
    '413': error('Request body too large'),
    '500': error('Server fault, or a protocol that threw'),
  };
}

function returnSchema(definition: AnyProtocol, models: Map<string, AnyStateModel>): JSONSchema {
  for (const model of models.values()) {
    if (definition.returns === model.schema) {
      return { ...componentRef('Ref'), description: `A Ref to a ${model.modelName}` };
    }
  }
  if (definition.returns instanceof z.ZodVoid) return { type: 'null' };
  return strip(
    z.toJSONSchema(definition.returns, { target: 'draft-2020-12', io: 'output', unrepresentable: 'any' }),
  );
}

function modelSchema(model: AnyStateModel): JSONSchema {
  const properties: Record<string, JSONSchema> = { model_name: { const: model.modelName } };
  for (const [field, info] of Object.entries(model.fields)) {
    switch (info.kind) {
      case 'static':
      case 'dynamic':
        properties[field] = {
          ...strip(
            z.toJSONSchema(info.schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }),
          ),
          ...(info.kind === 'dynamic'
            ? { description: 'A time series: PUT replaces it, PATCH appends points' }
            : {}),
        };
        break;
      case 'backref':
        properties[field] = {
          type: 'array',
          items: componentRef('Ref'),
          readOnly: true,
          description: `Backref of ${safeName(info.target)}.${info.field} (kept by the store; writes are ignored)`,
        };
        break;
      default:
        properties[field] = {
          type: 'array',
          items: componentRef('Ref'),
          description: `${info.kind[0]?.toUpperCase()}${info.kind.slice(1)} of ${safeName(info.target)}`,
        };
    }
  }
  return {
    type: 'object',
    description: `State of ${model.modelName}${model.parent ? ` (extends ${model.parent.modelName})` : ''}; every field is optional and null means "not given".`,
    properties,
    required: ['model_name'],
  };
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
