/**
 * `/openapi.json`: an OpenAPI 3.1 document generated from the route table (routes.ts) and
 * its zod schemas (`z.toJSONSchema`, JSON Schema 2020-12 as OpenAPI 3.1 uses it).
 */
import { z } from "zod";
import { VERSION } from "../version.ts";

export interface RouteDoc {
  method: "get" | "post" | "delete";
  path: string;
  summary: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Status → description and schema (`sse`: a text/event-stream). */
  responses: Record<number, { description: string; schema?: z.ZodType; sse?: boolean }>;
}

const schema = (type: z.ZodType, io: "input" | "output") => {
  const { $schema: _, ...rest } = z.toJSONSchema(type, { io, unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;
  return rest;
};

export function openApiDocument(routes: readonly RouteDoc[]): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z]+)/g, "{$1}");
    const params = [...route.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
    const query = route.query
      ? Object.entries(route.query.shape).map(([name, field]) => ({
          name,
          in: "query",
          required: !(field as z.ZodType).safeParse(undefined).success,
          schema: schema(field as z.ZodType, "input"),
        }))
      : [];
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(route.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.sse
          ? { content: { "text/event-stream": { schema: { type: "string" } } } }
          : response.schema
            ? { content: { "application/json": { schema: schema(response.schema, "output") } } }
            : {}),
      };
    }
    responses.default = { description: "An error: the CLI's --json error document", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[route.method] = {
      summary: route.summary,
      operationId: `${route.method}${path.replace(/[{}]/g, "").replace(/\/(\w)/g, (_, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, "")}`,
      ...(params.length + query.length > 0 && { parameters: [...params, ...query] }),
      ...(route.body && { requestBody: { required: true, content: { "application/json": { schema: schema(route.body, "input") } } } }),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "rig serve", version: VERSION, description: "The local HTTP API of one rigkit project. Bodies are the CLI's --json documents." },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }, { cookie: [] }],
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "The token in .rigkit/serve.token" },
        cookie: { type: "apiKey", in: "cookie", name: "rig_token" },
      },
      schemas: { Error: schemaOfError() },
    },
    paths,
  };
}

let errorSchema: unknown;
function schemaOfError(): unknown {
  if (!errorSchema) {
    const { ErrorBody } = require("./schemas.ts") as typeof import("./schemas.ts");
    errorSchema = schema(ErrorBody, "output");
  }
  return errorSchema;
}
